// The Windows command line, run as Windows runs it: the win-x64 single executable built by the
// project's script, under Wine (Debian's wine64) on a fresh prefix set to Windows 10. Every command
// here takes its real Windows paths — %APPDATA% for Thunderbird, reg.exe for managed policy, Z:\ paths,
// UTF-16LE files. What Wine only stubs (certutil.exe and powershell.exe succeed doing nothing,
// net session answers 0) is tested elsewhere by exact command lines and real sample outputs; here
// the root step is only shown to take the Windows path (certutil.exe, the OS store), never NSS.
// Node under Wine fails with EBADF on a pipe: stdout and stderr go to files.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:https";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/diagnostics/report.js";
import { canRunPostfix, LAB_PASSWORD, LAB_USER, startPostfixLab, type PostfixLab } from "../helpers/postfixLab.js";
import { createRootCa, issueServerCert, jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { realClockEnv } from "../helpers/realClock.js";
import { buildSea } from "../setup/shippedCli.js";

const hasWine = spawnSync("sh", ["-c", "command -v wine && command -v wineboot"]).status === 0;
if (!hasWine) console.warn("windows-wine.test.ts skipped: Wine is not installed (`npm test` as root installs wine and wine64)");

/** Z:\ is Wine's view of /. */
const win = (path: string) => `Z:${path.replace(/\//g, "\\")}`;
const VERSION = (JSON.parse(await readFile(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(!hasWine)("the Windows executable under Wine", () => {
  let exe: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let roaming: string;
  let org: { config: string; trust: string; caFile: string; httpsUrl: string; extraCa: string };
  let lab: PostfixLab | undefined;
  let stopHttps: () => void = () => undefined;

  async function wine(args: string[], extra: Record<string, string> = {}, input = ""): Promise<Ran> {
    const id = Math.random().toString(16).slice(2);
    const [out, err] = [join(dir, `${id}.out`), join(dir, `${id}.err`)];
    const [o, e] = [await open(out, "w"), await open(err, "w")];
    try {
      const child = spawn("wine", [exe, ...args], { env: { ...env, ...extra }, stdio: [input ? "pipe" : "ignore", o.fd, e.fd] });
      if (input) child.stdin?.end(input);
      const status = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", resolve);
      });
      return { status, stdout: await readFile(out, "utf8"), stderr: await readFile(err, "utf8") };
    } finally {
      await o.close();
      await e.close();
    }
  }
  const json = <T>(r: Ran): T => {
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`not JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
  };

  beforeAll(async () => {
    exe = buildSea("win", "x64");
    dir = await tempDir("ro-wine-");
    const home = join(dir, "home");
    await mkdir(home);
    env = { ...realClockEnv(), WINEPREFIX: join(dir, "prefix"), WINEDEBUG: "-all", HOME: home, WINEDLLOVERRIDES: "mscoree,mshtml=" };
    const boot = spawnSync("wineboot", ["-i"], { env, stdio: "ignore", timeout: 120_000 });
    expect(boot.status).toBe(0);
    spawnSync("wine", ["reg", "add", "HKCU\\Software\\Wine", "/v", "Version", "/d", "win10", "/f"], { env, stdio: "ignore" });
    spawnSync("wineserver", ["-w"], { env, stdio: "ignore" });
    roaming = join(dir, "prefix", "drive_c", "users", process.env.USER ?? "root", "AppData", "Roaming");

    // The organisation: a signed configuration for the test relay, on disk and over https.
    const key = await makeKey();
    const base = await unsignedPayload();
    const payload = { ...base, config: { ...base.config, incoming: { protocol: "imap" as const, host: "imap.internal.test", port: 993, security: "tls" as const, username: "{email}" } } };
    const document = await signed(key, { now: new Date(), payload });
    const hostCa = await createRootCa("Config Host Root");
    const leaf = await issueServerCert(hostCa, ["127.0.0.1"]);
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.writeHead(200).end(document));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    stopHttps = () => server.close();
    org = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json"), caFile: join(dir, "org-root.pem"), httpsUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}/config.jws`, extraCa: join(dir, "host-ca.pem") };
    await writeFile(org.config, document);
    await writeFile(org.trust, `${JSON.stringify(JSON.parse(jwksText([key])), null, 2)}\n`);
    await writeFile(org.caFile, (await unsignedPayload()).config.rootCa.pem);
    await writeFile(org.extraCa, hostCa.certPem);
    if (canRunPostfix()) lab = await startPostfixLab();
  }, 300_000);
  afterAll(() => {
    stopHttps();
    lab?.stop();
    spawnSync("wineserver", ["-k"], { env, stdio: "ignore" });
  });

  const orgArgs = () => ["--config", win(org.config), "--trust", win(org.trust), "--state-dir", win(join(dir, "state"))];

  it("--version, and config verify from a file and over https (NODE_EXTRA_CA_CERTS with a Windows path)", async () => {
    expect((await wine(["--version"])).stdout.trim()).toBe(VERSION);
    const file = await wine(["config", "verify", ...orgArgs(), "--json"]);
    expect(file.status, file.stdout + file.stderr).toBe(0);
    expect(json<{ iss: string }>(file).iss).toBe("internal.test");
    const https = ["config", "verify", "--config", org.httpsUrl, "--trust", win(org.trust), "--state-dir", win(join(dir, "state")), "--json"];
    expect((await wine(https, { NODE_EXTRA_CA_CERTS: win(org.extraCa) })).status).toBe(0);
    const refused = await wine(https);
    expect(refused.status).toBe(3);
    expect(json<{ code: string }>(refused).code).toBe("CONFIG_FETCH_FAILED");
  }, 120_000);

  it("check logs in to the real relay with PLAIN and NTLM, and a wrong password is AUTH_FAILED", async () => {
    if (!lab) throw new Error("the Postfix lab needs root and postfix, dovecot-core, sasl2-bin (npm test provisions them)");
    const args = (mech: string) => ["check", "--host", "127.0.0.1", "--port", String(lab!.ports.cyrus), "--ca", win(org.caFile), "--user", LAB_USER, "--auth", mech, "--password-env", "PW", "--json", "--timeout-ms", "20000"];
    for (const mech of ["PLAIN", "NTLM"]) {
      const ok = await wine(args(mech), { PW: LAB_PASSWORD });
      expect(json<Report>(ok).verdict, ok.stdout + ok.stderr).toBe("pass");
      expect(ok.status).toBe(0);
      expect(json<Report>(ok).checks.find((c) => c.id === "auth")?.message).toBe(`logged in as ${LAB_USER} with ${mech}`);
    }
    const bad = await wine(args("NTLM"), { PW: "Wrong-Password-7" });
    expect([bad.status, json<Report>(bad).code]).toEqual([1, "AUTH_FAILED"]);
    expect(bad.stdout + bad.stderr).not.toContain("Wrong-Password-7");
  }, 120_000);

  it("configure thunderbird writes the profile under %APPDATA% and takes the Windows root path (the OS store, never NSS certutil)", async () => {
    const profile = join(roaming, "Thunderbird", "Profiles", "abcd.default-release");
    await mkdir(profile, { recursive: true });
    await writeFile(join(roaming, "Thunderbird", "profiles.ini"), "[Profile0]\r\nName=default-release\r\nIsRelative=1\r\nPath=Profiles/abcd.default-release\r\nDefault=1\r\n\r\n[General]\r\nStartWithLastProfile=1\r\nVersion=2\r\n");
    const detect = await wine(["configure", "detect"]);
    expect(detect.stdout).toMatch(/thunderbird: found/);
    expect(detect.stdout).toContain("abcd.default-release");

    const r = await wine(["configure", "thunderbird", ...orgArgs(), "--email", "alice@internal.test", "--json"]);
    const out = r.stdout + r.stderr;
    // Wine's certutil.exe succeeds without adding anything, so the read-back finds no root (exit 4).
    expect([0, 4], out).toContain(r.status);
    const prefs = await readFile(join(profile, "prefs.js"), "utf8");
    expect(prefs).toContain('user_pref("mail.smtpserver.smtp1.hostname", "relay.internal.test");');
    expect(prefs).toContain('user_pref("security.enterprise_roots.enabled", true);');
    expect(out).not.toMatch(/\/usr\/bin\/certutil|libnss3-tools|NSS/);
    const report = json<{ ca?: { store: string; code?: string; message?: string } }>(r);
    expect(report.ca?.store).toMatch(/^windows-(user|machine)$/);
    // The failure names the Windows store; Thunderbird's own files hold no NSS database.
    if (report.ca?.code) expect(report.ca.code).toBe("CA_INSTALL_FAILED");
    expect(await readFile(join(profile, "cert9.db")).catch(() => undefined)).toBeUndefined();

    // status judges Thunderbird as Thunderbird on Windows trusts: the OS store, read by preference.
    const status = await wine(["status", ...orgArgs(), "--email", "alice@internal.test", "--clients", "thunderbird", "--ca-store", "none", "--json"]);
    expect(status.status, status.stdout + status.stderr).toBe(0);
    // With the root managed, Thunderbird counts as set up only once it reads the OS store: the
    // preference is there, so its item is ok (the store itself is Wine's stub: the root is missing).
    const managed = await wine(["status", ...orgArgs(), "--email", "alice@internal.test", "--clients", "thunderbird", "--json"]);
    const items = json<{ items: { id: string; state: string }[] }>(managed).items;
    expect(items.find((i) => i.id === "client:thunderbird")?.state).toBe("ok");
    await writeFile(join(profile, "user.js"), 'user_pref("security.enterprise_roots.enabled", false);\r\n');
    const overridden = await wine(["status", ...orgArgs(), "--email", "alice@internal.test", "--clients", "thunderbird", "--json"]);
    expect(json<{ items: { id: string; state: string; message: string }[] }>(overridden).items.find((i) => i.id === "client:thunderbird")).toMatchObject({ state: "missing", message: expect.stringMatching(/security\.enterprise_roots\.enabled/) as unknown });
    await writeFile(join(profile, "user.js"), "");

    // onboard --dry-run plans against the Windows machine: the user's root store, the profile.
    const plan = await wine(["onboard", ...orgArgs(), "--email", "alice@internal.test", "--clients", "thunderbird", "--dry-run", "--json"]);
    expect(plan.status, plan.stdout + plan.stderr).toBe(0);
    const steps = json<{ dryRun: boolean; steps: { id: string; status: string; message: string }[] }>(plan);
    expect(steps.dryRun).toBe(true);
    expect(steps.steps.find((s) => s.id === "ca")?.message).toMatch(/^windows-(user|machine): /);
    expect(steps.steps.find((s) => s.id === "client:thunderbird")).toMatchObject({ status: "unchanged", message: expect.stringMatching(/would read this computer's certificate store/) as unknown });

    // offboard takes back what configure recorded (the Windows paths of the record), leaving the user's profile as before.
    const off = await wine(["offboard", ...orgArgs(), "--email", "alice@internal.test", "--clients", "thunderbird", "--yes", "--json"]);
    const offSteps = json<{ steps: { id: string; status: string; message: string; code?: string }[] }>(off).steps;
    const tbStep = offSteps.find((s) => s.id.startsWith("client:thunderbird:"));
    expect(tbStep, off.stdout + off.stderr).toMatchObject({ status: "done", message: expect.stringContaining("outgoing server smtp1 (relay.internal.test)") as unknown });
    expect(tbStep?.id.toLowerCase()).toContain("abcd.default-release");
    const after = await readFile(join(profile, "prefs.js"), "utf8");
    expect(after).not.toContain("relay.internal.test");
    expect(after).not.toContain("security.enterprise_roots.enabled");
    // Wine's stores hold no root the tool could name: nothing of its own there, nothing failed.
    expect(off.status, off.stdout + off.stderr).toBe(0);
  }, 120_000);

  it("configure outlook writes a UTF-16LE profile file with CRLF", async () => {
    const prf = join(dir, "relay.prf");
    const r = await wine(["configure", "outlook", ...orgArgs(), "--email", "alice@internal.test", "--out", win(prf)]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const data = await readFile(prf);
    expect([...data.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const text = data.subarray(2).toString("utf16le");
    expect(text).toContain("\r\n");
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
    expect(text).toMatch(/SMTPServer=relay\.internal\.test/i);
  }, 60_000);

  it("managed policy from HKLM and HKCU (imported from a UTF-16LE .reg file): strings, a number, a list, a multi-line value", async () => {
    const trust = await readFile(org.trust, "utf8");
    const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    const multiSz = (items: string[]) => [...Buffer.from(`${items.join("\0")}\0\0`, "utf16le")].map((b) => b.toString(16).padStart(2, "0")).join(",");
    const reg =
      "Windows Registry Editor Version 5.00\r\n\r\n" +
      "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\RelayOnboard]\r\n" +
      `"configUrl"="${esc(pathToFileUrl(org.config))}"\r\n` +
      `"trustedKeys"="${esc(trust).replace(/\n/g, "\\n")}"\r\n` +
      '"allowDemo"=dword:00000000\r\n\r\n' +
      "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\RelayOnboard]\r\n" +
      `"clients"=hex(7):${multiSz(["thunderbird", "outlook"])}\r\n` +
      '"caStore"="none"\r\n';
    const file = join(dir, "policy.reg");
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(reg, "utf16le")]));
    const imported = spawnSync("wine", ["reg", "import", win(file)], { env, stdio: "ignore" });
    expect(imported.status).toBe(0);
    const r = await wine(["config", "verify", "--state-dir", win(join(dir, "state-policy")), "--json"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(json<{ iss: string }>(r).iss).toBe("internal.test");
    // The policy's clients and caStore are in force: status checks Thunderbird, not the root.
    const status = await wine(["status", "--state-dir", win(join(dir, "state-policy")), "--email", "alice@internal.test", "--json"]);
    const items = json<{ items: { id: string; state: string }[] }>(status).items;
    expect(items.find((i) => i.id === "ca")?.state).toBe("unchecked");
    expect(items.map((i) => i.id)).toEqual(expect.arrayContaining(["client:thunderbird", "client:outlook"]));
  }, 120_000);
});

/** file:///Z:/… as Windows Node reads a file URL. */
function pathToFileUrl(path: string): string {
  return `file:///Z:${path}`;
}
