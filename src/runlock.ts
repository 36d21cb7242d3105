// One onboarding at a time: a lock file created exclusively, holding the owner's PID. A lock left by
// a process that no longer exists (a crash, a killed MDM script) is taken over.
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { RelayError } from "./errors.js";
import { processAlive } from "./pid.js";

export async function acquireLock(path: string): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx", 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new RelayError("ALREADY_RUNNING", `another relay-onboard (process ${pid}) is onboarding this machine; wait for it to finish`);
      }
      await rm(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new RelayError("ALREADY_RUNNING", `cannot take the lock ${path}`);
}
