// mkdir -p that says why it failed: Node's recursive mkdir reports a read-only disk as ENOENT
// (it retries the parent), so a refusal would read as a bug, not the disk's state. One level at a
// time, an existing folder is fine and the disk's own error (EROFS, ENOSPC, EACCES) comes through.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

export async function makeFolder(path: string, mode: number): Promise<void> {
  try {
    await mkdir(path, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(path) === path) throw err;
    await makeFolder(dirname(path), mode);
    await mkdir(path, { mode }).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}
