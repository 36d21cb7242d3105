// prefs.js, read with a real tokenizer (the grammar of Mozilla's preference parser: pref,
// user_pref and sticky_pref calls; strings in either quote style with escapes; integers; booleans;
// //, /* */ and # comments) and edited in place: only the values we change are rewritten, every
// other byte of the file — comments, order, unknown prefs — is kept.

export type PrefValue = string | number | boolean;

export interface PrefEntry {
  name: string;
  value: PrefValue;
  /** Offsets of the value's source text, for in-place replacement. */
  valueStart: number;
  valueEnd: number;
}

export class PrefsSyntaxError extends Error {
  override readonly name = "PrefsSyntaxError";
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const FUNCTIONS = new Set(["pref", "user_pref", "sticky_pref"]);

class Tokenizer {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(why: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new PrefsSyntaxError(`prefs.js line ${line}: ${why}`, this.pos);
  }

  /** Skips whitespace and comments. */
  skip(): void {
    for (;;) {
      const rest = this.text.slice(this.pos, this.pos + 2);
      const c = this.text[this.pos];
      if (c !== undefined && /\s/.test(c)) this.pos++;
      else if (rest === "//" || c === "#") {
        const end = this.text.indexOf("\n", this.pos);
        this.pos = end === -1 ? this.text.length : end + 1;
      } else if (rest === "/*") {
        const end = this.text.indexOf("*/", this.pos + 2);
        if (end === -1) this.fail("unterminated comment");
        this.pos = end + 2;
      } else return;
    }
  }

  expect(char: string): void {
    this.skip();
    if (this.text[this.pos] !== char) this.fail(`expected "${char}"`);
    this.pos++;
  }

  identifier(): string {
    this.skip();
    const match = /^[A-Za-z_]+/.exec(this.text.slice(this.pos, this.pos + 32));
    if (!match) this.fail("expected pref(), user_pref() or sticky_pref()");
    this.pos += match[0].length;
    return match[0];
  }

  string(): string {
    this.skip();
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") this.fail("expected a string");
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail("unterminated string");
      if (c === quote) return out;
      if (c === "\n" || c === "\r") this.fail("line break inside a string");
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      switch (e) {
        case '"':
        case "'":
        case "\\":
          out += e;
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "x": {
          const hex = this.text.slice(this.pos, this.pos + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(hex) || hex === "00") this.fail("bad \\x escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 2;
          break;
        }
        case "u": {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`unknown escape \\${e ?? ""}`);
      }
    }
  }

  value(): { value: PrefValue; start: number; end: number } {
    this.skip();
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return { value: this.string(), start, end: this.pos };
    const word = /^(true|false|[+-]?\d+)/.exec(this.text.slice(this.pos, this.pos + 24));
    if (!word) this.fail("expected a string, a number, true or false");
    this.pos += word[0].length;
    const raw = word[0];
    const value = raw === "true" ? true : raw === "false" ? false : Number(raw);
    if (typeof value === "number" && !Number.isSafeInteger(value)) this.fail("integer out of range");
    return { value, start, end: this.pos };
  }
}

/** Parses prefs.js; throws PrefsSyntaxError on anything Thunderbird itself would not read. */
export function parsePrefs(text: string): PrefEntry[] {
  const t = new Tokenizer(text);
  const entries: PrefEntry[] = [];
  for (;;) {
    t.skip();
    if (t.pos >= text.length) return entries;
    const fn = t.identifier();
    if (!FUNCTIONS.has(fn)) t.fail(`unknown function ${fn}()`);
    t.expect("(");
    const name = t.string();
    t.expect(",");
    const { value, start, end } = t.value();
    t.skip();
    // pref() in defaults files may carry attributes (", locked", ", sticky"); allow and ignore them.
    while (text[t.pos] === ",") {
      t.pos++;
      t.identifier();
      t.skip();
    }
    t.expect(")");
    t.expect(";");
    entries.push({ name, value, valueStart: start, valueEnd: end });
  }
}

/** Serialises a value the way Thunderbird writes it (double quotes; \\ and " escaped). */
export function formatValue(value: PrefValue): string {
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`pref values must be integers, got ${value}`);
    return String(value);
  }
  const escaped = value.replace(/[\\"\n\r]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r" })[c]!);
  return `"${escaped}"`;
}

export interface PrefChange {
  name: string;
  before: PrefValue | undefined;
  after: PrefValue;
}

/**
 * Applies `updates` to the text: existing prefs get their value replaced where they stand (the last
 * occurrence, which is the one Thunderbird uses), new ones are appended. Returns the new text and
 * the changes actually made (nothing for values that are already right).
 */
export function applyPrefs(text: string, updates: ReadonlyMap<string, PrefValue>): { text: string; changes: PrefChange[] } {
  const entries = parsePrefs(text);
  const last = new Map<string, PrefEntry>();
  for (const e of entries) last.set(e.name, e);
  const changes: PrefChange[] = [];
  const replacements: Array<{ start: number; end: number; text: string }> = [];
  const appended: string[] = [];
  for (const [name, value] of updates) {
    const existing = last.get(name);
    if (existing && existing.value === value) continue;
    changes.push({ name, before: existing?.value, after: value });
    if (existing) replacements.push({ start: existing.valueStart, end: existing.valueEnd, text: formatValue(value) });
    else appended.push(`user_pref(${formatValue(name)}, ${formatValue(value)});`);
  }
  let out = text;
  for (const r of replacements.sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  if (appended.length > 0) {
    if (out.length > 0 && !out.endsWith("\n")) out += "\n";
    out += appended.join("\n") + "\n";
  }
  return { text: out, changes };
}

/** The effective value of every pref (the last occurrence wins, as in Thunderbird). */
export function prefsMap(text: string): Map<string, PrefValue> {
  return new Map(parsePrefs(text).map((e) => [e.name, e.value]));
}
