// What a killed run leaves: temporary files and folders of the tool's own naming, each carrying
// the PID of the process that made it. The next run removes those whose process is gone — only
// entries of that naming, owned by this account, never following a link — and nothing else.
import { lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../pid.js";

/**
 * The tool's temporary names: atomic writes `.<file>.<pid>.<hex>.tmp`, lock files `<lock>.<pid>.<hex>.tmp`,
 * backups in progress `.<file>.bak.<pid>.<hex>.tmp`, NSS databases being made `.relay-onboard-nss.<pid>.<hex>.tmp`,
 * certificate folders `relay-onboard-ca-<pid>-<random>`.
 */
const OWN = [/^.+\.(\d+)\.[0-9a-f]{8,12}\.tmp$/, /^relay-onboard-ca-(\d+)-[A-Za-z0-9]{6}$/];

export function leftoverPid(name: string): number | undefined {
  for (const pattern of OWN) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0) return pid;
  }
  return undefined;
}

/** Removes the leftovers of dead runs in `dir`; returns their names. Never fails the run. */
export async function cleanLeftovers(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = leftoverPid(name);
    if (pid === undefined || pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info || (uid !== undefined && info.uid !== uid)) continue;
    // A link is removed as a link (rm never follows it).
    if (await rm(path, { recursive: info.isDirectory(), force: true }).then(() => true, () => false)) removed.push(name);
  }
  return removed;
}
