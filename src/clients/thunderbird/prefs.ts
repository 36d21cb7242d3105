// prefs.js and user.js, read the way Thunderbird's preference parser (Mozilla's libpref) reads
// them and edited byte for byte. Following libpref's grammar (modules/libpref/parser):
// - the file is bytes, after a UTF-8 byte-order mark if one opens it (Notepad's); a NUL byte where
//   a token would start ends it; inside a comment or a string it ends that comment or string (a
//   `/* */` or string so ended is an error) and reading goes on after it, as libpref consumes it
//   there (checked with Thunderbird 153); end of line is LF, CR, or CR LF;
// - `user_pref(name, value);` sets a user value, `pref(...)` a default, `sticky_pref(...)` a sticky
//   default; in a user file (prefs.js, user.js) no attributes (`, locked`) may follow the value;
// - names and string values are single- or double-quoted byte strings: escapes \" \' \\ \n \r, \xNN
//   giving one byte (never 00), \uNNNN giving UTF-16 encoded as UTF-8 (surrogates in pairs, never
//   0000); a raw line break inside a string is part of it;
// - integers are tokens of digits (not followed by a letter or _), with an optional + or - token
//   before them (comments and spaces may sit between), in the signed 32-bit range;
// - comments: `# …` and `// …` to the end of the line, `/* … */`; spaces are TAB, VT, FF, SP;
// - on an error the parser reports it and skips to the next `;`, keeping what it read before and
//   reading on after. Thunderbird then flags the file as corrupted; we report every error.
// Values are kept as bytes: what we do not change is never decoded and re-encoded.

export type PrefValue = string | number | boolean;
export type PrefKind = "user" | "default" | "sticky";

export interface PrefEntry {
  kind: PrefKind;
  /** The name's bytes as Latin-1 text (one character per byte), so distinct names never collide. */
  name: string;
  /** Strings as UTF-8 text (invalid bytes shown as U+FFFD), numbers, booleans. */
  value: PrefValue;
  /** The string's exact bytes. */
  bytes?: Buffer;
  /** Byte offsets of the value's source text, for in-place replacement. */
  valueStart: number;
  valueEnd: number;
  /** Byte offsets of the whole statement, from its specifier to just after its ";". */
  start: number;
  end: number;
  line: number;
}

export interface PrefsProblem {
  line: number;
  column: number;
  offset: number;
  message: string;
}

export interface ParsedPrefs {
  entries: PrefEntry[];
  errors: PrefsProblem[];
  /** Where Thunderbird stops reading: a NUL byte outside a line comment, or the end of the file. */
  end: number;
}

export class PrefsSyntaxError extends Error {
  override readonly name = "PrefsSyntaxError";
  constructor(readonly problem: PrefsProblem) {
    super(`line ${problem.line}, column ${problem.column}: ${problem.message}`);
  }
}

const INT_MAX = 2 ** 31 - 1;
const KEYWORDS = new Set(["pref", "user_pref", "sticky_pref", "true", "false", "sticky", "locked"]);

type Token =
  | { t: "char"; c: string; start: number }
  | { t: "eof"; start: number }
  | { t: "word"; word: string; start: number }
  | { t: "string"; bytes: Buffer; start: number; end: number }
  | { t: "int"; value: number; start: number; end: number }
  /** `at` and `lineStart`: where an error inside a string is, when it is not at the token's start. */
  | { t: "error"; message: string; start: number; line?: number; at?: number; lineStart?: number };

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c;
const isWordByte = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const hexValue = (b: number) => (isDigit(b) ? b - 0x30 : b >= 0x41 && b <= 0x46 ? b - 0x37 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1);

class Lexer {
  pos = 0;
  line = 1;
  lineStart = 0;
  constructor(
    private readonly buf: Buffer,
    readonly end: number,
  ) {}

  /** The byte at `i`, or 0 (EOF) past the end. */
  private at(i: number): number {
    return i < this.end ? this.buf[i]! : 0;
  }

