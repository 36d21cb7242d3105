#!/usr/bin/env node
// Prints the mutation score of each file from Stryker's JSON report(s) (default: the last run's,
// reports/mutation/mutation.json), and exits 1 when one is below the target (85 %). Equivalent
// mutants listed in mutation/equivalent.md (by file, line and mutator) do not count.
import { readFileSync, existsSync } from "node:fs";

const TARGET = 85;
const reports = (process.argv.length > 2 ? process.argv.slice(2) : ["reports/mutation/mutation.json"]).map((f) => JSON.parse(readFileSync(f, "utf8")));
const equivalentFile = "mutation/equivalent.md";
// Lines like: | src/smtp/reply.ts | 42 | ConditionalExpression | why |
const equivalent = new Set(
  existsSync(equivalentFile)
    ? [...readFileSync(equivalentFile, "utf8").matchAll(/^\|\s*(src\/[^\s|]+)\s*\|\s*(\d+)\s*\|\s*(\w+)\s*\|/gm)].map((m) => `${m[1]}:${m[2]}:${m[3]}`)
    : [],
);
let failed = false;
const files = Object.entries(Object.assign({}, ...reports.map((r) => r.files)));
for (const [file, { mutants }] of files.sort(([a], [b]) => a.localeCompare(b))) {
  let killed = 0;
  let counted = 0;
  let skipped = 0;
  for (const m of mutants) {
    if (m.status === "CompileError" || m.status === "Ignored") continue;
    if (m.status !== "Killed" && m.status !== "Timeout" && equivalent.has(`${file}:${m.location.start.line}:${m.mutatorName}`)) {
      skipped++;
      continue;
    }
    counted++;
    if (m.status === "Killed" || m.status === "Timeout") killed++;
  }
  const score = counted ? (100 * killed) / counted : 100;
  if (score < TARGET) failed = true;
  console.log(`${score < TARGET ? "BELOW" : "ok   "} ${score.toFixed(1).padStart(5)} %  ${file}  (${killed}/${counted} killed${skipped ? `, ${skipped} equivalent` : ""})`);
}
process.exit(failed ? 1 : 0);
