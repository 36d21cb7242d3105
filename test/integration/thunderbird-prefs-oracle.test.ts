// Differential test: the real Thunderbird is the oracle for reading prefs.js. Each file — a fixed
// corpus (the cases Thunderbird and the old reader disagreed on, and the kinds of input libpref's
// own parser tests use) and generated files — is read by a running headless Thunderbird
// (Services.prefs.readUserPrefsFromFile) and by our reader; both must see the same preferences,
// values byte for byte, the same defaults, and agree on whether the file is flagged as corrupted.
// Then `configure` writes into generated files, and every preference we do not own must read back
// in Thunderbird exactly as before.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureThunderbird } from "../../src/clients/thunderbird/configure.js";
import { effectivePrefs, formatValue, parsePrefs } from "../../src/clients/thunderbird/prefs.js";
import { Marionette } from "../helpers/marionette.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

const hasThunderbird = spawnSync("sh", ["-c", "command -v thunderbird"]).status === 0;
if (!hasThunderbird) console.warn("thunderbird-prefs-oracle.test.ts skipped: Thunderbird is not installed (npm test provisions it as root)");

const CORPUS = join(import.meta.dirname, "..", "fixtures", "prefs-corpus");

interface Seen {
  type: "string" | "int" | "bool";
  /** Strings as hex of their bytes. */
  value: string | number | boolean;
  default: string | number | boolean | null;
}
interface Reading {
  corrupted: boolean;
  prefs: Record<string, Seen>;
}

let tb: Marionette;
let dir: string;
let serial = 0;

beforeAll(async () => {
  if (!hasThunderbird) return;
  dir = await tempDir("ro-tb-oracle-");
  const profile = join(dir, "profile");
  await mkdir(profile);
  tb = await Marionette.start(profile);
}, 90_000);
afterAll(async () => tb?.quit());

/** Renames the corpus's "t." prefs to a prefix no other file uses (Thunderbird keeps defaults for ever). */
function withPrefix(data: Buffer, prefix: string): Buffer {
  return Buffer.from(data.toString("latin1").replace(/(["'])t\./g, `$1${prefix}.`), "latin1");
}

async function thunderbirdReads(data: Buffer, prefix: string): Promise<Reading> {
  const file = join(dir, `${prefix}.js`);
  await writeFile(file, data);
  return tb.execute<Reading>(`
    const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
    file.initWithPath(${JSON.stringify(file)});
    let corrupted = false;
    try { Services.prefs.readUserPrefsFromFile(file); } catch (e) { corrupted = true; }
    const hex = (s) => Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
    const prefs = {};
    const defaults = Services.prefs.getDefaultBranch("");
    for (const name of Services.prefs.getChildList(${JSON.stringify(`${prefix}.`)})) {
      const t = Services.prefs.getPrefType(name);
      const get = (branch) => (t === 32 ? hex(branch.getCharPref(name)) : t === 64 ? branch.getIntPref(name) : branch.getBoolPref(name));
      let d = null;
      try { d = get(defaults); } catch (e) {}
      prefs[name] = { type: t === 32 ? "string" : t === 64 ? "int" : "bool", value: get(Services.prefs), default: d };
      Services.prefs.clearUserPref(name);
    }
    return { corrupted, prefs };
  `);
}

function weRead(data: Buffer, prefix: string): Reading {
  const parsed = parsePrefs(data);
  const seen = (v: { value: string | number | boolean; bytes?: Buffer }) => (v.bytes ? v.bytes.toString("hex") : v.value);
  const defaults = new Map<string, { value: string | number | boolean; bytes?: Buffer }>();
  for (const e of parsed.entries) if (e.kind !== "user") defaults.set(e.name, e);
  const prefs: Record<string, Seen> = {};
  for (const [name, e] of effectivePrefs([{ file: "x", parsed }])) {
    if (!name.startsWith(`${prefix}.`)) continue;
    const d = defaults.get(name);
    prefs[name] = { type: typeof e.value === "string" ? "string" : typeof e.value === "number" ? "int" : "bool", value: seen(e), default: d ? seen(d) : null };
  }
  return { corrupted: parsed.errors.length > 0, prefs };
}

/** A reading as text, its prefs in name order (the order each reader lists them in is not the file's). */
const canonical = (r: Reading) => JSON.stringify({ corrupted: r.corrupted, prefs: Object.fromEntries(Object.entries(r.prefs).sort(([a], [b]) => (a < b ? -1 : 1))) });

// Generated files: prefs of every kind and value shape, formatting variations, comments, the three
// line endings, an occasional bad line and NUL padding. Each name keeps one type.
const NAMES = { string: ["s0", "s1", "s2"], int: ["i0", "i1", "i2"], bool: ["b0", "b1"] } as const;
const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const stringLiteral = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => formatValue(s)),
  fc.constantFrom(
    raw('"Zo\\xc3\\xab"'), raw('"caf\\u00e9 \\ud83d\\ude00"'), raw('"/home/b', [0xf6], 'rje"'), raw("'it\\'s \"x\"'"), raw('"a\\\\b\\nc\\rd"'),
    raw('"line\nbreak"'), raw('"cr\rhere"'), raw('"crlf\r\nthere"'), raw('""'), raw('"\\x7f\\x01"'), raw("'single'"),
  ),
);
const intLiteral = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
  fc.constantFrom("- 1", "- /* c */ 456", "+ 7", "-\n9", "0000000000012", "2147483647", "-2147483648", "+0"),
);
const between = fc.constantFrom("", " ", "\t", " /* c */ ", "\n", "\r\n ");
const prefLine = fc.oneof(
  fc.record({ kind: fc.constantFrom("user_pref", "user_pref", "pref", "sticky_pref"), name: fc.constantFrom(...NAMES.string), value: stringLiteral, gap: between }),
  fc.record({ kind: fc.constantFrom("user_pref", "user_pref", "pref"), name: fc.constantFrom(...NAMES.int), value: intLiteral.map((s) => Buffer.from(s)), gap: between }),
  fc.record({ kind: fc.constantFrom("user_pref", "pref"), name: fc.constantFrom(...NAMES.bool), value: fc.constantFrom(raw("true"), raw("false")), gap: between }),
);
const item = fc.oneof(
  { weight: 8, arbitrary: prefLine.map(({ kind, name, value, gap }) => raw(`${kind}${gap}("t.${name}",${gap}`, [...value], `${gap});`)) },
  { weight: 2, arbitrary: fc.constantFrom(raw("// comment"), raw("# hash"), raw("/* block\n comment */"), raw("// caf", [0xe9]), raw("// a NUL ", [0], " inside"), raw("#", [0]), raw("/* NUL ", [0], " */"), raw("/;"), raw("/x")) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      raw('user_pref("t.e0", 1, locked);'), raw('user_pref("t.e1", 3000000000);'), raw('user_pref("t.e2", "\\u0000");'), raw("junk;"),
      raw('user_pref("t.e3", 1)'), raw('user_pref("t.e4",', [0xc2, 0xa0], "1);"), raw('user_pref("t.e5", "\\q");'),
    ),
  },
);
const prefsFile = fc
  .tuple(fc.array(item, { maxLength: 14 }), fc.constantFrom("\n", "\r\n", "\r"), fc.boolean(), fc.boolean(), fc.boolean())
  .map(([items, eol, trailing, padded, bom]) => raw(...(bom ? [[0xef, 0xbb, 0xbf]] : []), ...items.flatMap((i) => [[...i], eol]).slice(0, trailing ? undefined : -1), ...(padded ? [[0, 0, 0], 'user_pref("t.after", 1);'] : [])));

