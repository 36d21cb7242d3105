#!/usr/bin/env node
// Scores Stryker's JSON report(s) per file (default: the last run's, reports/mutation/mutation.json)
// and exits 1 when a file is below the target (85 %) or when a row of mutation/equivalent.md matches
// no surviving mutant (a stale row would otherwise excuse a future survivor on the same line).
// Rows are keyed to one mutant each: file, line:column, mutator and the replacement Stryker made.
//   --readme      rewrite README.md's table (between the mutation-table markers) from this run
//   --propose     print rows for the survivors no row matches (to judge, not to paste blindly)
//   --prune       remove the stale rows of the measured files from mutation/equivalent.md
import { readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";

const TARGET = 85;
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith("--")));
const paths = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const reportFiles = paths.length ? paths : ["reports/mutation/mutation.json"];
const reports = reportFiles.map((f) => JSON.parse(readFileSync(f, "utf8")));
const equivalentFile = "mutation/equivalent.md";

/** What each measured file is, for the README's table. */
const ROLES = {
  "src/smtp/reply.ts": "reply parser",
  "src/smtp/session.ts": "the SMTP session",
  "src/smtp/connection.ts": "the connection and its deadlines",
  "src/config/verify.ts": "signed configuration",
  "src/config/schema.ts": "configuration schema",
  "src/config/fetch.ts": "fetching the configuration",
  "src/config/load.ts": "loading the configuration (policy, cache, rollback)",
  "src/clients/thunderbird/accounts.ts": "the account written as Thunderbird's setup writes it",
  "src/config/roots.ts": "the rotation's roots and the relay's anchors",
  "src/clients/thunderbird/prefs.ts": "prefs.js reader and editor",
  "src/clients/thunderbird/configure.ts": "judging what Thunderbird will use",
  "src/clients/thunderbird/locks.ts": "policies.json locks and autoconfig",
  "src/clients/thunderbird/asOwner.ts": "the step as the home's owner",
  "src/clients/thunderbird/policies.ts": "Thunderbird's `policies.json`",
  "src/truststore/accept.ts": "the CA gate",
  "src/truststore/rotation.ts": "root rotation per store",
  "src/fs/text.ts": "Windows text (BOM, UTF-16)",
  "src/privilege/forUser.ts": "root acting for a user: the child as the home's owner",
  "src/privilege/userJob.ts": "the user's side of that child",
  "src/truststore/policiesJson.ts": "the one policies.json reader",
  "src/fs/systemPath.ts": "system-scope writes along root's folders only",
  "src/truststore/mozillaPolicy.ts": "Firefox's policies.json as a trust store",
  "src/truststore/chromiumPolicy.ts": "Chromium's managed CACertificates as a trust store",
};

const squash = (s) => s.replace(/\s+/g, " ").trim();
const keyOf = (file, line, column, mutator, replacement) => `${file}:${line}:${column}:${mutator}:${squash(replacement)}`;