  private newline(afterCr: boolean): void {
    if (afterCr && this.at(this.pos) === 0x0a) this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  column(offset: number): number {
    return offset - this.lineStart + 1;
  }

  /** To the end of the line (the line break is consumed), or to a NUL byte (consumed too). */
  private lineComment(): void {
    for (;;) {
      const b = this.at(this.pos);
      if (b === 0 && this.pos >= this.end) return;
      this.pos++;
      if (b === 0) return;
      if (b === 0x0a) return this.newline(false);
      if (b === 0x0d) return this.newline(true);
    }
  }

  /** A NUL byte before the end of the file, which libpref reads as EOF but consumes inside a comment or string. */
  private consumeNul(): void {
    if (this.pos < this.end) this.pos++;
  }

  /** False when the file (or a NUL byte, consumed) ends inside the comment. */
  private blockComment(): boolean {
    for (;;) {
      const b = this.at(this.pos);
      if (b === 0) {
        this.consumeNul();
        return false;
      }
      this.pos++;
      if (b === 0x2a && this.at(this.pos) === 0x2f) {
        this.pos++;
        return true;
      }
      if (b === 0x0a) this.newline(false);
      else if (b === 0x0d) this.newline(true);
    }
  }

  next(): Token {
    for (;;) {
      const start = this.pos;
      const b = this.at(this.pos);
      if (b === 0) return { t: "eof", start };
      this.pos++;
      if (isSpace(b)) continue;
      if (b === 0x0a) {
        this.newline(false);
        continue;
      }
      if (b === 0x0d) {
        this.newline(true);
        continue;
      }
      if (b === 0x28 || b === 0x29 || b === 0x2b || b === 0x2c || b === 0x2d || b === 0x3b) return { t: "char", c: String.fromCharCode(b), start };
      if (b === 0x23) {
        this.lineComment();
        continue;
      }
      if (b === 0x2f) {
        const c = this.at(this.pos);
        if (c === 0x2f) {
          this.pos++;
          this.lineComment();
          continue;
        }
        if (c === 0x2a) {
          this.pos++;
          if (!this.blockComment()) return { t: "error", message: "unterminated /* comment", start };
          continue;
        }
        // libpref consumes the byte after "/" unless it ends a line (or the file).
        if (c !== 0x0a && c !== 0x0d && this.pos < this.end) this.pos++;
        return { t: "error", message: "expected '/' or '*' after '/'", start };
      }
      if (isWordByte(b)) {
        while (isWordByte(this.at(this.pos))) this.pos++;
        const word = this.buf.toString("latin1", start, this.pos);
        return KEYWORDS.has(word) ? { t: "word", word, start } : { t: "error", message: "unknown keyword", start };
      }
      if (isDigit(b)) {
        let value = b - 0x30;
        let overflow = false;
        for (;;) {
          const c = this.at(this.pos);
          if (isDigit(c)) {
            this.pos++;
            value = value * 10 + (c - 0x30);
            // libpref reads the digits as an unsigned 32-bit number.
            if (value > 0xffffffff) overflow = true;
          } else if (isWordByte(c)) {
            return { t: "error", message: "unexpected character in integer literal", start };
          } else break;
        }
        return overflow ? { t: "error", message: "integer literal overflowed", start } : { t: "int", value, start, end: this.pos };
      }
      if (b === 0x22 || b === 0x27) return this.string(b, start);
      return { t: "error", message: "unexpected character", start };
    }
  }

  private string(quote: number, start: number): Token {
    const out: number[] = [];
    let error: { message: string; line: number; at: number; lineStart: number } | undefined;
    // The first problem, at the byte where it starts (a string may span lines).
    let here = start;
    const fail = (message: string) => (error ??= { message, line: this.line, at: here, lineStart: this.lineStart });
    const hex = (digits: number): number | undefined => {
      let value = 0;
      for (let i = 0; i < digits; i++) {
        const h = hexValue(this.at(this.pos));
        if (h < 0) return undefined; // the byte is left for the string loop (a quote, EOF, …)
        value = value * 16 + h;
        this.pos++;
      }
      return value;
    };
    for (;;) {
      here = this.pos;
      const b = this.at(this.pos);
      if (b === 0) {
        this.consumeNul();
        fail("unterminated string literal");
        break;
      }
      this.pos++;
      if (b === quote) break;
      if (b === 0x0a) {
        out.push(b);
        this.newline(false);
        continue;
      }
      if (b === 0x0d) {
        out.push(b);
        if (this.at(this.pos) === 0x0a) out.push(0x0a);
        this.newline(true);
        continue;
      }
      if (b !== 0x5c) {
        out.push(b);
        continue;
      }
      const e = this.at(this.pos);
      if (e === 0) {
        this.consumeNul();
        fail("unexpected escape sequence character after '\\'");
        continue;
      }
      this.pos++;
      if (e === 0x22 || e === 0x27 || e === 0x5c) out.push(e);
      else if (e === 0x6e) out.push(0x0a);
      else if (e === 0x72) out.push(0x0d);
      else if (e === 0x78) {
        const value = hex(2);
        if (value === undefined) fail("malformed \\x escape sequence");
        else if (value === 0) fail("\\x00 is not allowed");
        else out.push(value);
      } else if (e === 0x75) {
        const unit = hex(4);
        if (unit === undefined) {
          fail("malformed \\u escape sequence");
          continue;
        }
        let code = unit;
        if ((unit & 0xfc00) === 0xd800) {
          // A high surrogate must be followed by \u and a low surrogate.
          // As libpref: a backslash here is consumed even when no "u" follows it.
          let low: number | undefined;
          if (this.at(this.pos) === 0x5c) {
            this.pos++;
            if (this.at(this.pos) === 0x75) {
              this.pos++;
              low = hex(4);
              if (low !== undefined && (low & 0xfc00) !== 0xdc00) {
                fail("invalid low surrogate after high surrogate");
                continue;
              }
            }
          }
          if (low === undefined) {
            fail("expected low surrogate after high surrogate");
            continue;
          }
          code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        } else if (unit === 0) {
          fail("\\u0000 is not allowed");
          continue;
        }
        // A lone low surrogate is no text: libpref's UTF-16 → UTF-8 conversion refuses it.
        if ((code & 0xfc00) === 0xdc00 && code < 0x10000) {
          fail("expected high surrogate before low surrogate");
          continue;
        }
        for (const byte of Buffer.from(String.fromCodePoint(code), "utf8")) out.push(byte);
      } else {
        // The byte after the backslash is read again as part of the string.
        this.pos--;
        fail("unexpected escape sequence character after '\\'");
      }
    }
    if (error) return { t: "error", message: error.message, start, line: error.line, at: error.at, lineStart: error.lineStart };
    return { t: "string", bytes: Buffer.from(out), start, end: this.pos };
  }
}

/** The UTF-8 byte-order mark an editor may put first; Thunderbird reads past it. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads a user preferences file (prefs.js or user.js) as Thunderbird does: every pref it would
 * take, in order, and every error it would report (each error skips to the next `;`).
 */
export function parsePrefs(input: Buffer | string): ParsedPrefs {
  const data = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const end = data.length;
  const lex = new Lexer(data, end);
  if (data.subarray(0, BOM.length).equals(BOM)) lex.pos = lex.lineStart = BOM.length;
  const entries: PrefEntry[] = [];
  const errors: PrefsProblem[] = [];
  let token = lex.next();

  const recover = (bad: Token, message: string): Token => {
    const why = bad.t === "error" ? bad.message : message;
    const inString = bad.t === "error" && bad.at !== undefined && bad.lineStart !== undefined;
    const line = inString ? bad.line! : lex.line;
    const offset = Math.min(inString ? bad.at! : bad.start, end);
    const column = inString ? offset - bad.lineStart! + 1 : lex.column(offset);
    errors.push({ line, column, offset, message: why });
    // Skip to the token after the next ";" (or to the end).
    let t = bad;
    for (;;) {
      if (t.t === "eof") return t;
      if (t.t === "char" && t.c === ";") return lex.next();
      t = lex.next();
    }
  };

  for (;;) {
    if (token.t === "eof") return { entries, errors, end: token.start };
    let kind: PrefKind;
    if (token.t === "word" && token.word === "user_pref") kind = "user";
    else if (token.t === "word" && token.word === "pref") kind = "default";
    else if (token.t === "word" && token.word === "sticky_pref") kind = "sticky";
    else {
      token = recover(token, "expected pref specifier at start of pref definition");
      continue;
    }
    const line = lex.line;
    const start = token.start;
    token = lex.next();
    if (!(token.t === "char" && token.c === "(")) {
      token = recover(token, "expected '(' after pref specifier");
      continue;
    }
    const nameToken = lex.next();
    if (nameToken.t !== "string") {
      token = recover(nameToken, "expected pref name after '('");
      continue;
    }
    token = lex.next();
    if (!(token.t === "char" && token.c === ",")) {
      token = recover(token, "expected ',' after pref name");
      continue;
    }
    token = lex.next();
    let value: PrefValue;
    let bytes: Buffer | undefined;
    const valueStart = token.start;
    let valueEnd: number;
    if (token.t === "word" && (token.word === "true" || token.word === "false")) {
      value = token.word === "true";
      valueEnd = token.start + token.word.length;
    } else if (token.t === "string") {
      bytes = token.bytes;
      value = token.bytes.toString("utf8");
      valueEnd = token.end;
    } else if (token.t === "int") {
      if (token.value > INT_MAX) {
        token = recover({ t: "error", message: "integer literal overflowed", start: token.start }, "");
        continue;
      }
      value = token.value;
      valueEnd = token.end;
    } else if (token.t === "char" && (token.c === "-" || token.c === "+")) {
      const sign = token.c;
      token = lex.next();
      if (token.t !== "int") {
        token = recover(token, `expected integer literal after '${sign}'`);
        continue;
      }
      if (token.value > INT_MAX + (sign === "-" ? 1 : 0)) {
        token = recover({ t: "error", message: "integer literal overflowed", start: token.start }, "");
        continue;
      }
      value = sign === "-" ? -token.value : token.value;
      valueEnd = token.end;
    } else {
      token = recover(token, "expected pref value after ','");
      continue;
    }
    token = lex.next();
    if (!(token.t === "char" && token.c === ")")) {
      token = recover(token, "expected ')' after pref value");
      continue;
    }
    token = lex.next();
    if (!(token.t === "char" && token.c === ";")) {
      token = recover(token, "expected ';' after ')'");
      continue;
    }
    entries.push({ kind, name: nameToken.bytes.toString("latin1"), value: Object.is(value, -0) ? 0 : value, ...(bytes ? { bytes } : {}), valueStart, valueEnd, start, end: token.start + 1, line });
    token = lex.next();
  }
}

/** Throws the first error, for callers that must refuse a file Thunderbird would flag. */
export function parsePrefsStrict(input: Buffer | string): PrefEntry[] {
  const parsed = parsePrefs(input);
  const first = parsed.errors[0];
  if (first) throw new PrefsSyntaxError(first);
  return parsed.entries;
}

export interface EffectivePref {
  value: PrefValue;
  bytes?: Buffer;
  /** Whether a user value (user_pref) decides it, rather than a default. */
  user: boolean;
  /** The file and entry that decide it. */
  source: { file: string; entry: PrefEntry };
}

/**
 * What Thunderbird uses after reading the files in order (prefs.js, then user.js): the last user
 * value of each pref, else its last default — a user value wins whatever the order.
 */
export function effectivePrefs(files: Array<{ file: string; parsed: ParsedPrefs }>): Map<string, EffectivePref> {
  const user = new Map<string, EffectivePref>();
  const defaults = new Map<string, EffectivePref>();
  for (const { file, parsed } of files) {
    for (const entry of parsed.entries) {
      const e: EffectivePref = { value: entry.value, ...(entry.bytes ? { bytes: entry.bytes } : {}), user: entry.kind === "user", source: { file, entry } };
      (entry.kind === "user" ? user : defaults).set(entry.name, e);
    }
  }
  const out = new Map(defaults);
  for (const [name, e] of user) out.set(name, e);
  return out;
}

/** Effective values of one file, as a plain map (the common case, and the tests'). */
export function prefsMap(input: Buffer | string): Map<string, PrefValue> {
  return new Map([...effectivePrefs([{ file: "prefs.js", parsed: parsePrefs(input) }])].map(([name, e]) => [name, e.value]));
}

/** The bytes Thunderbird would write for a value (double quotes; \\ " \n \r escaped; UTF-8). */
export function formatValue(value: PrefValue): Buffer {
  if (typeof value === "boolean") return Buffer.from(String(value));
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value > INT_MAX || value < -INT_MAX - 1) throw new RangeError(`pref values must be 32-bit integers, got ${value}`);
    return Buffer.from(String(value));
  }
  // Only what Thunderbird can read back as the same text: no NUL, no lone surrogate.
  if (value.includes("\0") || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
    throw new RangeError("pref strings must be valid text without NUL");
  }
  const escaped = value.replace(/[\\"\n\r]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r" })[c]!);
  return Buffer.from(`"${escaped}"`, "utf8");
}

