// Managed policy: the checks by name, the Linux file for real, the Windows reader on `reg export`
// files and the macOS reader on managed-preference plists, and the precedence over a bundled org file.
import { windowsTool } from "../../src/systemTools.js";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validatePolicy } from "../../src/policy/policy.js";
import { resolveConfigSource } from "../../src/policy/resolve.js";
import { readLinuxPolicy, readMacPolicy, readWindowsPolicy, WINDOWS_POLICY_KEYS } from "../../src/policy/sources.js";
import { parseRegFile } from "../../src/windows/registry.js";
import type { Runner } from "../../src/processRunner.js";
import { jwksText, makeKey, tempDir } from "../helpers/org.js";

const fixture = (name: string) => join(import.meta.dirname, "..", "fixtures", "policy", name);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect((err as { code?: string }).code).toBe("BAD_INPUT");
    return (err as Error).message;
  }
  throw new Error("expected the policy to be refused");
}

describe("validatePolicy", () => {
  it("accepts every setting in its native and registry forms", async () => {
    const key = await makeKey();
    const policy = await validatePolicy(
      { configUrl: "https://c.example.org/c.jws", trustedKeys: jwksText([key]), clients: "thunderbird, outlook", caStore: "nss", allowDemo: 0, allowSkipCa: true, allowOffboard: 0, allowReportSending: 0, supportEmail: "help@example.org", supportUrl: "https://help.example.org", supportPhone: "+1 555" },
      "test",
    );
    expect(policy).toMatchObject({ configUrl: "https://c.example.org/c.jws", clients: ["thunderbird", "outlook"], caStore: "nss", allowDemo: false, allowSkipCa: true, allowOffboard: false, allowReportSending: false, support: { email: "help@example.org", url: "https://help.example.org", phone: "+1 555" } });
    expect(policy.trustedKeys?.keys.has(key.kid)).toBe(true);
    expect((await validatePolicy({ trustedKeys: JSON.parse(jwksText([key])) as unknown, clients: ["apple-mail"] }, "t")).clients).toEqual(["apple-mail"]);
  });

  it("takes the app's language as a canonical BCP 47 tag", async () => {
    expect((await validatePolicy({ language: "de" }, "t")).language).toBe("de");
    expect((await validatePolicy({ language: "fr-ch" }, "t")).language).toBe("fr-CH");
    expect((await validatePolicy({ language: "EN-gb" }, "t")).language).toBe("en-GB");
  });

  it("refuses each invalid value by the setting's name, and unknown settings", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ caStore: "everywhere" }, /"caStore".*one of auto, system, user, nss, none/],
      [{ configUrl: "http://c.example.org/c.jws" }, /"configUrl".*https/],
      [{ clients: ["thunderbird", "eudora"] }, /"clients".*"eudora"/],
      [{ allowDemo: "yes" }, /"allowDemo".*true or false/],
      [{ allowSkipCa: 2 }, /"allowSkipCa"/],
      [{ allowOffboard: "no" }, /"allowOffboard".*true or false/],
      [{ allowReportSending: "yes" }, /"allowReportSending".*true or false/],
      [{ trustedKeys: "{not json" }, /"trustedKeys"/],
      [{ supportUrl: "ftp://x" }, /"supportUrl"/],
      [{ caStor: "system" }, /"caStor" .*not a known setting/],
      [{ configUrl: "https://x\n" }, /"configUrl"/],
      [{ language: "german" }, /"language".*language tag/],
      [{ language: "en_US" }, /"language".*language tag/],
      [{ language: "de-\u0000" }, /"language"/],
      [{ language: 7 }, /"language"/],
    ];
    for (const [raw, message] of cases) expect(await refusal(validatePolicy(raw, "src"))).toMatch(message);
  });
});

