// The copy of a file kept before it is replaced: `<file>.relay-onboard-<stamp>.bak`, never written
// onto an existing name (COPYFILE_EXCL): a file or link already there is left alone and a fresh
// name with a random suffix is taken instead.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { copyFile } from "node:fs/promises";

export async function keepBackup(path: string, stamp: string): Promise<string> {
  const usual = `${path}.relay-onboard-${stamp}.bak`;
  try {
    await copyFile(path, usual, constants.COPYFILE_EXCL);
    return usual;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const fresh = `${path}.relay-onboard-${stamp}-${randomBytes(4).toString("hex")}.bak`;
  await copyFile(path, fresh, constants.COPYFILE_EXCL);
  return fresh;
}
