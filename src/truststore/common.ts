// What every backend does the same way: hand the certificate to a tool through a private temp
// file, and believe a tool's success only after reading the store back.
import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RelayError } from "../errors.js";
import { cleanLeftovers } from "../fs/leftovers.js";
import { acquireLock } from "../fs/pidLock.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

export async function withTempFile<T>(name: string, data: string | Buffer, body: (path: string) => Promise<T>): Promise<T> {
  // Named with our PID, so a later run can remove it if this one is killed (fs/leftovers.ts).
  await cleanLeftovers(tmpdir());
  const dir = await mkdtemp(join(tmpdir(), `relay-onboard-ca-${process.pid}-`));
  try {
    // A certificate is public, and a store tool may run as the account root acts for (NSS in a
    // user's home): it must be able to read it. Only this process can write here.
    await chmod(dir, 0o755);
    const path = join(dir, name);
    await writeFile(path, data, { mode: 0o644 });
    return await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads the store back after a change; the tool's exit status alone is not trusted. */
export async function confirmChange(store: TrustStore, ca: AcceptedCa, installed: boolean, tool: string): Promise<StoreResult> {
  const after = await store.status(ca);
  if (after.installed !== installed) {
    throw new RelayError("CA_INSTALL_FAILED", installed ? `${tool} reported success but ${store.location} does not trust the certificate` : `${store.location} still lists the certificate`);
  }
  return { ...after, changed: true };
}

/**
 * A change to a machine-wide file in `dir` (a browser's policies), one run at a time: two runs never
 * merge into the same file at once and lose a root. A folder not there yet needs no lock.
 */
export async function lockedIn<T>(dir: string, what: string, change: () => Promise<T>): Promise<T> {
  const exists = await stat(dir).then(() => true, () => false);
  if (!exists) return change();
  const release = await acquireLock(join(dir, ".relay-onboard.lock"), { waitMs: 30_000, what, failure: "CA_INSTALL_FAILED" });
  try {
    return await change();
  } finally {
    await release();
  }
}
