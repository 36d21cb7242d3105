// Windows and macOS backends (and Linux's pkexec path) against the exact argument vectors they
// must run and the outputs those tools print (test/fixtures/, see its README).
import { readFileSync } from "node:fs";
import { join, posix, win32 } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { acceptCa } from "../../src/truststore/accept.js";
import { anchorName, FAMILIES, LinuxSystemStore, pkexecArgs, PRIVILEGED_INSTALL } from "../../src/truststore/linux.js";
import { NssStore } from "../../src/truststore/nss.js";
import { elevatedByGroups, isElevated } from "../../src/truststore/select.js";
import { unixTool, windowsTool } from "../../src/systemTools.js";
import { keychainEntries, MacStore, parseFindCertificate, PROFILE_ROUTE, SYSTEM_KEYCHAIN } from "../../src/truststore/macos.js";
import type { Runner, RunResult } from "../../src/processRunner.js";
import type { AcceptedCa } from "../../src/truststore/types.js";
import { windowsFriendlyName, WindowsStore } from "../../src/truststore/windows.js";
import { issueServerCert, tempDir, testCa } from "../helpers/org.js";
import { tmpdir } from "node:os";

const fixture = (...p: string[]) => readFileSync(join(import.meta.dirname, "..", "fixtures", ...p), "utf8");
let ca: AcceptedCa;
beforeAll(async () => {
  const root = await testCa();
  ca = acceptCa(root.certPem, sha256Hex(singleCertificateDer(root.certPem)), "Test Org");
});

/** A runner that records every call and answers from a script of (matcher → result). */
function scripted(answers: Array<[(cmd: string, args: readonly string[]) => boolean, RunResult | (() => RunResult)]>) {
  const calls: Array<{ cmd: string; args: readonly string[] }> = [];
  const runner: Runner = (cmd, args) => {
    calls.push({ cmd, args });
    const hit = answers.find(([match]) => match(cmd, args));
    if (!hit) return Promise.reject(new Error(`unexpected command: ${cmd} ${args.join(" ")}`));
    return Promise.resolve(typeof hit[1] === "function" ? hit[1]() : hit[1]);
  };
  return { runner, calls };
}
const ok = (stdout = ""): RunResult => ({ code: 0, stdout, stderr: "" });

describe("Windows Root store", () => {
  it("user scope: checks by thumbprint, adds with certutil -user -f -addstore Root, then confirms", async () => {
    let present = false;
    const { runner, calls } = scripted([
      [(c) => c === windowsTool("powershell.exe"), () => ok(present ? `${ca.sha1.toUpperCase()}\r\n` : "")],
      [(c, a) => c === windowsTool("certutil.exe") && a.includes("-addstore"), () => ((present = true), ok(fixture("windows", "certutil-addstore-ok.txt")))],
    ]);
    const store = new WindowsStore("user", { runner });
    expect(await store.install(ca)).toMatchObject({ store: "windows-user", location: "Cert:\\CurrentUser\\Root", installed: true, changed: true });
    const add = calls.find((c) => c.cmd === windowsTool("certutil.exe"))!;
    expect(add.args.slice(0, 4)).toEqual(["-user", "-f", "-addstore", "Root"]);
    expect(add.args[4]).toMatch(new RegExp(`${ca.label}\\.cer$`));
    expect(calls[0]!.args).toEqual(["-NoProfile", "-NonInteractive", "-Command", `Get-ChildItem -LiteralPath 'Cert:\\CurrentUser\\Root' | Where-Object { $_.Thumbprint -eq '${ca.sha1.toUpperCase()}' } | ForEach-Object { $_.Thumbprint }`]);
    expect(await store.install(ca)).toMatchObject({ installed: true, changed: false });
  });

  it("machine scope uses the machine store (no -user) and removes by thumbprint", async () => {
    let present = true;
    const { runner, calls } = scripted([
      [(c) => c === windowsTool("powershell.exe"), () => ok(present ? ca.sha1.toUpperCase() : "")],
      [(c, a) => c === windowsTool("certutil.exe") && a.includes("-delstore"), () => ((present = false), ok(fixture("windows", "certutil-delstore-ok.txt")))],
    ]);
    const store = new WindowsStore("machine", { runner });
    expect(await store.remove(ca)).toMatchObject({ store: "windows-machine", location: "Cert:\\LocalMachine\\Root", installed: false, changed: true });
    expect(calls.find((c) => c.cmd === windowsTool("certutil.exe"))!.args).toEqual(["-delstore", "Root", ca.sha1.toUpperCase()]);
    expect(calls[0]!.args[3]).toContain("Cert:\\LocalMachine\\Root");
  });

  it("the user answering No, and access denied, are CA_INSTALL_FAILED with a clear reason", async () => {
    for (const [code, file, message] of [
      [0x800704c7, "certutil-addstore-cancelled.txt", /answered No/],
      [0x80070005, "certutil-addstore-denied.txt", /0x80070005/],
    ] as const) {
      const { runner } = scripted([
        [(c) => c === windowsTool("powershell.exe"), ok("")],
        [(c) => c === windowsTool("certutil.exe"), { code, stdout: fixture("windows", file), stderr: "" }],
      ]);
      await expect(new WindowsStore("user", { runner }).install(ca)).rejects.toMatchObject({ code: "CA_INSTALL_FAILED", message: expect.stringMatching(message) as unknown });
    }
  });
});