function sameValue(entry: PrefEntry, value: PrefValue): boolean {
  if (typeof value === "string") return entry.bytes !== undefined && entry.bytes.equals(Buffer.from(value, "utf8"));
  return entry.value === value;
}

/** The file's own line ending, for lines we append: CR LF, CR, or LF. */
function lineEnding(data: Buffer, end: number): string {
  const text = data.toString("latin1", 0, end);
  if (text.includes("\r\n")) return "\r\n";
  if (text.includes("\r")) return "\r";
  return "\n";
}

export interface PrefChange {
  name: string;
  before: PrefValue | undefined;
  after: PrefValue;
}

/**
 * Sets user values: each pref's last user_pref has its value replaced where it stands; prefs
 * without one get a user_pref appended (before any NUL padding, which Thunderbird would not read
 * past). Names are text; a non-ASCII one is matched by its UTF-8 bytes, as it is written. Every other byte is kept. Values already right are left alone.
 */
export function applyPrefs(input: Buffer | string, updates: ReadonlyMap<string, PrefValue>): { data: Buffer; changes: PrefChange[] } {
  const data = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const parsed = parsePrefs(data);
  const first = parsed.errors[0];
  if (first) throw new PrefsSyntaxError(first);
  const lastUser = new Map<string, PrefEntry>();
  for (const e of parsed.entries) if (e.kind === "user") lastUser.set(e.name, e);
  // Parsed names are their bytes as Latin-1; an update names a pref as text (written as UTF-8).
  const asParsed = (name: string) => Buffer.from(name, "utf8").toString("latin1");
  const changes: PrefChange[] = [];
  const replacements: Array<{ start: number; end: number; bytes: Buffer }> = [];
  const appended: Buffer[] = [];
  const eol = lineEnding(data, parsed.end);
  for (const [name, value] of updates) {
    const existing = lastUser.get(asParsed(name));
    if (existing && sameValue(existing, value)) continue;
    changes.push({ name, before: existing?.value, after: value });
    if (existing) replacements.push({ start: existing.valueStart, end: existing.valueEnd, bytes: formatValue(value) });
    else appended.push(Buffer.concat([Buffer.from("user_pref("), formatValue(name), Buffer.from(", "), formatValue(value), Buffer.from(`);${eol}`)]));
  }
  // Later offsets first, so earlier ones stay valid.
  replacements.sort((a, b) => b.start - a.start);
  let out = data;
  for (const r of replacements) out = Buffer.concat([out.subarray(0, r.start), r.bytes, out.subarray(r.end)]);
  if (appended.length > 0) {
    const end = parsePrefs(out).end; // where Thunderbird stops reading (before any NUL padding)
    const head = out.subarray(0, end);
    const needsBreak = head.length > 0 && head[head.length - 1] !== 0x0a && head[head.length - 1] !== 0x0d;
    out = Buffer.concat([head, ...(needsBreak ? [Buffer.from(eol)] : []), ...appended, out.subarray(end)]);
  }
  return { data: out, changes };
}

