// Atomic file writes: write a temp file beside the target, flush it, then move it into place.
// A reader (or a crash) sees either the old file or the complete new one, never half of one.
import { randomBytes } from "node:crypto";
import { link, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeEvent } from "./faultPoint.js";

export interface AtomicWriteOptions {
  /** File mode for the new file (e.g. 0o600 for secrets). */
  mode?: number;
  /** Refuse (EEXIST) instead of replacing an existing file. */
  exclusive?: boolean;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    writeEvent(`${basename(path)}: written beside it`);
    // link() fails with EEXIST where rename() would silently replace.
    if (options.exclusive) await link(temp, path);
    else await rename(temp, path);
    writeEvent(`${basename(path)}: in place`);
  } finally {
    await rm(temp, { force: true });
  }
  if (process.platform !== "win32") {
    // Make the directory entry durable too.
    const dirHandle = await open(dir, "r").catch(() => undefined);
    await dirHandle?.sync().catch(() => undefined);
    await dirHandle?.close();
  }
}