describe("macOS keychains", () => {
  const present = () => fixture("macos", "find-certificate-present.txt").replaceAll("{{SHA256}}", ca.sha256.toUpperCase()).replaceAll("{{SHA1}}", ca.sha1.toUpperCase()).replaceAll("{{SUBJECT}}", "Relay Onboard Test Root CA");

  it("parses find-certificate -a -Z output by SHA-256", () => {
    expect(parseFindCertificate(fixture("macos", "find-certificate-absent.txt"))).toEqual(["5c8b86ae6f5e9e9dfa39e0a4d1a7f5a1b0d1d2f1e0c9b8a7f6e5d4c3b2a19081"]);
    expect(parseFindCertificate(present())).toContain(ca.sha256);
  });

  it("login keychain: add-trusted-cert -r trustRoot -k <login>, then confirms", async () => {
    let installed = false;
    const { runner, calls } = scripted([
      [(_c, a) => a[0] === "find-certificate", () => ok(installed ? present() : fixture("macos", "find-certificate-absent.txt"))],
      [(_c, a) => a[0] === "add-trusted-cert", () => ((installed = true), ok())],
    ]);
    const store = new MacStore("login", { runner, keychain: "/Users/alice/Library/Keychains/login.keychain-db" });
    expect(await store.install(ca)).toMatchObject({ store: "macos-login", installed: true, changed: true });
    expect(calls[0]).toEqual({ cmd: "/usr/bin/security", args: ["find-certificate", "-a", "-Z", "/Users/alice/Library/Keychains/login.keychain-db"] });
    const add = calls.find((c) => c.args[0] === "add-trusted-cert")!;
    expect(add.args.slice(0, 5)).toEqual(["add-trusted-cert", "-r", "trustRoot", "-k", "/Users/alice/Library/Keychains/login.keychain-db"]);
  });

  it("System keychain: -d for admin trust; removal drops the trust setting then deletes by SHA-1", async () => {
    let installed = true;
    const { runner, calls } = scripted([
      [(_c, a) => a[0] === "find-certificate", () => ok(installed ? present() : "")],
      [(_c, a) => a[0] === "remove-trusted-cert", ok()],
      [(_c, a) => a[0] === "delete-certificate", () => ((installed = false), ok())],
    ]);
    const store = new MacStore("system", { runner });
    expect(store.location).toBe(SYSTEM_KEYCHAIN);
    expect(await store.remove(ca)).toMatchObject({ store: "macos-system", installed: false, changed: true });
    expect(calls.find((c) => c.args[0] === "remove-trusted-cert")!.args[1]).toBe("-d");
    expect(calls.find((c) => c.args[0] === "delete-certificate")!.args).toEqual(["delete-certificate", "-Z", ca.sha1.toUpperCase(), SYSTEM_KEYCHAIN]);
  });

  it("unattended, or when no one can approve, points IT to the configuration profile", async () => {
    const { runner, calls } = scripted([[(_c, a) => a[0] === "find-certificate", ok("")]]);
    await expect(new MacStore("system", { runner, interactive: false }).install(ca)).rejects.toMatchObject({ code: "CA_INSTALL_FAILED", message: PROFILE_ROUTE });
    expect(calls.some((c) => c.args[0] === "add-trusted-cert")).toBe(false);
    const denied = scripted([
      [(_c, a) => a[0] === "find-certificate", ok("")],
      [(_c, a) => a[0] === "add-trusted-cert", { code: 1, stdout: "", stderr: fixture("macos", "add-trusted-cert-no-ui.txt") }],
    ]);
    await expect(new MacStore("login", { runner: denied.runner }).install(ca)).rejects.toMatchObject({ message: expect.stringMatching(/configuration profile/) as unknown });
  });
});

