// The receiver's store: `<store>/<reference>/<reportId>.json`, each written atomically and never
// overwritten (a report sent twice is kept once), read back newest first, and pruned after the
// retention period. Only names the submission schema allows ever become paths.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic.js";
import { guardWrite } from "../fs/writeFailure.js";
import { REFERENCE_PATTERN } from "./reference.js";
import { REPORT_ID_PATTERN, type StoredReport, type Submission } from "./submission.js";

/** Stores a checked submission; false when that report was already there. */
export async function storeReport(store: string, submission: Submission, received: Date): Promise<boolean> {
  const file = join(store, submission.reference, `${submission.reportId}.json`);
  const stored: StoredReport = { ...submission, received: received.toISOString() };
  try {
    await guardWrite("STATE_WRITE_FAILED", store, "the report", () => writeFileAtomic(file, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600, exclusive: true }));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** A reference's reports, newest first (report ids sort by time). */
export async function reportsOf(store: string, reference: string, limit = 50): Promise<StoredReport[]> {
  if (!REFERENCE_PATTERN.test(reference)) return [];
  const dir = join(store, reference);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json") && REPORT_ID_PATTERN.test(n.slice(0, -5))).sort().reverse().slice(0, limit);
  const out: StoredReport[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    try {
      out.push(JSON.parse(text) as StoredReport);
    } catch {
      // a file someone else put there: not a report
    }
  }
  return out;
}

/** Removes reports older than `keepDays` (by when they were stored), and folders left empty. */
export async function pruneReports(store: string, keepDays: number, now: Date): Promise<number> {
  const cutoff = now.getTime() - keepDays * 86_400_000;
  let removed = 0;
  for (const reference of (await readdir(store).catch(() => [] as string[])).filter((n) => REFERENCE_PATTERN.test(n))) {
    const dir = join(store, reference);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) {
        await rm(join(dir, name), { force: true });
        removed++;
      }
    }
    if ((await readdir(dir).catch(() => ["?"])).length === 0) await rm(dir, { recursive: true, force: true });
  }
  return removed;
}
