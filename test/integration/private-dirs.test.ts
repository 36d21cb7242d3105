// Finding 1: an elevated run's log and state go only where no other account can redirect them.
// Reproduced on Linux for real (as root, with folders another user owns); the Windows branch is
// checked against the exact PowerShell and icacls calls (no Windows here).
import { chmod, chown, lstat, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePrivateDir, SID } from "../../src/fs/privateDir.js";
import type { Runner } from "../../src/processRunner.js";
import { RunLog } from "../../src/runlog.js";
import { windowsTool } from "../../src/systemTools.js";
import { tempDir } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

async function onboardWithLogDir(logDir: string) {
  const state = await tempDir("ro-state-");
  // The command line as it ships (the installers' executable).
  const ran = await runShipped(["onboard", "--email", "a@internal.test", "--yes", "--json", "--log-dir", logDir, "--state-dir", state, "--config", "/nonexistent.jws", "--trust", "/nonexistent.json"]);
  return { status: ran.status, out: ran.stdout + ran.stderr };
}

describe.skipIf(!isRoot)("log and state folders, for real as root (finding 1)", () => {
  it("refuses a log folder another user owns, with a link planted as the log, and writes nothing through it", async () => {
    const victim = join(await tempDir("ro-victim-"), "secret");
    await writeFile(victim, "root only\n", { mode: 0o600 });
    const planted = join(await tempDir("ro-planted-"), "logs");
    await mkdir(planted);
    await symlink(victim, join(planted, "onboard.log"));
    await chown(planted, NOBODY, NOBODY);
    const result = await onboardWithLogDir(planted);
    expect(result.status).toBe(2);
    expect(JSON.parse(result.out)).toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/belongs to another user \(uid 65534\)/) as unknown });
    expect(await readFile(victim, "utf8")).toBe("root only\n");
  });

  it("refuses a folder others may write to, a parent another user owns, and a log that is a link", async () => {
    const open = join(await tempDir("ro-open-"), "logs");
    await mkdir(open);
    await chmod(open, 0o777);
    await expect(new RunLog(open).open()).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/other users may write to it/) as unknown });
    const parent = join(await tempDir("ro-parent-"), "users-folder");
    await mkdir(join(parent, "logs"), { recursive: true });
    await chown(parent, NOBODY, NOBODY);
    await expect(new RunLog(join(parent, "logs")).open()).rejects.toMatchObject({ message: expect.stringMatching(/users-folder belongs to another user \(uid 65534\)/) as unknown });
    const mine = await tempDir("ro-mine-");
    const victim = join(mine, "victim");
    await writeFile(victim, "x");
    await symlink(victim, join(mine, "onboard.log"));
    await expect(new RunLog(mine).open()).rejects.toMatchObject({ message: expect.stringMatching(/is not a plain file/) as unknown });
    // A link swapped in after open() is not written through either.
    const race = await tempDir("ro-race-");
    const log = new RunLog(race);
    await log.open();
    await symlink(victim, log.file);
    await expect(log.write("info", "x")).rejects.toMatchObject({ code: "STATE_WRITE_FAILED", message: expect.stringMatching(/a link is where a file should be, which is refused \(ELOOP\)/) as unknown });
    expect(await readFile(victim, "utf8")).toBe("x");
  });

  it("creates a missing folder private to this account, and accepts /tmp-like sticky parents", async () => {
    const dir = join(await tempDir("ro-new-"), "a", "b");
    await ensurePrivateDir(dir);
    const s = await lstat(dir);
    expect([s.isDirectory(), s.uid, s.mode & 0o777]).toEqual([true, 0, 0o750]);
    const log = new RunLog(dir);
    await log.open();
    await log.write("info", "hello");
    expect((await lstat(log.file)).mode & 0o777).toBe(0o640);
  });
});

describe("log folder on Windows, elevated: exact calls (finding 1)", () => {
  const fakeFs = (entries: Record<string, "dir" | "link">) => ({
    lstat: ((p: string) => {
      const kind = entries[p];
      if (!kind) return Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
      return Promise.resolve({ isSymbolicLink: () => kind === "link", isDirectory: () => kind === "dir" });
    }) as never,
    mkdir: ((p: string) => {
      entries[p] = "dir";
      return Promise.resolve(undefined);
    }) as never,
  });
  const dir = "C:\\ProgramData\\RelayOnboard\\Logs";
  const recorder = (owner: string) => {
    const calls: Array<[string, readonly string[]]> = [];
    const runner: Runner = (cmd, args) => {
      calls.push([cmd, args]);
      return Promise.resolve({ code: 0, stdout: cmd.endsWith("powershell.exe") ? `${owner}\r\n` : "processed 1 files", stderr: "" });
    };
    return { calls, runner };
  };

  it("creates the folder and sets an explicit ACL: SYSTEM and Administrators full control, Users read", async () => {
    const { calls, runner } = recorder(SID.system);
    await ensurePrivateDir(dir, { platform: "win32", elevated: true, runner, fs: fakeFs({}) });
    expect(calls).toEqual([[windowsTool("icacls.exe"), [dir, "/inheritance:r", "/grant:r", "*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F", "*S-1-5-32-545:(OI)(CI)RX"]]]);
  });

  it("refuses a folder a standard user created first, and a junction", async () => {
    const user = recorder("S-1-5-21-1004336348-1177238915-682003330-1001");
    await expect(ensurePrivateDir(dir, { platform: "win32", elevated: true, runner: user.runner, fs: fakeFs({ [dir]: "dir" }) })).rejects.toMatchObject({
      code: "BAD_INPUT", message: expect.stringMatching(/created by another account \(owner S-1-5-21-[\d-]+\)/) as unknown,
    });
    expect(user.calls[0]).toEqual([windowsTool("powershell.exe"), ["-NoProfile", "-NonInteractive", "-Command", `(Get-Acl -LiteralPath '${dir}').GetOwner([System.Security.Principal.SecurityIdentifier]).Value`]]);
    expect(user.calls.some(([cmd]) => cmd.endsWith("icacls.exe"))).toBe(false);
    const junction = recorder(SID.administrators);
    await expect(ensurePrivateDir(dir, { platform: "win32", elevated: true, runner: junction.runner, fs: fakeFs({ [dir]: "link" }) })).rejects.toMatchObject({ message: expect.stringMatching(/junction/) as unknown });
    expect(junction.calls).toEqual([]);
    const admins = recorder(SID.administrators);
    await ensurePrivateDir(dir, { platform: "win32", elevated: true, runner: admins.runner, fs: fakeFs({ [dir]: "dir" }) });
    expect(admins.calls.map(([cmd]) => cmd)).toEqual([windowsTool("powershell.exe"), windowsTool("icacls.exe")]);
  });
});