// | src/smtp/reply.ts | 35:9 | ConditionalExpression | `false` | why |   (a `|` inside the replacement is `\|`)
const rows = [];
if (existsSync(equivalentFile)) {
  for (const [lineNo, text] of readFileSync(equivalentFile, "utf8").split("\n").entries()) {
    if (!text.startsWith("| src/")) continue;
    const cells = text.slice(1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
    const [file, at, mutator, replacement] = cells;
    const m = /^(\d+):(\d+)$/.exec(at ?? "");
    const r = /^`(.*)`$/s.exec(replacement ?? "");
    if (!m || !r || !mutator) {
      console.error(`${equivalentFile}:${lineNo + 1}: a row is "| file | line:column | mutator | \`replacement\` | why |"`);
      process.exit(1);
    }
    rows.push({ key: keyOf(file, m[1], m[2], mutator, r[1]), file, lineNo, where: `${equivalentFile}:${lineNo + 1}`, used: false });
  }
}
const byKey = new Map(rows.map((r) => [r.key, r]));

const files = Object.entries(Object.assign({}, ...reports.map((r) => r.files))).sort(([a], [b]) => a.localeCompare(b));
// A run stopped part-way leaves mutants pending: its scores would mean nothing.
const pending = files.reduce((n, [, { mutants }]) => n + mutants.filter((m) => m.status === "Pending").length, 0);
if (pending > 0) {
  console.error(`the report is incomplete (${pending} mutants never ran): run Stryker to the end`);
  process.exit(1);
}
const measured = new Set(files.map(([f]) => f));
let failed = false;
const table = [];
const proposals = [];
for (const [file, { mutants }] of files) {
  let killed = 0;
  let counted = 0;
  let equivalent = 0;
  for (const m of mutants) {
    if (m.status === "CompileError" || m.status === "Ignored") continue;
    const dead = m.status === "Killed" || m.status === "Timeout";
    const row = byKey.get(keyOf(file, m.location.start.line, m.location.start.column, m.mutatorName, m.replacement ?? ""));
    if (!dead && row) {
      row.used = true;
      equivalent++;
      continue;
    }
    counted++;
    if (dead) killed++;
    else proposals.push(`| ${file} | ${m.location.start.line}:${m.location.start.column} | ${m.mutatorName} | \`${squash(m.replacement ?? "").replace(/\|/g, "\\|")}\` | ? |`);
  }
  const score = counted ? (100 * killed) / counted : 100;
  if (score < TARGET) failed = true;
  console.log(`${score < TARGET ? "BELOW" : "ok   "} ${score.toFixed(1).padStart(5)} %  ${file}  (${killed}/${counted} killed${equivalent ? `, ${equivalent} equivalent` : ""})`);
  table.push(`| \`${file}\` — ${ROLES[file] ?? "?"} | ${score.toFixed(1)} % (${killed} / ${counted}${equivalent ? `, ${equivalent} equivalent` : ""})${score < TARGET ? " — **below target**" : ""} |`);
}
// Only rows this report could have matched can be judged stale: of a file it measured, at a line
// within the lines it measured (a run of `--mutate FILE:10-20` says nothing of line 30).
const spans = new Map(files.map(([file, { mutants }]) => {
  const lines = mutants.map((m) => m.location.start.line);
  return [file, [Math.min(...lines), Math.max(...lines)]];
}));
const inSpan = (row) => {
  const span = spans.get(row.file);
  const line = Number(row.key.slice(row.file.length + 1).split(":")[0]);
  return span !== undefined && line >= span[0] && line <= span[1];
};
const stale = rows.filter((r) => !r.used && inSpan(r));
for (const row of stale) {
  console.log(`${flags.has("--prune") ? "PRUNED" : "STALE"} ${row.where}: matches no surviving mutant of this run (${row.key})`);
  if (!flags.has("--prune")) failed = true;
}
if (flags.has("--prune") && stale.length > 0) {
  const drop = new Set(stale.map((r) => r.lineNo));
  writeFileSync(equivalentFile, readFileSync(equivalentFile, "utf8").split("\n").filter((_, i) => !drop.has(i)).join("\n"));
}
if (flags.has("--propose")) for (const p of proposals) console.log(p);

if (flags.has("--readme")) {
  // Rows of the files this run measured are replaced; the others keep the run that measured them.
  const readme = readFileSync("README.md", "utf8");
  const start = "<!-- mutation-table:start -->";
  const end = "<!-- mutation-table:end -->";
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i === -1 || j === -1) {
    console.error("README.md has no mutation-table markers");
    process.exit(1);
  }
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    // Not a checkout: the date alone.
  }
  const when = `${statSync(reportFiles[0]).mtime.toISOString().slice(0, 10)}, ${commit}`;
  const fileOf = (row) => /^\| `([^`]+)`/.exec(row)?.[1];
  const kept = readme.slice(i, j).split("\n").filter((r) => r.startsWith("| `") && !measured.has(fileOf(r)));
  const fresh = table.map((r) => `${r} ${when} |`);
  const body = [...kept, ...fresh].sort((a, b) => fileOf(a).localeCompare(fileOf(b)));
  const block = [start, "| file | score (killed / counted, equivalent left out) | measured |", "|---|---|---|", ...body, end].join("\n");
  writeFileSync("README.md", readme.slice(0, i) + block + readme.slice(j + end.length));
}
process.exit(failed ? 1 : 0);