describe.skipIf(!hasThunderbird)("prefs.js as the real Thunderbird reads it", () => {
  it("agrees with Thunderbird on every file of the corpus", async () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith(".js")).sort();
    expect(files.length).toBeGreaterThan(25);
    // Every disagreement at once, each with both readings.
    const disagreements: string[] = [];
    for (const file of files) {
      const prefix = `c${++serial}`;
      const data = withPrefix(readFileSync(join(CORPUS, file)), prefix);
      const [ours, theirs] = [canonical(weRead(data, prefix)), canonical(await thunderbirdReads(data, prefix))];
      if (ours !== theirs) disagreements.push(`${file}:\n  ours        ${JSON.stringify(ours)}\n  Thunderbird ${JSON.stringify(theirs)}`);
    }
    expect(disagreements).toEqual([]);
  }, 120_000);

  it("agrees with Thunderbird on generated files (property)", async () => {
    await fc.assert(
      fc.asyncProperty(prefsFile, async (file) => {
        const prefix = `g${++serial}`;
        const data = withPrefix(file, prefix);
        expect(weRead(data, prefix)).toEqual(await thunderbirdReads(data, prefix));
      }),
      { numRuns: 120, seed: 20261130 },
    );
  }, 300_000);

  it("after configure, every preference we do not own reads back in Thunderbird exactly as before", async () => {
    const config = (await unsignedPayload()).config;
    const valid = prefsFile.filter((f) => parsePrefs(f).errors.length === 0);
    await fc.assert(
      fc.asyncProperty(valid, async (file) => {
        const prefix = `k${++serial}`;
        const data = withPrefix(file, prefix);
        const profile = await tempDir("ro-tb-oracle-profile-");
        await writeFile(join(profile, "prefs.js"), data);
        await configureThunderbird({ profile, config, email: "alice@internal.test", policies: [] });
        const written = await readFile(join(profile, "prefs.js"));
        expect(parsePrefs(written).errors).toEqual([]);
        const before = await thunderbirdReads(data, prefix);
        const after = await thunderbirdReads(written, prefix);
        expect(after).toEqual(before);
      }),
      { numRuns: 40, seed: 20261201 },
    );
  }, 300_000);
});
