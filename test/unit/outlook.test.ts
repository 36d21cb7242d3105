// Classic Outlook: the PRF against Microsoft's documented sections and keys, and the Windows side
// (reg query outputs, new Outlook, /importprf) against exact argument vectors and sample outputs.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseIni } from "ini";
import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_MAPPINGS, buildPrf, encodePrf, manualSteps, renderPrf, SMTP_SECURE } from "../../src/clients/outlook/prf.js";
import { applyPrf, detectOutlook, parseRegSubkeys, parseRegValues, PROFILES_KEY } from "../../src/clients/outlook/windows.js";
import type { OrgConfig } from "../../src/config/schema.js";
import { run } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import type { Runner } from "../../src/truststore/run.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "..", "fixtures", "windows", name), "utf8");
let config: OrgConfig;
beforeAll(async () => {
  const payload = await unsignedPayload();
  config = { ...payload.config, incoming: { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" } };
});

describe("the PRF", () => {
  it("has Microsoft's sections, and every account key is mapped in the account type's section", () => {
    const text = renderPrf(buildPrf({ config, email: "alice@internal.test", fullName: "Alice Example" }));
    const ini = parseIni(text) as Record<string, Record<string, string>>;
    expect(Object.keys(ini)).toEqual(["General", "Internet Account List", "Account1", "IMAP_I_Mail"]);
    expect(ini["General"]).toMatchObject({ Custom: "1", OverwriteProfile: "Append", DefaultProfile: "Yes" });
    expect(ini["Internet Account List"]).toEqual({ Account1: "IMAP_I_Mail" });
    const account = ini["Account1"]!;
    const mapping = ini["IMAP_I_Mail"]!;
    for (const key of Object.keys(account)) {
      if (key === "UniqueService") continue; // a directive of the account section itself
      expect(mapping[key], `${key} must be mapped`).toMatch(/^PT_(UNICODE|LONG|BOOLEAN|STRING8),0x[0-9A-F]{4}$/);
    }
    expect(mapping).toMatchObject({ SMTPServer: "PT_UNICODE,0x0200", SMTPPort: "PT_LONG,0x0201", SMTPUseAuth: "PT_LONG,0x0203", SMTPUserName: "PT_UNICODE,0x0204", SMTPAuthMethod: "PT_LONG,0x0208", SMTPSecureConnection: "PT_LONG,0x020A", IMAPServer: "PT_UNICODE,0x0100" });
    expect(account).toMatchObject({
      EmailAddress: "alice@internal.test",
      DisplayName: "Alice Example",
      IMAPServer: "imap.internal.test",
      IMAPPort: "993",
      IMAPUseSSL: "1",
      SMTPServer: "relay.internal.test",
      SMTPPort: "587",
      SMTPUseAuth: "1",
      SMTPUserName: "alice@internal.test",
      SMTPSecureConnection: String(SMTP_SECURE.starttls),
    });
    expect(Object.keys(account).some((k) => /password/i.test(k))).toBe(false);
    expect(text).toContain("\r\n");
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("uses the POP section for POP accounts, and SSL (1) for implicit TLS", () => {
    const pop = { ...config, incoming: { ...config.incoming!, protocol: "pop3" as const, port: 995 }, submission: { ...config.submission, security: "tls" as const, port: 465 } };
    const ini = parseIni(renderPrf(buildPrf({ config: pop, email: "bob@internal.test" }))) as Record<string, Record<string, string>>;
    expect(ini["Internet Account List"]).toEqual({ Account1: "I_Mail" });
    expect(ini["Account1"]).toMatchObject({ POP3Server: "imap.internal.test", POP3Port: "995", SMTPSecureConnection: "1", SMTPPort: "465" });
    for (const key of Object.keys(ini["Account1"]!)) if (key !== "UniqueService") expect(ACCOUNT_MAPPINGS.I_Mail).toHaveProperty(key);
  });

  it("is written as UTF-16LE with a BOM, and refuses what Outlook cannot do", () => {
    const bytes = encodePrf(renderPrf(buildPrf({ config, email: "zoë@internal.test", fullName: "Zoë" })));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString("utf16le")).toContain("DisplayName=Zoë");
    expect(() => buildPrf({ config: { ...config, incoming: undefined }, email: "a@internal.test" })).toThrow(/incoming/);
    expect(() => buildPrf({ config: { ...config, submission: { ...config.submission, auth: ["XOAUTH2"] } }, email: "a@internal.test" })).toThrow(/XOAUTH2/);
    expect(() => buildPrf({ config, email: "a@internal.test", fullName: "Evil\r\n[General]" })).toThrow(/line break/);
  });

  it("gives a short exact list for the new Outlook", () => {
    expect(manualSteps({ config, email: "alice@internal.test" })).toEqual([
      "Add account → Advanced setup → IMAP; email address: alice@internal.test",
      "Incoming server: imap.internal.test, port 993, SSL/TLS, user name alice@internal.test",
      "Outgoing (SMTP) server: relay.internal.test, port 587, STARTTLS",
      "Outgoing server requires sign-in: yes, user name alice@internal.test, your password",
    ]);
  });
});

describe("classic Outlook on Windows", () => {
  it("parses reg query outputs", () => {
    expect(parseRegValues(fixture("reg-outlook-app-path.txt")).get("(Default)")).toEqual({ type: "REG_SZ", value: "C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE" });
    expect(parseRegValues(fixture("reg-use-new-outlook.txt")).get("UseNewOutlook")).toEqual({ type: "REG_DWORD", value: "0x1" });
    expect(parseRegSubkeys(fixture("reg-outlook-profiles.txt"), PROFILES_KEY)).toEqual(["Outlook", "Work Mail"]);
  });

  it("detects classic and new Outlook with exact reg queries, and imports with /importprf", async () => {
    const calls: Array<[string, readonly string[]]> = [];
    const answers: Record<string, string> = { "/ve": "reg-outlook-app-path.txt", UseNewOutlook: "reg-use-new-outlook.txt", DefaultProfile: "reg-default-profile.txt" };
    const runner = (newOutlook: boolean): Runner => (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd !== "reg.exe") return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      const key = Object.keys(answers).find((k) => args.includes(k));
      if (key === "UseNewOutlook" && !newOutlook) return Promise.resolve({ code: 1, stdout: "", stderr: fixture("reg-not-found.txt") });
      return Promise.resolve({ code: 0, stdout: fixture(key ? answers[key]! : "reg-outlook-profiles.txt"), stderr: "" });
    };
    const classic = await detectOutlook(runner(false));
    expect(classic).toEqual({ classicPath: "C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE", newOutlookInUse: false, profiles: ["Outlook", "Work Mail"], defaultProfile: "Outlook" });
    expect(calls[0]).toEqual(["reg.exe", ["query", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\OUTLOOK.EXE", "/ve"]]);
    expect(calls[1]).toEqual(["reg.exe", ["query", "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\Preferences", "/v", "UseNewOutlook"]]);
    await applyPrf(classic, "C:\\Users\\alice\\relay.prf", runner(false));
    expect(calls.at(-1)).toEqual(["C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE", ["/importprf", "C:\\Users\\alice\\relay.prf"]]);
    expect((await detectOutlook(runner(true))).newOutlookInUse).toBe(true);
    await expect(applyPrf({ newOutlookInUse: false, profiles: [] }, "x.prf", runner(false))).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND" });
  });

  it("detectClients lists what is found, without writing anything", async () => {
    const { detectClients } = await import("../../src/clients/detect.js");
    const root = await tempDir("ro-detect-");
    const runner: Runner = (_cmd, args) =>
      Promise.resolve({ code: 0, stdout: fixture(args.includes("/ve") ? "reg-outlook-app-path.txt" : args.includes("UseNewOutlook") ? "reg-use-new-outlook.txt" : args.includes("DefaultProfile") ? "reg-default-profile.txt" : "reg-outlook-profiles.txt"), stderr: "" });
    const clients = await detectClients({ platform: "win32", runner, thunderbirdRoots: [root] });
    expect(clients.map((c) => [c.client, c.installed])).toEqual([["thunderbird", false], ["outlook", true]]);
    expect(clients[1]!.profiles.find((p) => p.isDefault)?.name).toBe("Outlook");
    expect(clients[1]!.note).toMatch(/new Outlook/);
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(root)).toEqual([]);
  });

  it("relay-onboard configure outlook writes the PRF from the verified configuration", async () => {
    const dir = await tempDir("ro-prf-");
    const key = await makeKey();
    const payload = await unsignedPayload();
    payload.config.incoming = config.incoming;
    await import("node:fs/promises").then(async (fs) => {
      await fs.writeFile(join(dir, "c.jws"), await signed(key, { payload, now: new Date() }));
      await fs.writeFile(join(dir, "t.json"), jwksText([key]));
    });
    let out = "";
    const io: CliIo = { stdout: (t) => void (out += t), stderr: () => undefined, env: {}, now: () => new Date() };
    const prf = join(dir, "relay.prf");
    const status = await run(["configure", "outlook", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "s"), "--email", "alice@internal.test", "--out", prf, "--json"], io);
    expect(status).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, client: "outlook", applied: false });
    const text = (await readFile(prf)).subarray(2).toString("utf16le");
    expect(text).toContain("SMTPServer=relay.internal.test");
    // --dry-run prints the exact file and writes nothing.
    let dry = "";
    const dryIo: CliIo = { stdout: (t) => void (dry += t), stderr: () => undefined, env: {}, now: () => new Date() };
    const dryOut = join(dir, "dry.prf");
    expect(await run(["configure", "outlook", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "s"), "--email", "alice@internal.test", "--out", dryOut, "--dry-run"], dryIo)).toBe(0);
    expect(dry).toBe(text);
    await expect(readFile(dryOut)).rejects.toThrow(/ENOENT/);
  });
});