describe("policy sources", () => {
  it("Linux: reads /etc/relay-onboard/policy.json (here, a real file elsewhere); absent means no policy", async () => {
    const dir = await tempDir("ro-policy-");
    const file = join(dir, "policy.json");
    expect(await readLinuxPolicy(file)).toBeUndefined();
    await writeFile(file, JSON.stringify({ caStore: "none", clients: ["thunderbird"] }));
    expect(await readLinuxPolicy(file)).toMatchObject({ source: file, caStore: "none", clients: ["thunderbird"] });
    await writeFile(file, "{ broken");
    expect(await refusal(readLinuxPolicy(file))).toMatch(/not valid JSON/);
    await writeFile(file, JSON.stringify({ caStore: "everywhere" }));
    expect(await refusal(readLinuxPolicy(file))).toMatch(/"caStore"/);
    await writeFile(file, '{"__proto__": {"caStore": "none"}}');
    expect(await refusal(readLinuxPolicy(file))).toMatch(/__proto__/);
  });

  it("Windows: parses reg export files (UTF-16LE, hex(7) lists, dwords), HKLM winning over HKCU", async () => {
    const { values } = parseRegFile(readFileSync(fixture("hklm-export.reg")).subarray(2).toString("utf16le"), "HKLM\\SOFTWARE\\Policies\\RelayOnboard", { strict: true });
    expect(values.get("clients")).toEqual(["thunderbird", "outlook"]);
    expect(values.get("allowDemo")).toBe(0);
    const calls: string[][] = [];
    const runner: Runner = async (cmd, args) => {
      calls.push([cmd, ...args]);
      const source = args[1] === WINDOWS_POLICY_KEYS[0] ? "hklm-export.reg" : "hkcu-export.reg";
      await copyFile(fixture(source), args[2]!);
      return { code: 0, stdout: "The operation completed successfully.", stderr: "" };
    };
    const policy = await readWindowsPolicy(runner);
    expect(calls.map((c) => c.slice(0, 3))).toEqual([[windowsTool("reg.exe"), "export", "HKLM\\SOFTWARE\\Policies\\RelayOnboard"], [windowsTool("reg.exe"), "export", "HKCU\\SOFTWARE\\Policies\\RelayOnboard"]]);
    expect(calls[0]![4]).toBe("/y");
    expect(policy).toMatchObject({ configUrl: "https://config.example.org/relay/config.jws", clients: ["thunderbird", "outlook"], caStore: "system", allowDemo: false, allowSkipCa: false, support: { email: "helpdesk@example.org", phone: "+1 555 0199" } });
    expect(policy?.trustedKeys?.keys.has("it-2026")).toBe(true);

    const none: Runner = () => Promise.resolve({ code: 1, stdout: "", stderr: "ERROR: The system was unable to find the specified registry key or value." });
    expect(await readWindowsPolicy(none)).toBeUndefined();
    const invalid: Runner = async (_cmd, args) => {
      if (args[1] !== WINDOWS_POLICY_KEYS[0]) return { code: 1, stdout: "", stderr: "" };
      await copyFile(fixture("hklm-invalid.reg"), args[2]!);
      return { code: 0, stdout: "", stderr: "" };
    };
    expect(await refusal(readWindowsPolicy(invalid))).toMatch(/"caStore" \(HKLM\\SOFTWARE\\Policies\\RelayOnboard\)/);
  });

  it("macOS: reads XML and binary managed preferences, machine-wide values winning over the user's", async () => {
    for (const file of ["org.relayonboard.app.plist", "org.relayonboard.app.binary.plist"]) {
      const root = await tempDir("ro-mcx-");
      await copyFile(fixture(file), join(root, "org.relayonboard.app.plist"));
      await mkdir(join(root, "alice"));
      await copyFile(fixture("user-override.plist"), join(root, "alice", "org.relayonboard.app.plist"));
      const policy = await readMacPolicy({ root, user: "alice" });
      expect(policy, file).toMatchObject({ configUrl: "https://config.example.org/relay/config.jws", clients: ["apple-mail"], caStore: "auto", allowDemo: false, support: { url: "https://help.example.org", phone: "+1 555 0142" } });
    }
    expect(await readMacPolicy({ root: await tempDir("ro-mcx-"), user: "bob" })).toBeUndefined();
  });
});

describe("precedence", () => {
  it("policy overrides a bundled org file, and a conflicting flag is refused rather than ignored", async () => {
    const dir = await tempDir("ro-prec-");
    const [itKey, bundledKey] = [await makeKey(), await makeKey()];
    const bundled = join(dir, "org.json");
    await writeFile(bundled, JSON.stringify({ configUrl: "https://bundled.example.org/c.jws", trustedKeys: JSON.parse(jwksText([bundledKey])) as unknown }));
    const policyFile = join(dir, "policy.json");
    await writeFile(policyFile, JSON.stringify({ configUrl: "https://policy.example.org/c.jws", trustedKeys: jwksText([itKey]) }));
    const policy = await readLinuxPolicy(policyFile);

    const fromPolicy = await resolveConfigSource({}, policy, bundled);
    expect(fromPolicy).toMatchObject({ config: "https://policy.example.org/c.jws", origin: "policy" });
    expect(typeof fromPolicy!.trust === "object" && fromPolicy!.trust.keys.has(itKey.kid)).toBe(true);

    const fromBundle = await resolveConfigSource({}, undefined, bundled);
    expect(fromBundle).toMatchObject({ config: "https://bundled.example.org/c.jws", origin: "bundled" });
    expect(await resolveConfigSource({ config: "c.jws", trust: "t.json" }, undefined, bundled)).toMatchObject({ origin: "flags" });
    expect(await resolveConfigSource({}, undefined, join(dir, "absent.json"))).toBeUndefined();

    await expect(resolveConfigSource({ config: "https://evil.example/c.jws" }, policy, bundled)).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/managed policy .* --config cannot override/) as unknown });
    await expect(resolveConfigSource({ trust: "mine.json" }, policy, bundled)).rejects.toMatchObject({ code: "USAGE" });
  });
});