/**
 * Takes out every user_pref statement for these names (each one: an earlier one would take effect
 * once the last is gone), with its line when the statement is alone on it. Every other byte is kept.
 */
export function removePrefs(input: Buffer, names: ReadonlySet<string>): { data: Buffer; removed: Array<{ name: string; before: PrefValue }> } {
  const parsed = parsePrefs(input);
  const first = parsed.errors[0];
  if (first) throw new PrefsSyntaxError(first);
  const doomed = parsed.entries.filter((e) => e.kind === "user" && names.has(e.name));
  const removed = new Map<string, PrefValue>();
  for (const e of doomed) removed.set(e.name, e.value);
  let out = input;
  for (const e of [...doomed].sort((a, b) => b.start - a.start)) {
    let [from, to] = [e.start, e.end];
    let lineStart = from;
    while (lineStart > 0 && (out[lineStart - 1] === 0x20 || out[lineStart - 1] === 0x09)) lineStart--;
    let lineEnd = to;
    while (lineEnd < out.length && (out[lineEnd] === 0x20 || out[lineEnd] === 0x09)) lineEnd++;
    const atLineStart = lineStart === 0 || out[lineStart - 1] === 0x0a || out[lineStart - 1] === 0x0d;
    if (atLineStart && (lineEnd === out.length || out[lineEnd] === 0x0a || out[lineEnd] === 0x0d)) {
      from = lineStart;
      to = lineEnd + (out[lineEnd] === 0x0d && out[lineEnd + 1] === 0x0a ? 2 : lineEnd < out.length ? 1 : 0);
    }
    out = Buffer.concat([out.subarray(0, from), out.subarray(to)]);
  }
  return { data: out, removed: [...removed].map(([name, before]) => ({ name, before })) };
}
