// The helpdesk reference (DESIGN.md, "Helpdesk reports"): `RO-XXXX-XXXX` in Crockford's base32,
// made once per installation and user and kept in the state folder, so the reference a user reads
// out on the phone finds every report they ever sent — not one that changes at every launch. Each
// report has its own `reportId` besides. Crockford's alphabet has no I, L, O or U, and reading one
// back forgives what people mix up (O for 0, I or L for 1, lower case, spaces).
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { thisComputer, type Report } from "../diagnostics/report.js";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const REFERENCE_PATTERN = /^RO-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
export const REFERENCE_FILE = "reference.json";

/** `n` random Crockford characters (256 is a multiple of 32: no bias). */
function crockford(n: number, random: (size: number) => Buffer = randomBytes): string {
  return [...random(n)].map((b) => CROCKFORD[b % 32]!).join("");
}

export function newReference(random?: (size: number) => Buffer): string {
  const chars = crockford(8, random);
  return `RO-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** A reference as a person typed or read it, in its one spelling; undefined when it cannot be one. */
export function normaliseReference(text: string): string | undefined {
  const bare = text.toUpperCase().replace(/[\s-]/g, "").replace(/^RO/, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(bare)) return undefined;
  return `RO-${bare.slice(0, 4)}-${bare.slice(4)}`;
}

/** Sortable by time, then unique: `20261207T101500Z-7K2Q`. */
export function newReportId(now: Date, random?: (size: number) => Buffer): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${crockford(4, random)}`;
}

function readReference(file: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    const value = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["reference"] : undefined;
    return typeof value === "string" && REFERENCE_PATTERN.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This installation's reference for this user: read from the state folder, or made and kept there
 * (linked into place, so two starts at once agree on one). A damaged file is replaced. When the
 * folder cannot be written the reference still works for this run, and the next run tries again.
 */
export function installationReference(stateDir: string, now: Date = new Date()): string {
  const file = join(stateDir, REFERENCE_FILE);
  const kept = readReference(file);
  if (kept) return kept;
  const made = newReference();
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify({ reference: made, createdAt: now.toISOString() }) + "\n", { mode: 0o600, flag: "wx" });
    try {
      linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const other = readReference(file);
      if (other) return other; // another start made it first
      rmSync(file, { force: true }); // damaged: ours replaces it
      linkSync(temp, file);
    }
    return made;
  } catch {
    return made;
  } finally {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no folder, so no temporary file either
    }
  }
}

/** A finished check as a report of its own: the installation's reference, its own id, the account tried and this computer. */
export function stampReport(report: Report, stamp: { reference: string; now: Date; account?: Report["account"]; platform?: NodeJS.Platform }): Report {
  return { ...report, reference: stamp.reference, reportId: newReportId(stamp.now), ...(stamp.account ? { account: stamp.account } : {}), os: thisComputer(stamp.platform) };
}
