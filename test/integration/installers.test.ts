// The command line as the installers ship it. The Linux x64 executable is built here with the real
// build script (Node SEA + postject), installed into a sandbox the way the .deb/.rpm does it — our
// after-install script, rendered as electron-builder renders it, run in a private mount namespace
// where /opt is a scratch folder and /usr/bin an overlay — and then used from the PATH as IT's
// scripts use it: --version, config verify, check against the demo relay, status → onboard --yes →
// status in a sandbox home. The electron-builder hooks are run on packed-app layouts: the fuse
// read-back (@electron/fuses on a binary carrying Electron's fuse wire), the native module and CLI
// checks, the MSI PATH entry on electron-builder's own WiX template. Windows and macOS installers
// cannot run here; what of them is exercised is said in each test.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chmod, chown, copyFile, lstat, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { DOMParser } from "@xmldom/xmldom";
import type * as Fuses from "@electron/fuses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startDemoEnvironment, type DemoEnvironment } from "../../src/demo/environment.js";
import { tempDir } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";

const require = createRequire(import.meta.url);
const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const builderConfig = parse(readFileSync(join(ROOT, "electron-builder.yml"), "utf8")) as Record<string, any>;
const { verifyPackage } = require("../../scripts/installer/after-pack.cjs") as { verifyPackage: (o: Record<string, unknown>) => Promise<string[]> };
const { addCliToPath } = require("../../scripts/installer/msi-cli-path.cjs") as { addCliToPath: (wxs: string) => string };
const { ensurePackage } = require("../../scripts/installer/before-pack.cjs") as { ensurePackage: (name: string, version: string, into: string) => boolean };
const fuses = require("@electron/fuses") as typeof Fuses;

const PRODUCT = "Relay Onboard";
const isRoot = process.getuid?.() === 0;
const canSandbox = isRoot && spawnSync("unshare", ["-m", "true"]).status === 0;

/** Renders an installer script as electron-builder does (FpmTarget's writeConfigFile): every ${name} must be a known macro. */
function render(template: string, macros: Record<string, string>): string {
  return template.replace(/\$\{([a-zA-Z]+)\}/g, (_m, name: string) => {
    if (!(name in macros)) throw new Error(`Macro ${name} is not defined`);
    return macros[name]!;
  });
}

let work: string;
let sea: string;

beforeAll(async () => {
  work = await tempDir("ro-installers-");
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-cli-sea.mjs"), "--os", "linux", "--arch", "x64", "--out", join(work, "sea")], { stdio: "ignore" });
  sea = join(work, "sea", "relay-onboard");
}, 120_000);

