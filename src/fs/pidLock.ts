// One run at a time — on the machine (the run lock in the state folder) and on a mail profile (its
// own lock, whichever state folder each run uses): a lock file that names its owner's PID from the moment it exists. The
// PID is written to a file of our own first, which is then linked into place (link fails if a lock
// is there), so no other run can ever read an empty lock and call it stale, and a failed write (a
// full disk) leaves no lock behind. A lock left by a process that no longer exists (a crash, a
// killed MDM script) is taken over by one run at a time (a second lock guards the takeover), which
// removes it only while it still names the dead process: two runs cannot both win.
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RelayError } from "../errors.js";
import { processAlive } from "../pid.js";
import { guardWrite, type WriteFailureCode } from "./writeFailure.js";
import { writeEvent } from "./faultPoint.js";
import { cleanLeftovers } from "./leftovers.js";

const ownerOf = async (path: string): Promise<number | undefined> => {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : 0; // 0: an unreadable or empty lock (an older version's crash)
};

export interface LockOptions {
  /** Wait this long for a live owner to finish before giving up (default: give up at once). */
  waitMs?: number;
  /** What the lock guards, for the message ("this machine", "the profile …"). */
  what?: string;
  /** How a folder that refuses the lock file is reported (default: the tool's own state). */
  failure?: WriteFailureCode;
}

const busy = (pid: number, what: string) => new RelayError("ALREADY_RUNNING", `another relay-onboard (process ${pid}) is onboarding ${what}; wait for it to finish`);

export async function acquireLock(path: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const what = options.what ?? "this machine";
  // Already ours in this process (the profile step holds its profile's lock when the profile's
  // certificate store asks for it): nested, not taken again, and released by the outer holder only.
  if (held.has(path)) return () => Promise.resolve();
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    try {
      // A full or read-only state folder is said as such (STATE_WRITE_FAILED), never a bug.
      return await guardWrite(options.failure ?? "STATE_WRITE_FAILED", dirname(path), "the lock", () => take(path, what));
    } catch (err) {
      if (!(err instanceof RelayError && err.code === "ALREADY_RUNNING") || Date.now() >= deadline) throw err;
      await sleep(100);
    }
  }
}

const held = new Set<string>();

async function take(path: string, what: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const mine = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(mine, String(process.pid), { flag: "wx", mode: 0o644 });
    writeEvent(`${basename(path)}: its PID written beside it`);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, path);
        writeEvent(`${basename(path)}: taken`);
        held.add(path);
        await cleanLeftovers(dirname(path)); // what a killed run left in the folder
        return async () => {
          held.delete(path);
          await rm(path, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = await ownerOf(path);
      if (pid === undefined) continue; // released meanwhile: try again
      if (pid !== process.pid && pid !== 0 && processAlive(pid)) throw busy(pid, what);
      // Stale: one run at a time takes it over, under a second lock made the same way. Only a
      // taker removes a lock, and only while the lock still names the dead process.
      const guard = `${path}.takeover`;
      try {
        await link(mine, guard);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const taker = await ownerOf(guard);
        if (taker !== undefined && taker !== 0 && taker !== process.pid && processAlive(taker)) throw busy(taker, what);
        await rm(guard, { force: true }); // a taker that died within the takeover
        continue;
      }
      try {
        if ((await ownerOf(path)) === pid) await rm(path, { force: true });
      } finally {
        await rm(guard, { force: true });
      }
    }
    throw new RelayError("ALREADY_RUNNING", `cannot take the lock ${path}`);
  } finally {
    await rm(mine, { force: true });
  }
}
