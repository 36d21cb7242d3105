// The lock a profile's writers share (configure, offboard, the profile's certificate store): a file
// in the profile itself, so two runs with different state folders — the user's app and IT's
// script — still take turns. A missing profile is left to the step to report; a read-only one
// cannot be written by anyone, so it needs no lock (the step then says what it could not write).
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { RelayError } from "../../errors.js";
import { acquireLock } from "../../fs/pidLock.js";

export const PROFILE_LOCK = ".relay-onboard.lock";

const unlocked = () => Promise.resolve();

export async function lockProfile(profile: string): Promise<() => Promise<void>> {
  if (!(await stat(profile).then((s) => s.isDirectory(), () => false))) return unlocked;
  try {
    return await acquireLock(join(profile, PROFILE_LOCK), { waitMs: 30_000, what: `the Thunderbird profile ${profile}`, failure: "CLIENT_WRITE_FAILED" });
  } catch (err) {
    if (err instanceof RelayError && (err.cause as NodeJS.ErrnoException | undefined)?.code === "EROFS") return unlocked;
    throw err;
  }
}
