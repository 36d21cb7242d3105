// A folder for logs and state that no other account can redirect. Elevated (root, SYSTEM), the
// tool writes where standard users may have been first — C:\ProgramData lets any user create
// folders, a --log-dir may point anywhere — and a link or junction planted there would turn our
// writes, renames and deletes into writes to a file of the attacker's choosing.
// POSIX: every folder on the path is owned by root or by us (a world-writable one must be sticky,
// like /tmp), and ours is a real folder, owned by us, writable by nobody else.
// Windows: an existing folder must be no junction or link and owned by SYSTEM or Administrators;
// an elevated run then sets an explicit ACL (SYSTEM and Administrators full control, Users read).
import { lstat as fsLstat, mkdir as fsMkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { win32 } from "node:path";
import { RelayError } from "../errors.js";
import { runCommand, type Runner } from "../processRunner.js";
import { windowsTool } from "../systemTools.js";
import { guardWrite } from "./writeFailure.js";

export interface PrivateDirOptions {
  platform?: NodeJS.Platform;
  elevated?: boolean;
  uid?: number;
  runner?: Runner;
  /** The file-system calls (injected by tests of the Windows branch). */
  fs?: { lstat: typeof fsLstat; mkdir: typeof fsMkdir };
}

/** Well-known SIDs: LocalSystem, BUILTIN\Administrators, BUILTIN\Users. */
export const SID = { system: "S-1-5-18", administrators: "S-1-5-32-544", users: "S-1-5-32-545" } as const;

const unsafe = (dir: string, why: string) => new RelayError("BAD_INPUT", `the folder ${dir} is not safe for Relay Onboard's files: ${why}`);

export async function ensurePrivateDir(dir: string, options: PrivateDirOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  const fs = options.fs ?? { lstat: fsLstat, mkdir: fsMkdir };
  if (platform === "win32") return windowsDir(dir, options, fs);
  const uid = options.uid ?? process.getuid?.() ?? 0;
  await guardWrite("STATE_WRITE_FAILED", dir, "the folder", () => fs.mkdir(dir, { recursive: true, mode: 0o750 }));
  const own = await fs.lstat(dir);
  if (own.isSymbolicLink() || !own.isDirectory()) throw unsafe(dir, "it is a link or not a folder");
  if (own.uid !== uid) throw unsafe(dir, `it belongs to another user (uid ${own.uid})`);
  if ((own.mode & 0o022) !== 0) throw unsafe(dir, "other users may write to it");
  for (let p = dirname(dir); ; p = dirname(p)) {
    const s = await fs.lstat(p);
    if (s.uid !== 0 && s.uid !== uid) throw unsafe(dir, `${p} belongs to another user (uid ${s.uid}), who could replace what is inside`);
    if ((s.mode & 0o002) !== 0 && (s.mode & 0o1000) === 0 && !s.isSymbolicLink()) throw unsafe(dir, `${p} may be changed by every user`);
    if (p === dirname(p)) return;
  }
}

async function windowsDir(dir: string, options: PrivateDirOptions, fs: NonNullable<PrivateDirOptions["fs"]>): Promise<void> {
  const runner = options.runner ?? runCommand;
  const existing = await fs.lstat(dir).catch(() => undefined);
  if (existing) {
    // Node reports junctions and other reparse points that redirect as links.
    if (existing.isSymbolicLink() || !existing.isDirectory()) throw unsafe(dir, "it is a junction, a link or not a folder");
    if (options.elevated) {
      const owner = await runner(windowsTool("powershell.exe"), ["-NoProfile", "-NonInteractive", "-Command", `(Get-Acl -LiteralPath '${dir.replace(/'/g, "''")}').GetOwner([System.Security.Principal.SecurityIdentifier]).Value`]);
      const sid = owner.stdout.trim();
      if (owner.code !== 0 || (sid !== SID.system && sid !== SID.administrators)) throw unsafe(dir, `it was created by another account (owner ${sid || "unknown"}); an administrator should delete it`);
    }
  } else {
    await guardWrite("STATE_WRITE_FAILED", dir, "the folder", () => fs.mkdir(dir, { recursive: true }));
  }
  if (!options.elevated) return;
  const acl = await runner(windowsTool("icacls.exe"), [win32.normalize(dir), "/inheritance:r", "/grant:r", `*${SID.system}:(OI)(CI)F`, `*${SID.administrators}:(OI)(CI)F`, `*${SID.users}:(OI)(CI)RX`]);
  if (acl.code !== 0) throw unsafe(dir, `its permissions could not be set (icacls exit ${acl.code})`);
}