describe("system tools by absolute path only (finding 9)", () => {
  it("names every tool by its absolute path on each OS", () => {
    expect(windowsTool("certutil.exe", { SystemRoot: "C:\\Windows" })).toBe("C:\\Windows\\System32\\certutil.exe");
    expect(windowsTool("powershell.exe", { SystemRoot: "D:\\WIN" })).toBe("D:\\WIN\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
    // A relative or network SystemRoot is not trusted.
    expect(windowsTool("reg.exe", { SystemRoot: "." })).toBe("C:\\Windows\\System32\\reg.exe");
    expect(windowsTool("whoami.exe", { SystemRoot: "\\\\evil\\share" })).toBe("C:\\Windows\\System32\\whoami.exe");
    expect(unixTool("update-ca-certificates", (p) => p === "/usr/sbin/update-ca-certificates")).toBe("/usr/sbin/update-ca-certificates");
    expect(unixTool("certutil", (p) => p === "/usr/bin/certutil")).toBe("/usr/bin/certutil");
    expect(unixTool("nothing-here", () => false)).toBe("/usr/bin/nothing-here");
  });

  it("Windows elevation is the token's integrity level, from whoami /groups (any language), not net session", async () => {
    const sample = (name: string) => fixture("windows", `whoami-groups-${name}.csv`);
    expect(["admin-elevated", "admin-elevated-de", "system", "admin-filtered", "standard-user"].map((n) => [n, elevatedByGroups(sample(n))])).toEqual([
      ["admin-elevated", true], ["admin-elevated-de", true], ["system", true], ["admin-filtered", false], ["standard-user", false],
    ]);
    // Only the SID column of a row counts: a name that mentions the SID does not.
    expect(elevatedByGroups('"S-1-16-12288","Alias","S-1-5-32-545",""\r\n')).toBe(false);
    expect(elevatedByGroups("VM\\root\r\n")).toBe(false); // Wine's whoami: the user name only
    const calls: Array<[string, readonly string[]]> = [];
    const answer = (stdout: string, code = 0): Runner => (cmd, args) => (calls.push([cmd, args]), Promise.resolve({ code, stdout, stderr: "" }));
    expect(await isElevated("win32", answer(sample("admin-elevated")))).toBe(true);
    expect(calls[0]).toEqual([windowsTool("whoami.exe"), ["/groups", "/fo", "csv", "/nh"]]);
    expect(await isElevated("win32", answer(sample("admin-elevated"), 1))).toBe(false);
    expect(await isElevated("win32", answer(sample("admin-filtered")))).toBe(false);
  });

  it("every backend runs tools by absolute path, never by bare name", async () => {
    const commands: string[] = [];
    const runner: Runner = (cmd) => {
      commands.push(cmd);
      return Promise.resolve({ code: 1, stdout: "", stderr: "" });
    };
    await new WindowsStore("user", { runner }).status(ca).catch(() => undefined);
    await new WindowsStore("machine", { runner }).install(ca).catch(() => undefined);
    await new MacStore("login", { runner }).status(ca).catch(() => undefined);
    await new NssStore(await tempDir("ro-nss-abs-"), { runner }).status(ca).catch(() => undefined);
    const dir = await tempDir("ro-linux-abs-");
    await new LinuxSystemStore({ family: { ...FAMILIES.debian, anchorsDir: dir, bundle: join(dir, "b.crt") }, runner, elevate: true }).install(ca).catch(() => undefined);
    await new LinuxSystemStore({ family: { ...FAMILIES.fedora, anchorsDir: dir, bundle: join(dir, "b.crt") }, runner }).install(ca).catch(() => undefined);
    await isElevated("win32", runner);
    const { detectOutlook } = await import("../../src/clients/outlook/windows.js");
    await detectOutlook(runner);
    const { readWindowsPolicy } = await import("../../src/policy/sources.js");
    await readWindowsPolicy(runner).catch(() => undefined);
    expect(commands.length).toBeGreaterThan(7);
    for (const cmd of commands) expect(posix.isAbsolute(cmd) || win32.isAbsolute(cmd), cmd).toBe(true);
    expect(commands).toEqual(expect.arrayContaining([
      windowsTool("powershell.exe"), windowsTool("whoami.exe"), windowsTool("reg.exe"), "/usr/bin/security", unixTool("certutil"), unixTool("pkexec"), unixTool("update-ca-trust"),
    ]));
  });
});

describe("Linux without root: pkexec", () => {
  it("one pkexec call runs a fixed script; the certificate travels in its arguments, never as a file the user could swap (finding 8)", () => {
    const target = "/usr/local/share/ca-certificates/x.crt";
    const argv = pkexecArgs("install", "/usr/sbin/update-ca-certificates", [], { file: target, pem: ca.pem, sha256: ca.sha256 });
    expect(argv.slice(0, 4)).toEqual(["/bin/sh", "-c", PRIVILEGED_INSTALL, "sh"]);
    expect(argv.slice(4)).toEqual([ca.pem, ca.sha256, target, "/usr/sbin/update-ca-certificates"]);
    expect(argv.join(" ")).not.toContain(tmpdir());
    expect(pkexecArgs("remove", "/usr/bin/update-ca-trust", ["extract"], { file: "/etc/pki/ca-trust/source/anchors/x.pem" })).toEqual([
      "/bin/sh", "-c", 'PATH=/usr/sbin:/usr/bin:/sbin:/bin; rm -f -- "$1" || exit 1; shift; exec "$@"', "sh", "/etc/pki/ca-trust/source/anchors/x.pem", "/usr/bin/update-ca-trust", "extract",
    ]);
    expect(pkexecArgs("refresh", "/usr/bin/update-ca-trust", ["extract"])).toEqual(["/usr/bin/update-ca-trust", "extract"]);
  });

  it("the privileged script installs only the pinned CA, and replaces a planted link instead of following it", async () => {
    const { execFileSync, spawnSync } = await import("node:child_process");
    const { lstat, readdir, symlink, writeFile: write, readFile: read } = await import("node:fs/promises");
    const runScript = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
    const dir = await tempDir("ro-anchors-");
    const target = join(dir, "org.crt");
    const leftovers = async () => (await readdir(dir)).filter((f) => f.startsWith(".relay-onboard"));
    // Wrong pin, and a leaf with its own fingerprint pinned: refused, nothing written.
    const wrong = runScript(pkexecArgs("install", "/bin/true", [], { file: target, pem: ca.pem, sha256: "0".repeat(64) }));
    expect([wrong.status, wrong.stderr.trim()]).toEqual([3, "the certificate is not the pinned one"]);
    const leaf = await issueServerCert(await testCa(), ["relay.internal.test"]);
    const leafRun = runScript(pkexecArgs("install", "/bin/true", [], { file: target, pem: leaf.certPem, sha256: sha256Hex(singleCertificateDer(leaf.certPem)) }));
    expect([leafRun.status, leafRun.stderr.trim()]).toEqual([3, "not a CA certificate"]);
    expect(await readdir(dir)).toEqual([]);
    // A link planted where the anchor goes: replaced, its target untouched.
    const victim = join(await tempDir("ro-victim-"), "shadow");
    await write(victim, "secret\n");
    await symlink(victim, target);
    const ok = runScript(pkexecArgs("install", "/bin/echo", ["refreshed"], { file: target, pem: ca.pem, sha256: ca.sha256 }));
    expect([ok.status, ok.stdout]).toEqual([0, "refreshed\n"]);
    expect((await lstat(target)).isFile()).toBe(true);
    expect(await read(target, "utf8")).toBe(ca.pem);
    expect(await read(victim, "utf8")).toBe("secret\n");
    expect(await leftovers()).toEqual([]);
    // Exactly one certificate: a second one behind the pinned root is refused, not installed with it.
    const other = (await testCa()).certPem;
    const two = runScript(pkexecArgs("install", "/bin/true", [], { file: join(dir, "two.crt"), pem: `${ca.pem}${other}`, sha256: ca.sha256 }));
    expect([two.status, two.stderr.trim()]).toEqual([3, "exactly one certificate is expected"]);
    // What reaches the store is openssl's re-encoding of the certificate alone, never the text around it.
    const noisy = runScript(pkexecArgs("install", "/bin/true", [], { file: join(dir, "noisy.crt"), pem: `Bag Attributes: friendlyName=x\n${ca.pem}trailing words\n`, sha256: ca.sha256 }));
    expect(noisy.status, noisy.stderr).toBe(0);
    expect(await read(join(dir, "noisy.crt"), "utf8")).toBe(ca.pem);
    expect((await lstat(join(dir, "noisy.crt"))).mode & 0o777).toBe(0o644);
    const garbage = runScript(pkexecArgs("install", "/bin/true", [], { file: join(dir, "bad.crt"), pem: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", sha256: ca.sha256 }));
    expect([garbage.status, garbage.stderr.trim()]).toEqual([3, "not a certificate"]);
    expect((await readdir(dir)).sort()).toEqual(["noisy.crt", "org.crt"]);
    expect(execFileSync("/bin/sh", ["-c", "command -v openssl"], { encoding: "utf8" })).toMatch(/openssl/);
  });

  it("a declined or unavailable pkexec prompt is CA_INSTALL_FAILED saying so, and nothing is written", async () => {
    const dir = await tempDir("ro-pkexec-");
    for (const code of [126, 127]) {
      const { runner, calls } = scripted([[(c) => c === unixTool("pkexec"), { code, stdout: "", stderr: "Error executing command as another user: Request dismissed" }]]);
      const store = new LinuxSystemStore({ family: { ...FAMILIES.debian, anchorsDir: dir, bundle: join(dir, "bundle.crt") }, runner, elevate: true });
      await expect(store.install(ca)).rejects.toMatchObject({ code: "CA_INSTALL_FAILED", message: expect.stringMatching(/declined or is not available/) as unknown });
      expect(calls[0]!.cmd).toBe(unixTool("pkexec"));
    }
  });
});

describe("finding a retired root by its SHA-256 (rotation)", () => {
  let other: AcceptedCa;
  beforeAll(async () => {
    const { createRootCa } = await import("../helpers/org.js");
    const root = await createRootCa("Some Other Root");
    other = acceptCa(root.certPem, sha256Hex(singleCertificateDer(root.certPem)), "Other");
  });

  const windowsListing = (name: string) =>
    fixture("windows", "root-store-list.txt")
      .replace("{{OTHER_THUMBPRINT}}", other.sha1.toUpperCase()).replace("{{OTHER_DER}}", other.der.toString("base64"))
      .replace("{{THUMBPRINT}}", ca.sha1.toUpperCase()).replace("{{DER}}", ca.der.toString("base64")).replace("{{NAME}}", Buffer.from(name, "utf8").toString("base64"));

  it("Windows: lists the store once, matches the DER's SHA-256 and the tool's friendly name, and deletes by that certificate's thumbprint", async () => {
    const listing = windowsListing(windowsFriendlyName(ca.sha256));
    let present = true;
    const { runner, calls } = scripted([
      [(c, a) => c === windowsTool("powershell.exe") && a[3]!.includes("RawData"), () => ok(present ? listing : "")],
      [(c) => c === windowsTool("powershell.exe"), () => ok(present ? ca.sha1.toUpperCase() : "")],
      [(c, a) => c === windowsTool("certutil.exe") && a.includes("-delstore"), () => ((present = false), ok(fixture("windows", "certutil-delstore-ok.txt")))],
    ]);
    const store = new WindowsStore("machine", { runner });
    const found = await store.find(ca.sha256, "Org");
    expect(found).toMatchObject({ sha256: ca.sha256, sha1: ca.sha1, organization: "Org" });
    expect(calls[0]!.args).toEqual([
      "-NoProfile", "-NonInteractive", "-Command",
      "Get-ChildItem -LiteralPath 'Cert:\\LocalMachine\\Root' | ForEach-Object { $_.Thumbprint + ' ' + [Convert]::ToBase64String($_.RawData) + ' ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes([string]$_.FriendlyName)) }",
    ]);
    await store.remove(found!);
    expect(calls.find((c) => c.cmd === windowsTool("certutil.exe"))!.args).toEqual(["-delstore", "Root", ca.sha1.toUpperCase()]);
    expect(await store.find(ca.sha256, "Org")).toBeUndefined();
    expect(await new WindowsStore("user", { runner: scripted([[() => true, ok(listing)]]).runner }).find("ab".repeat(32), "Org")).toBeUndefined();
    await expect(new WindowsStore("user", { runner: scripted([[() => true, { code: 1, stdout: "", stderr: "Access is denied." }]]).runner }).find(ca.sha256, "Org")).rejects.toMatchObject({ code: "CA_INSTALL_FAILED", message: expect.stringMatching(/Access is denied/) as unknown });
  });

  it("Windows: an equal certificate with another friendly name is someone else's — not found, never deleted, but named as trusted; the record's thumbprint makes it ours", async () => {
    const listing = windowsListing("Corp Root (installed by IT)");
    const { runner, calls } = scripted([[(c, a) => c === windowsTool("powershell.exe") && a[3]!.includes("RawData"), ok(listing)]]);
    const store = new WindowsStore("user", { runner });
    expect(await store.find(ca.sha256, "Org")).toBeUndefined();
    expect(await store.trustedCopies(ca.sha256)).toEqual([`Cert:\\CurrentUser\\Root (thumbprint ${ca.sha1.toUpperCase()}, "Corp Root (installed by IT)")`]);
    expect(await store.trustedCopies(other.sha256)).toEqual([`Cert:\\CurrentUser\\Root (thumbprint ${other.sha1.toUpperCase()})`]);
    expect((await store.find(ca.sha256, "Org", ca.sha1))?.sha256).toBe(ca.sha256);
    expect(calls.some((c) => c.cmd === windowsTool("certutil.exe"))).toBe(false);
  });

  it("Windows: install sets the tool's friendly name on the thumbprint it added, and reports a failure to set it without failing the install", async () => {
    let present = false;
    for (const [answer, message] of [[ok(`${windowsFriendlyName(ca.sha256)}\r\n`), undefined], [{ code: 1, stdout: "", stderr: "Access is denied." }, /friendly name .* could not be set: Access is denied/]] as const) {
      present = false;
      const { runner, calls } = scripted([
        [(c, a) => c === windowsTool("powershell.exe") && a[3]!.includes("FriendlyName ="), answer],
        [(c) => c === windowsTool("powershell.exe"), () => ok(present ? ca.sha1.toUpperCase() : "")],
        [(c, a) => c === windowsTool("certutil.exe") && a.includes("-addstore"), () => ((present = true), ok(fixture("windows", "certutil-addstore-ok.txt")))],
      ]);
      const r = await new WindowsStore("user", { runner }).install(ca);
      expect(r).toMatchObject({ installed: true, changed: true, handle: ca.sha1.toUpperCase() });
      if (message) expect(r.message).toMatch(message);
      else expect(r.message).toBeUndefined();
      expect(calls.find((c) => c.args[3]?.includes("FriendlyName ="))!.args[3]).toBe(
        `$c = Get-Item -LiteralPath 'Cert:\\CurrentUser\\Root\\${ca.sha1.toUpperCase()}'; $c.FriendlyName = '${windowsFriendlyName(ca.sha256)}'; $c.FriendlyName`,
      );
    }
    expect(windowsFriendlyName(ca.sha256)).toMatch(/^Relay Onboard root [0-9a-f]{16}$/);
  });

  it("macOS: ours only by the install record — the keychain, the SHA-256 and the label it recorded; then deleted by SHA-1", async () => {
    const listing = fixture("macos", "find-certificate-pem.txt").replace("{{OTHER_PEM}}", other.pem).replace("{{SHA256}}", ca.sha256.toUpperCase()).replace("{{SHA1}}", ca.sha1.toUpperCase()).replace("{{PEM}}", ca.pem);
    const attributes = fixture("macos", "find-certificate-present.txt").replaceAll("{{SHA256}}", ca.sha256.toUpperCase()).replaceAll("{{SHA1}}", ca.sha1.toUpperCase()).replaceAll("{{SUBJECT}}", "Relay Onboard Test Root CA");
    const { runner, calls } = scripted([
      [(_c, a) => a.includes("-p"), ok(listing)],
      [(_c, a) => a[0] === "find-certificate", () => ok(calls.some((c) => c.args[0] === "delete-certificate") ? "" : attributes)],
      [(_c, a) => a[0] === "delete-certificate", ok()],
    ]);
    const store = new MacStore("login", { runner, keychain: "/Users/alice/Library/Keychains/login.keychain-db" });
    // No record, or a record with another label: someone else's (an administrator's equal root).
    expect(await store.find(ca.sha256, "Org")).toBeUndefined();
    expect(await store.find(ca.sha256, "Org", "Corp Root")).toBeUndefined();
    expect(await store.trustedCopies(ca.sha256)).toEqual(['/Users/alice/Library/Keychains/login.keychain-db ("Relay Onboard Test Root CA")']);
    const found = await store.find(ca.sha256, "Org", "Relay Onboard Test Root CA");
    expect(found?.sha1).toBe(ca.sha1);
    expect(calls.find((c) => c.args.includes("-p"))!.args).toEqual(["find-certificate", "-a", "-Z", "-p", "/Users/alice/Library/Keychains/login.keychain-db"]);
    expect(await store.find(other.sha256.replace(/^./, (d) => (d === "0" ? "1" : "0")), "Org", "x")).toBeUndefined();
    await store.remove(found!);
    expect(calls.find((c) => c.args[0] === "delete-certificate")!.args).toEqual(["delete-certificate", "-t", "-Z", ca.sha1.toUpperCase(), "/Users/alice/Library/Keychains/login.keychain-db"]);
    expect(keychainEntries(attributes).map((e) => e.label)).toEqual(["Some Other Root", "Relay Onboard Test Root CA"]);
  });

  it("Linux: only the tool's own anchor file counts — an administrator's equal file and one in a subfolder are trusted copies, never ours", async () => {
    const dir = await tempDir("ro-find-");
    const { mkdir, writeFile } = await import("node:fs/promises");
    const family = { ...FAMILIES.debian, anchorsDir: dir, bundle: join(dir, "bundle.crt") };
    await writeFile(join(dir, "corp-root.crt"), ca.pem);
    await mkdir(join(dir, "corp"));
    await writeFile(join(dir, "corp", "again.crt"), ca.pem);
    await writeFile(join(dir, "unrelated.txt"), "not a certificate");
    const store = new LinuxSystemStore({ family, runner: scripted([]).runner });
    expect(await store.find(ca.sha256, "Org")).toBeUndefined();
    expect(await store.trustedCopies(ca.sha256)).toEqual([join(dir, "corp-root.crt"), join(dir, "corp", "again.crt")]);
    // The record may name a file directly in the anchors folder, never one elsewhere.
    expect((await store.find(ca.sha256, "Org", join(dir, "corp-root.crt")))?.sha256).toBe(ca.sha256);
    expect(await store.find(ca.sha256, "Org", join(dir, "corp", "again.crt"))).toBeUndefined();
    await writeFile(join(dir, anchorName(ca.sha256, family)), ca.pem);
    expect((await store.find(ca.sha256, "Org"))?.sha256).toBe(ca.sha256);
    expect(await store.find(other.sha256, "Org")).toBeUndefined();
    // Only the bundle holds it (the distribution's list): the bundle is where it is trusted.
    await writeFile(family.bundle, other.pem);
    expect(await store.trustedCopies(other.sha256)).toEqual([family.bundle]);
  });
});

describe("applyRoots: install before retire, and only what is found is removed", () => {
  it("calls the store in a safe order and reports what changed", async () => {
    const { applyRoots, describeRoots } = await import("../../src/truststore/rotation.js");
    const held = new Set<string>(["old"]);
    const log: string[] = [];
    const store = {
      store: "fake", location: "/fake",
      status: (c: AcceptedCa) => Promise.resolve({ store: "fake", location: "/fake", installed: held.has(c.sha256), changed: false }),
      install: (c: AcceptedCa) => { log.push(`install ${c.sha256}`); const changed = !held.has(c.sha256); held.add(c.sha256); return Promise.resolve({ store: "fake", location: "/fake", installed: true, changed }); },
      remove: (c: AcceptedCa) => { log.push(`remove ${c.sha256}`); held.delete(c.sha256); return Promise.resolve({ store: "fake", location: "/fake", installed: false, changed: true }); },
      find: (sha: string) => Promise.resolve(held.has(sha) ? ({ ...ca, sha256: sha }) : undefined),
      trustedCopies: (sha: string) => Promise.resolve(held.has(sha) ? ["/fake"] : []),
    };
    const next = { ...ca, sha256: "next" };
    const first = await applyRoots(store, { install: [next], retire: ["old", "never-there"], organization: "Org" });
    expect(log).toEqual(["install next", "remove old"]);
    expect(first).toMatchObject({ installed: ["next"], removed: ["old"], changed: true });
    expect(describeRoots(first)).toBe("fake: installed, retired root old… removed");
    const second = await applyRoots(store, { install: [next], retire: ["old"], organization: "Org" });
    expect(second).toMatchObject({ installed: [], present: ["next"], removed: [], changed: false });
    expect(describeRoots(second)).toBe("fake: already there");
  });
});
