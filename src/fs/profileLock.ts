// Is Thunderbird (or Firefox: Mozilla profiles share the lock) using this profile right now? The lock file's presence is not enough: a crash
// leaves `lock` (a symlink "host:+pid") and `.parentlock`/`parent.lock` behind. On Linux and macOS
// the symlink's process is checked for life; on Windows parent.lock is held open exclusively.
import { open, readlink, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { RelayError } from "../errors.js";
import { processAlive } from "../pid.js";
import { acquireLock } from "./pidLock.js";

export interface LockState {
  running: boolean;
  /** Why we think so, for messages. */
  detail: string;
}

export async function profileLock(profile: string, platform: NodeJS.Platform = process.platform): Promise<LockState> {
  if (platform === "win32") {
    const handle = await open(join(profile, "parent.lock"), "r+").catch((err: NodeJS.ErrnoException) => err);
    if (handle instanceof Error) {
      if (handle.code === "ENOENT") return { running: false, detail: "no parent.lock" };
      return { running: true, detail: `parent.lock is held (${handle.code ?? handle.message})` };
    }
    await handle.close();
    return { running: false, detail: "parent.lock is stale" };
  }
  const target = await readlink(join(profile, "lock")).catch(() => undefined);
  if (target === undefined) return { running: false, detail: "no lock" };
  const match = /^(.*):\+(\d+)$/.exec(target);
  if (!match) return { running: true, detail: `unrecognised lock "${target}"` };
  const [, host, pid] = match as unknown as [string, string, string];
  // A lock from another machine (profile on a network share) cannot be checked: assume it is live.
  const local = [hostname(), "127.0.0.1", "127.0.1.1"].includes(host) || host.startsWith("127.");
  if (!local) return { running: true, detail: `locked by ${host}` };
  return processAlive(Number(pid)) ? { running: true, detail: `process ${pid} holds it` } : { running: false, detail: `stale lock of process ${pid}` };
}

/**
 * Relay Onboard's own lock on a profile, shared by everything that writes it (Thunderbird's prefs,
 * the profile's certificate store, offboard): a file in the profile itself, so two runs with
 * different state folders — the user's app and IT's script — still take turns (the second waits up
 * to 30 s). A missing profile is left to the step to report; a read-only one cannot be written by
 * anyone, so it needs no lock (the step then says what it could not write).
 */
export const PROFILE_LOCK = ".relay-onboard.lock";

const unlocked = () => Promise.resolve();

export async function lockProfile(profile: string): Promise<() => Promise<void>> {
  if (!(await stat(profile).then((s) => s.isDirectory(), () => false))) return unlocked;
  try {
    return await acquireLock(join(profile, PROFILE_LOCK), { waitMs: 30_000, what: `the profile ${profile}`, failure: "CLIENT_WRITE_FAILED" });
  } catch (err) {
    if (err instanceof RelayError && (err.cause as NodeJS.ErrnoException | undefined)?.code === "EROFS") return unlocked;
    throw err;
  }
}
