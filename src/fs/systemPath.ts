// System-scope targets (the anchors folder, a Thunderbird installation's distribution/ and
// certificates/, /etc/...) are root's alone. Root writes there only when every component of the
// path that exists is a real folder (or file) owned by root, and none can be changed by every user
// without the sticky bit: a user-owned /opt/thunderbird, or a `distribution` link its owner
// planted, would otherwise turn root's writes and deletes into writes wherever the user chose.
// POSIX only; not root, the kernel already holds the process to its own rights.
import { lstat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { RelayError } from "../errors.js";

export async function requireRootOwnedPath(path: string, what: string, uid: number | undefined = process.getuid?.()): Promise<void> {
  if (uid !== 0) return;
  const full = resolve(path);
  const chain: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    chain.unshift(p);
    if (p === dirname(p)) break;
  }
  for (const p of chain) {
    const s = await lstat(p).catch(() => undefined);
    if (!s) return; // the rest is created by root, inside a folder that passed
    if (s.isSymbolicLink()) throw new RelayError("BAD_INPUT", `${what} ${path} is refused: ${p} is a link, and a system file is written only along real folders`);
    if (s.uid !== 0) throw new RelayError("BAD_INPUT", `${what} ${path} is refused: ${p} belongs to another account (uid ${s.uid}), not to root`);
    if ((s.mode & 0o002) !== 0 && (s.mode & 0o1000) === 0) throw new RelayError("BAD_INPUT", `${what} ${path} is refused: every user may change ${p}`);
  }
}
