// Classic Outlook: the PRF against Microsoft's documented sections and keys, and the Windows side
// (reg export files, new Outlook, /importprf) against exact argument vectors and sample outputs.
import { windowsTool } from "../../src/systemTools.js";
import { readFileSync } from "node:fs";
import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseIni } from "ini";
import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_MAPPINGS, buildPrf, encodePrf, manualSteps, renderPrf, SMTP_SECURE } from "../../src/clients/outlook/prf.js";
import { applyPrf, APP_PATH_KEY, detectOutlook, OUTLOOK_KEY } from "../../src/clients/outlook/windows.js";
import { decodeRegFile, parseRegFile } from "../../src/windows/registry.js";
import type { OrgConfig } from "../../src/config/schema.js";
import type { Runner } from "../../src/processRunner.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const fixturePath = (name: string) => join(import.meta.dirname, "..", "fixtures", "windows", name);
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
      "Add account → Advanced setup → IMAP; Email address: alice@internal.test",
      "IMAP incoming server: imap.internal.test; Port: 993; Secure connection type: SSL/TLS; IMAP username: alice@internal.test",
      "SMTP outgoing server: relay.internal.test; Port: 587; Secure connection type: STARTTLS",
      "SMTP username: alice@internal.test; SMTP password: your password",
    ]);
  });
});

describe("classic Outlook on Windows", () => {
  /** Answers `reg export KEY FILE /y` by copying a fixture to FILE, as reg.exe would write it. */
  const regRunner = (calls: Array<[string, readonly string[]]>, outlookFixture: string | undefined): Runner => async (cmd, args) => {
    calls.push([cmd, args]);
    if (cmd !== windowsTool("reg.exe")) return { code: 0, stdout: "", stderr: "" };
    const source = args[1] === APP_PATH_KEY ? "outlook-app-path.reg" : args[1] === OUTLOOK_KEY ? outlookFixture : undefined;
    if (!source) return { code: 1, stdout: "", stderr: "ERROR: The system was unable to find the specified registry key or value." };
    await copyFile(fixturePath(source), args[2]!);
    return { code: 0, stdout: "The operation completed successfully.", stderr: "" };
  };

  it("reads one key of a reg export: values, direct subkeys, binary values skipped unless strict", () => {
    const text = decodeRegFile(readFileSync(fixturePath("outlook-classic.reg")));
    expect(parseRegFile(text, `${OUTLOOK_KEY}\\Profiles`).subkeys).toEqual(["Outlook", "Work Mail"]);
    const prefs = parseRegFile(text, `${OUTLOOK_KEY}\\Preferences`);
    expect(prefs.values.get("UseNewOutlook")).toBe(0);
    expect(prefs.values.has("QuickBarState")).toBe(false);
    expect(() => parseRegFile(text, `${OUTLOOK_KEY}\\Preferences`, { strict: true })).toThrow(/unsupported value type for "QuickBarState"/);
    expect(parseRegFile(text, "HKCU\\Software\\Nothing")).toEqual({ values: new Map(), subkeys: [] });
  });

  it("detects classic and new Outlook with exact reg exports, and imports with /importprf", async () => {
    const calls: Array<[string, readonly string[]]> = [];
    const classic = await detectOutlook(regRunner(calls, "outlook-classic.reg"));
    expect(classic).toEqual({ classicPath: "C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE", newOutlookInUse: false, profiles: ["Outlook", "Work Mail"], defaultProfile: "Outlook" });
    expect(calls.map(([cmd, args]) => [cmd, args[0], args[1], args[3]])).toEqual([
      [windowsTool("reg.exe"), "export", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\OUTLOOK.EXE", "/y"],
      [windowsTool("reg.exe"), "export", "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook", "/y"],
    ]);
    await applyPrf(classic, "C:\\Users\\alice\\relay.prf", regRunner(calls, "outlook-classic.reg"));
    expect(calls.at(-1)).toEqual(["C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE", ["/importprf", "C:\\Users\\alice\\relay.prf"]]);
    expect((await detectOutlook(regRunner([], "outlook-new.reg"))).newOutlookInUse).toBe(true);
    expect(await detectOutlook(regRunner([], undefined))).toEqual({ classicPath: "C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE", newOutlookInUse: false, profiles: [] });
    await expect(applyPrf({ newOutlookInUse: false, profiles: [] }, "x.prf", regRunner([], undefined))).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND" });
    const failing: Runner = () => Promise.resolve({ code: 1, stdout: "", stderr: "" });
    await expect(applyPrf(classic, "x.prf", failing)).rejects.toMatchObject({ code: "CLIENT_WRITE_FAILED" });
  });

  it("detectClients lists what is found, without writing anything", async () => {
    const { detectClients } = await import("../../src/clients/detect.js");
    const root = await tempDir("ro-detect-");
    const clients = await detectClients({ platform: "win32", runner: regRunner([], "outlook-new.reg"), thunderbirdRoots: [root] });
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
    // The command line as it ships (the installers' executable).
    const prf = join(dir, "relay.prf");
    const ran = await runShipped(["configure", "outlook", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "s"), "--email", "alice@internal.test", "--out", prf, "--json"]);
    expect(ran.status).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ ok: true, client: "outlook", applied: false });
    const text = (await readFile(prf)).subarray(2).toString("utf16le");
    expect(text).toContain("SMTPServer=relay.internal.test");
    // --dry-run prints the exact file and writes nothing.
    const dryOut = join(dir, "dry.prf");
    const dry = await runShipped(["configure", "outlook", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "s"), "--email", "alice@internal.test", "--out", dryOut, "--dry-run"]);
    expect(dry.status).toBe(0);
    // The same lines, with the terminal's line ends (the file's CR would be printed as a visible "\r").
    expect(dry.stdout).toBe(text.replace(/\r\n/g, "\n"));
    expect(dry.stdout).not.toContain("\\r");
    await expect(readFile(dryOut)).rejects.toThrow(/ENOENT/);
  });
});