describe("the Linux x64 command-line executable", () => {
  it("is one self-contained executable: runs with no Node on the PATH and no files beside it", async () => {
    const lonely = await tempDir("ro-sea-alone-");
    await copyFile(sea, join(lonely, "relay-onboard"));
    execFileSync("chmod", ["755", join(lonely, "relay-onboard")]);
    const r = spawnSync(join(lonely, "relay-onboard"), ["--version"], { encoding: "utf8", env: { PATH: "/nonexistent" }, cwd: "/" });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${VERSION}\n`, ""]);
    const usage = spawnSync(join(lonely, "relay-onboard"), ["frobnicate"], { encoding: "utf8", env: { PATH: "/nonexistent" } });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/unknown command/);
    expect(readFileSync(sea).includes("NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1")).toBe(true);
  });
});

describe.skipIf(!canSandbox)("installed like the .deb/.rpm, in a sandbox (private mount namespace; needs root)", () => {
  let env: DemoEnvironment;
  let sandbox: string;
  let home: string;

  /** Runs a command where /opt is the sandbox's and /usr/bin and /usr/local/bin are overlays (writes land in the sandbox). */
  async function inSandbox(cmd: string[], vars: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
    const setup = [
      'mount --bind "$S/opt" /opt',
      'mount -t overlay overlay -o lowerdir=/usr/bin,upperdir="$S/bin-upper",workdir="$S/bin-work" /usr/bin',
      'mount -t overlay overlay -o lowerdir=/usr/local/bin,upperdir="$S/lbin-upper",workdir="$S/lbin-work" /usr/local/bin',
      // An elevated run logs to /var/log/relay-onboard: that too stays in the sandbox.
      'mount --bind "$S/var-log" /var/log',
      'exec "$@"',
    ].join(" && ");
    return exec("unshare", ["-m", "/bin/sh", "-c", setup, "sh", ...cmd], { env: { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: home, S: sandbox, ...testClockEnv(), ...vars } }).then(
      (ok) => ({ status: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
    );
  }

  beforeAll(async () => {
    env = await startDemoEnvironment(await tempDir("ro-installers-org-"), new Date());
    sandbox = await tempDir("ro-installers-sandbox-");
    for (const d of ["opt", "bin-upper", "bin-work", "lbin-upper", "lbin-work", "var-log"]) await mkdir(join(sandbox, d));
    // The package's files: the app folder as electron-builder lays it out, with the CLI in resources/cli.
    const app = join(sandbox, "opt", PRODUCT);
    await mkdir(join(app, "resources", "cli"), { recursive: true });
    await copyFile(sea, join(app, "resources", "cli", "relay-onboard"));
    execFileSync("chmod", ["755", join(app, "resources", "cli", "relay-onboard")]);
    await writeFile(join(app, builderConfig["linux"].executableName), "#!/bin/sh\necho 'the desktop app (not built here: no Electron binary)'\n", { mode: 0o755 });
    const macros = { executable: builderConfig["linux"].executableName as string, sanitizedProductName: PRODUCT };
    for (const script of ["after-install", "after-remove"]) {
      await writeFile(join(sandbox, `${script}.sh`), render(await readFile(join(ROOT, builderConfig["deb"][script === "after-install" ? "afterInstall" : "afterRemove"]), "utf8"), macros), { mode: 0o755 });
    }
    home = await tempDir("ro-installers-home-");
    await mkdir(join(home, ".thunderbird", "sb.default-release"), { recursive: true });
    await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=sb.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
  }, 60_000);
  afterAll(async () => env?.stop());

  it("the after-install script puts relay-onboard on the PATH, and IT's commands work from there", async () => {
    expect((await inSandbox(["sh", join(sandbox, "after-install.sh"), "configure"])).status).toBe(0);
    // Nothing leaked out of the sandbox onto this machine.
    expect(existsSync("/usr/bin/relay-onboard")).toBe(false);
    const where = await inSandbox(["sh", "-c", "command -v relay-onboard; readlink /usr/bin/relay-onboard; readlink /usr/bin/relay-onboard-app"]);
    expect(where.stdout).toBe(`/usr/bin/relay-onboard\n/opt/${PRODUCT}/resources/cli/relay-onboard\n/opt/${PRODUCT}/relay-onboard-app\n`);

    const version = await inSandbox(["relay-onboard", "--version"]);
    expect([version.status, version.stdout]).toEqual([0, `${VERSION}\n`]);

    const state = join(home, "state");
    const target = ["--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--state-dir", state];
    const verify = await inSandbox(["relay-onboard", "config", "verify", ...target]);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^Configuration verified: Relay Onboard Demo Org/);

    const check = await inSandbox(["relay-onboard", "check", ...target, "--user", env.user.email, "--password-env", "PW", "--ports", "none", "--json"], { PW: env.user.password });
    expect(check.status, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ verdict: "pass", code: "OK", tool: { name: "relay-onboard", version: VERSION } });
    const wrong = await inSandbox(["relay-onboard", "check", ...target, "--user", env.user.email, "--password-env", "PW", "--ports", "none", "--json"], { PW: "wrong" });
    expect([wrong.status, (JSON.parse(wrong.stdout) as { code: string }).code]).toEqual([1, "AUTH_FAILED"]);

    const who = ["--email", env.user.email, "--clients", "thunderbird", "--ca-store", "nss"];
    const before = await inSandbox(["relay-onboard", "status", ...target, ...who, "--json"]);
    expect([before.status, (JSON.parse(before.stdout) as { code: string }).code]).toEqual([1, "NOT_ONBOARDED"]);
    const onboard = await inSandbox(["relay-onboard", "onboard", ...target, ...who, "--name", "Demo User", "--password-env", "PW", "--yes", "--json", "--log-dir", join(home, "logs")], { PW: env.user.password });
    expect(onboard.status, onboard.stdout + onboard.stderr).toBe(0);
    expect((JSON.parse(onboard.stdout) as { steps: Array<{ id: string; status: string }> }).steps.map((s) => [s.id, s.status])).toEqual([["config", "unchanged"], ["ca", "skipped"], ["test", "done"], ["client:thunderbird", "done"], ["record", "done"]]);
    const after = await inSandbox(["relay-onboard", "status", ...target, ...who, "--json"]);
    expect([after.status, (JSON.parse(after.stdout) as { compliant: boolean }).compliant]).toEqual([0, true]);
  }, 120_000);

  it("docs/samples/linux-compliance.sh onboards a fresh user with the installed command and ends compliant", async () => {
    const fresh = await tempDir("ro-installers-fresh-");
    await mkdir(join(fresh, ".thunderbird", "f.default-release"), { recursive: true });
    await writeFile(join(fresh, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=f.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
    expect((await inSandbox(["sh", join(sandbox, "after-install.sh"), "configure"])).status).toBe(0);
    const args = `--config ${env.org.files.config} --trust ${env.org.files.trustedKeys} --state-dir ${join(fresh, "state")} --clients thunderbird --ca-store nss`;
    const r = await inSandbox(["sh", join(ROOT, "docs", "samples", "linux-compliance.sh"), env.user.email], { HOME: fresh, RELAY_ONBOARD_ARGS: args });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/is not onboarded yet: onboarding[\s\S]*profile default-release: .* sends through 127\.0\.0\.1/);
  }, 60_000);

  it("as root for another user's profile, the executable re-runs itself as that user (no script beside it)", async () => {
    const OWNER = 65534;
    const base = await tempDir("ro-installers-owner-");
    await chmod(base, 0o755);
    const profile = join(base, "x.default");
    await mkdir(profile);
    await writeFile(join(profile, "prefs.js"), 'user_pref("mail.root.none", "/home/someone/Mail");\n', { mode: 0o600 });
    for (const p of [profile, join(profile, "prefs.js")]) await chown(p, OWNER, OWNER);
    const r = await inSandbox(["relay-onboard", "configure", "thunderbird", "--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--state-dir", join(home, "state"), "--email", env.user.email, "--profile", profile, "--json"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changed: true, ca: { installed: true } });
    for (const name of await readdir(profile)) expect((await lstat(join(profile, name))).uid, name).toBe(OWNER);
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toContain(`user_pref("mail.identity.id1.useremail", "${env.user.email}");`);
  }, 60_000);

  it("the after-remove script keeps the links on an upgrade and removes exactly ours on removal", async () => {
    await inSandbox(["sh", join(sandbox, "after-install.sh"), "configure"]);
    expect((await inSandbox(["sh", join(sandbox, "after-remove.sh"), "upgrade"])).status).toBe(0);
    expect((await inSandbox(["sh", "-c", "command -v relay-onboard"])).stdout).toBe("/usr/bin/relay-onboard\n");
    expect((await inSandbox(["sh", join(sandbox, "after-remove.sh"), "1"])).status).toBe(0);
    expect((await inSandbox(["sh", "-c", "command -v relay-onboard"])).stdout).toBe("/usr/bin/relay-onboard\n");
    // Someone else's relay-onboard-app link is not ours to remove.
    await inSandbox(["ln", "-sf", "/usr/bin/true", "/usr/bin/relay-onboard-app"]);
    expect((await inSandbox(["sh", join(sandbox, "after-remove.sh"), "remove"])).status).toBe(0);
    const left = await inSandbox(["sh", "-c", "ls /usr/bin/relay-onboard 2>&1; readlink /usr/bin/relay-onboard-app"]);
    expect(left.stdout).toMatch(/No such file or directory\n\/usr\/bin\/true\n$/);
  }, 60_000);

  it("the macOS .pkg postinstall links /usr/local/bin/relay-onboard into the app (run here with a Linux CLI in the Mac layout)", async () => {
    const applications = join(sandbox, "opt", "Applications");
    const resources = join(applications, `${PRODUCT}.app`, "Contents", "Resources", "cli");
    await mkdir(resources, { recursive: true });
    await copyFile(sea, join(resources, "relay-onboard"));
    execFileSync("chmod", ["755", join(resources, "relay-onboard")]);
    const postinstall = join(ROOT, "assets", "build", builderConfig["pkg"].scripts, "postinstall");
    expect((await inSandbox(["sh", postinstall, "/tmp/Relay Onboard.pkg", "/opt/Applications", "/"])).status).toBe(0);
    const r = await inSandbox(["sh", "-c", "command -v relay-onboard; relay-onboard --version"], { PATH: "/usr/local/bin:/bin" });
    expect(r.stdout).toBe(`/usr/local/bin/relay-onboard\n${VERSION}\n`);
  });
});

describe("afterPack: the packed app is checked before any installer is made", () => {
  const keyringNode = () => {
    const dir = join(ROOT, "node_modules", "@napi-rs", "keyring-linux-x64-gnu");
    return join(dir, readdirSync(dir).find((f) => f.endsWith(".node"))!);
  };

  async function packedLinuxApp(options: { electron?: boolean; native?: boolean; cli?: string } = {}): Promise<string> {
    const out = await tempDir("ro-packed-");
    const resources = join(out, "resources");
    await mkdir(join(resources, "cli"), { recursive: true });
    await copyFile(options.cli ?? sea, join(resources, "cli", "relay-onboard"));
    if (options.native !== false) {
      const dest = join(resources, "app.asar.unpacked", "node_modules", "@napi-rs", "keyring-linux-x64-gnu");
      await mkdir(dest, { recursive: true });
      await copyFile(keyringNode(), join(dest, "keyring.linux-x64-gnu.node"));
    }
    if (options.electron) {
      // Electron's fuse wire as the binary carries it: sentinel, version 1, length, one state byte per fuse (all "0"/"1" defaults: enabled).
      const wire = Buffer.concat([Buffer.from("\x7fELF…electron…"), Buffer.from("dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX") /* @electron/fuses constants.SENTINEL */, Buffer.from([1, 8]), Buffer.from("11111111"), Buffer.from("…rest of the binary")]);
      await writeFile(join(out, "relay-onboard-app"), wire);
    }
    return out;
  }
  const check = (appOutDir: string, extra: Record<string, unknown> = {}) =>
    verifyPackage({ appOutDir, os: "linux", arch: "x64", productFilename: PRODUCT, executableName: "relay-onboard-app", fuses: builderConfig["electronFuses"], log: () => undefined, ...extra });

  it("without an Electron binary: the fuse read-back is skipped and says so; native module and CLI are checked", async () => {
    const done = await check(await packedLinuxApp());
    expect(done[0]).toMatch(/^fuses: SKIPPED — no Electron binary at .*relay-onboard-app/);
    expect(done.slice(1)).toEqual([expect.stringMatching(/^native module: @napi-rs\/keyring-linux-x64-gnu\/keyring\.linux-x64-gnu\.node$/), expect.stringMatching(/^command line: .*resources\/cli\/relay-onboard$/)]);
  });

  it("reads the fuses back with @electron/fuses: flipped as configured passes, one left enabled fails naming it", async () => {
    const app = await packedLinuxApp({ electron: true });
    const binary = join(app, "relay-onboard-app");
    await expect(check(app)).rejects.toThrow(/fuse RunAsNode is enabled .* asks for disabled/);
    const config = builderConfig["electronFuses"] as Record<string, boolean>;
    const flip = Object.fromEntries(Object.entries(config).map(([k, v]) => [fuses.FuseV1Options[(k[0]!.toUpperCase() + k.slice(1)) as keyof typeof fuses.FuseV1Options], v]));
    await fuses.flipFuses(binary, { version: fuses.FuseVersion.V1, ...flip });
    expect(await check(app)).toContainEqual(expect.stringMatching(/^fuses: 7 read back from /));
    await fuses.flipFuses(binary, { version: fuses.FuseVersion.V1, [fuses.FuseV1Options.EnableNodeOptionsEnvironmentVariable]: true });
    await expect(check(app)).rejects.toThrow(/fuse EnableNodeOptionsEnvironmentVariable is enabled/);
  });

  it("fails for a missing native module, a plain Node binary as the CLI, and a CLI for another OS", async () => {
    await expect(check(await packedLinuxApp({ native: false }))).rejects.toThrow(/keychain's native module for linux-x64 \(@napi-rs\/keyring-linux-x64-gnu\) is not in/);
    await expect(check(await packedLinuxApp({ cli: process.execPath }))).rejects.toThrow(/is a plain Node binary: the CLI was not injected/);
    // The same Linux executable, checked as the Windows installer's: wrong format, and no Windows native module.
    const asWindows = await packedLinuxApp();
    await expect(check(asWindows, { os: "win", productFilename: PRODUCT })).rejects.toThrow(/keyring-win32-x64-msvc[\s\S]*cli[\\/]relay-onboard\.exe/);
  });
});

describe("beforePack: the keychain's native package for another platform comes from the registry", () => {
  it("fetches @napi-rs/keyring-win32-x64-msvc of the installed version: a Windows DLL (PE) .node file", async () => {
    const into = await tempDir("ro-beforepack-");
    const version = (JSON.parse(readFileSync(join(ROOT, "node_modules", "@napi-rs", "keyring", "package.json"), "utf8")) as { version: string }).version;
    expect(ensurePackage("@napi-rs/keyring-win32-x64-msvc", version, into)).toBe(true);
    const dir = join(into, "node_modules", "@napi-rs", "keyring-win32-x64-msvc");
    const node = (await readdir(dir)).find((f) => f.endsWith(".node"))!;
    expect(readFileSync(join(dir, node)).subarray(0, 2).toString("latin1")).toBe("MZ");
    expect(ensurePackage("@napi-rs/keyring-win32-x64-msvc", version, into)).toBe(false);
    await rm(into, { recursive: true, force: true });
  }, 60_000);
});

describe("the Windows x64 command line, cross-built here (not run: no Windows)", () => {
  it("is a PE executable with the CLI injected, and passes afterPack's checks in a Windows app layout", async () => {
    const out = join(work, "sea-win");
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-cli-sea.mjs"), "--os", "win", "--arch", "x64", "--out", out], { stdio: "ignore" });
    const exe = readFileSync(join(out, "relay-onboard.exe"));
    expect(exe.subarray(0, 2).toString("latin1")).toBe("MZ");
    expect(exe.includes("NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1")).toBe(true);
    // The embedded script is our command line (the blob holds its source when built for another OS).
    expect(exe.includes("Set up mail clients to send through your organisation's secure relay.")).toBe(true);
    expect(exe.includes(JSON.stringify(VERSION))).toBe(true);

    const app = await tempDir("ro-packed-win-");
    await mkdir(join(app, "resources", "cli"), { recursive: true });
    await copyFile(join(out, "relay-onboard.exe"), join(app, "resources", "cli", "relay-onboard.exe"));
    const version = (JSON.parse(readFileSync(join(ROOT, "node_modules", "@napi-rs", "keyring", "package.json"), "utf8")) as { version: string }).version;
    const modules = await tempDir("ro-win-modules-");
    ensurePackage("@napi-rs/keyring-win32-x64-msvc", version, modules);
    await mkdir(join(app, "resources", "app.asar.unpacked", "node_modules", "@napi-rs"), { recursive: true });
    execFileSync("cp", ["-r", join(modules, "node_modules", "@napi-rs", "keyring-win32-x64-msvc"), join(app, "resources", "app.asar.unpacked", "node_modules", "@napi-rs", "keyring-win32-x64-msvc")]);
    const done = await verifyPackage({ appOutDir: app, os: "win", arch: "x64", productFilename: PRODUCT, executableName: "relay-onboard-app", fuses: builderConfig["electronFuses"], log: () => undefined });
    expect(done).toEqual([
      expect.stringMatching(/^fuses: SKIPPED — no Electron binary at .*Relay Onboard\.exe \(nothing to read back on this build machine\)$/),
      "native module: @napi-rs/keyring-win32-x64-msvc/keyring.win32-x64-msvc.node",
      expect.stringMatching(/^command line: .*relay-onboard\.exe$/),
    ]);
  }, 120_000);
});

describe("Windows installers (not run here: the configuration and the generated MSI project are checked)", () => {
  it("the MSI project gets a PATH entry for resources\\cli inside the product's components (electron-builder's WiX template)", () => {
    const template = readFileSync(require.resolve("app-builder-lib/templates/msi/template.xml"), "utf8")
      .replace(/\{\{-?[^}]*\}\}/g, "")
      .replace(/\$\{[a-zA-Z]+\}/g, "X");
    const wxs = addCliToPath(template.replace("</ComponentGroup>", '<Component Id="mainExecutable"><File Source="X"/></Component></ComponentGroup>'));
    expect(addCliToPath(wxs)).toBe(wxs);
    const doc = new DOMParser().parseFromString(wxs, "text/xml");
    const env = doc.getElementsByTagName("Environment")[0]!;
    expect(env.getAttribute("Name")).toBe("PATH");
    expect(env.getAttribute("Value")).toBe("[APPLICATIONFOLDER]resources\\cli");
    expect([env.getAttribute("System"), env.getAttribute("Part"), env.getAttribute("Permanent")]).toEqual(["yes", "last", "no"]);
    const component = env.parentNode as unknown as { getAttribute(n: string): string; parentNode: { getAttribute(n: string): string } };
    expect(component.parentNode.getAttribute("Id")).toBe("ProductComponents");
    expect(component.getAttribute("Guid")).toMatch(/^\{[0-9A-F-]{36}\}$/);
    expect(() => addCliToPath("<Wix/>")).toThrow(/template changed/);
  });

  it("the NSIS include adds and removes the folder through an environment variable, never inside the command text", () => {
    expect(builderConfig["nsis"].include).toBe("assets/build/installer.nsh");
    const nsh = readFileSync(join(ROOT, builderConfig["nsis"].include), "utf8");
    expect(nsh).toMatch(/!macro customInstall\s+!insertmacro relayOnboardPath add\s+!macroend/);
    expect(nsh).toMatch(/!macro customUnInstall\s+!insertmacro relayOnboardPath remove\s+!macroend/);
    const command = /-Command "([^"]*)"/.exec(nsh)![1]!;
    expect(command).not.toContain("$INSTDIR");
    expect(command).toContain("$$env:RELAY_ONBOARD_CLI_DIR");
    expect(nsh).toContain('t "$INSTDIR\\resources\\cli"');
  });
});
