// One onboarding at a time: a lock file that names its owner's PID from the moment it exists. The
// PID is written to a file of our own first, which is then linked into place (link fails if a lock
// is there), so no other run can ever read an empty lock and call it stale, and a failed write (a
// full disk) leaves no lock behind. A lock left by a process that no longer exists (a crash, a
// killed MDM script) is taken over by one run at a time (a second lock guards the takeover), which
// removes it only while it still names the dead process: two runs cannot both win.
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { RelayError } from "./errors.js";
import { processAlive } from "./pid.js";
import { guardWrite } from "./fs/writeFailure.js";
import { writeEvent } from "./faultPoint.js";
import { cleanLeftovers } from "./fs/leftovers.js";

const ownerOf = async (path: string): Promise<number | undefined> => {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : 0; // 0: an unreadable or empty lock (an older version's crash)
};

const busy = (pid: number) => new RelayError("ALREADY_RUNNING", `another relay-onboard (process ${pid}) is onboarding this machine; wait for it to finish`);

export async function acquireLock(path: string): Promise<() => Promise<void>> {
  // A full or read-only state folder is said as such (STATE_WRITE_FAILED), never a bug.
  return guardWrite("STATE_WRITE_FAILED", dirname(path), "the lock", () => take(path));
}

async function take(path: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const mine = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(mine, String(process.pid), { flag: "wx", mode: 0o644 });
    writeEvent("the run lock: its PID written beside it");
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, path);
        writeEvent("the run lock: taken");
        await cleanLeftovers(dirname(path)); // what a killed run left in the state folder
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = await ownerOf(path);
      if (pid === undefined) continue; // released meanwhile: try again
      if (pid !== process.pid && pid !== 0 && processAlive(pid)) throw busy(pid);
      // Stale: one run at a time takes it over, under a second lock made the same way. Only a
      // taker removes a lock, and only while the lock still names the dead process.
      const guard = `${path}.takeover`;
      try {
        await link(mine, guard);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const taker = await ownerOf(guard);
        if (taker !== undefined && taker !== 0 && taker !== process.pid && processAlive(taker)) throw busy(taker);
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
