// The copy of a file kept before it is replaced: `<file>.relay-onboard-<stamp>.bak`, never written
// onto an existing name (linked into place, which fails where anything is there): a file or link
// already there is left alone and a fresh name with a random suffix is taken instead.
import { randomBytes } from "node:crypto";
import { copyFile, link, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeEvent } from "./faultPoint.js";

/** Copies to a temporary name first, then links it into place: a kill never leaves half a backup. */
async function copyNew(path: string, target: string): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await copyFile(path, temp);
    writeEvent(`${basename(target)}: copied beside it`);
    await link(temp, target); // EEXIST where something is already there
  } finally {
    await rm(temp, { force: true });
  }
}

export async function keepBackup(path: string, stamp: string): Promise<string> {
  const usual = `${path}.relay-onboard-${stamp}.bak`;
  try {
    await copyNew(path, usual);
    return usual;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const fresh = `${path}.relay-onboard-${stamp}-${randomBytes(4).toString("hex")}.bak`;
  await copyNew(path, fresh);
  return fresh;
}
