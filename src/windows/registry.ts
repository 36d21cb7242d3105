// The Windows registry, read the one way the tool reads it: `reg export` of a key to a file, then
// that .reg file parsed. Used by managed policy and by the Outlook detection. Only the value kinds
// those need are read (REG_SZ, REG_DWORD, REG_MULTI_SZ, REG_EXPAND_SZ); names and types in an export
// are not localised, unlike `reg query`'s column layout.
import { windowsTool } from "../systemTools.js";
import { decodeText } from "../fs/text.js";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runner } from "../processRunner.js";

export type RegData = string | number | string[];

export interface RegKey {
  values: Map<string, RegData>;
  /** Names of the direct subkeys. */
  subkeys: string[];
}

/** The hive names `reg export` writes, for the short ones our keys use. */
export function longKeyName(key: string): string {
  return key.replace(/^HKLM\\/i, "HKEY_LOCAL_MACHINE\\").replace(/^HKCU\\/i, "HKEY_CURRENT_USER\\");
}

function hexBytes(list: string): Buffer {
  const bytes = list.split(",").map((b) => b.trim()).filter(Boolean);
  if (bytes.some((b) => !/^[0-9a-f]{1,2}$/i.test(b))) throw new Error(`unreadable hex data: ${list.slice(0, 60)}`);
  return Buffer.from(bytes.map((b) => parseInt(b, 16)));
}

/** `reg export` writes UTF-16LE with a BOM; REGEDIT4 files are 8-bit; a file saved again may be UTF-8 with a BOM. */
export function decodeRegFile(data: Buffer): string {
  return decodeText(data);
}

/** UTF-16LE data of hex(1), hex(2), hex(7): the string(s) without their terminating NULs. */
const utf16 = (list: string) => hexBytes(list).toString("utf16le");

/**
 * A quoted string from `at` (the opening quote): `\\` and `\"` as regedit writes them, `\n` and `\r` as
 * Wine's regedit writes line breaks; a line break may also stand raw inside the quotes (Windows'
 * regedit writes multi-line strings so). Returns the text and the index after the closing quote.
 */
function quoted(body: string, at: number): { text: string; end: number } {
  let text = "";
  for (let i = at + 1; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') return { text, end: i + 1 };
    if (c !== "\\") {
      text += c;
      continue;
    }
    const next = body[++i];
    text += next === "n" ? "\n" : next === "r" ? "\r" : next === "0" ? "\0" : next === '"' || next === "\\" ? next : `\\${next ?? ""}`;
  }
  throw new Error(`a quoted string never ends: ${body.slice(at, at + 60)}`);
}

/** The rest of a line from `at`, hex data's continuation lines (a trailing backslash) joined. */
function restOfLine(body: string, at: number): { text: string; end: number } {
  let text = "";
  let i = at;
  for (;;) {
    const nl = body.indexOf("\n", i);
    const line = (nl < 0 ? body.slice(i) : body.slice(i, nl)).replace(/\r$/, "");
    if (line.trimEnd().endsWith("\\") && nl >= 0) {
      text += line.trimEnd().slice(0, -1);
      i = nl + 1;
      while (body[i] === " " || body[i] === "\t") i++;
      continue;
    }
    return { text: text + line, end: nl < 0 ? body.length : nl + 1 };
  }
}

function valueOf(name: string, data: string, strict: boolean | undefined): RegData | undefined {
  if (data.startsWith("dword:") && /^[0-9a-f]{8}$/i.test(data.slice(6).trim())) return parseInt(data.slice(6), 16);
  if (data.startsWith("hex(1):")) return utf16(data.slice(7)).replace(/\0+$/, "");
  if (data.startsWith("hex(2):")) return utf16(data.slice(7)).replace(/\0+$/, "");
  if (data.startsWith("hex(7):")) return utf16(data.slice(7)).split("\0").filter(Boolean);
  if (strict) throw new Error(`unsupported value type for "${name}": ${data.slice(0, 20)}`);
  return undefined;
}

/**
 * One key of a .reg file (matched case-insensitively, short or long hive name), read in every form
 * `reg export` and regedit write: REG_SZ quoted (line breaks escaped, or raw inside the quotes) or
 * as hex(1), REG_EXPAND_SZ hex(2), REG_MULTI_SZ hex(7), REG_DWORD. Throws on a line it cannot read;
 * `strict` also throws on value kinds it does not read (binary, qword), which are otherwise skipped —
 * policy is strict, since a setting it cannot read must not be ignored.
 */
export function parseRegFile(text: string, key: string, options: { strict?: boolean } = {}): RegKey {
  const body = text.replace(/^\uFEFF/, "");
  if (!/^(Windows Registry Editor Version 5\.00|REGEDIT4)/.test(body.trimStart())) throw new Error("not a .reg file");
  const wanted = longKeyName(key).toLowerCase();
  const values = new Map<string, RegData>();
  const subkeys: string[] = [];
  let inKey = false;
  let i = 0;
  while (i < body.length) {
    const start = i;
    while (body[i] === " " || body[i] === "\t") i++;
    const c = body[i];
    if (c === "\r" || c === "\n" || c === undefined) {
      i = body.indexOf("\n", i) < 0 ? body.length : body.indexOf("\n", i) + 1;
      continue;
    }
    if (c === "[" || c === ";" || !inKey) {
      const { text: line, end } = restOfLine(body, i);
      i = end;
      if (c !== "[") continue;
      const name = line.trim().slice(1, -1).toLowerCase();
      inKey = name === wanted;
      const rest = name.startsWith(`${wanted}\\`) ? line.trim().slice(1, -1).slice(wanted.length + 1) : "";
      if (rest && !rest.includes("\\")) subkeys.push(rest);
      continue;
    }
    let name: string;
    if (c === "@") {
      name = "(Default)";
      i++;
    } else if (c === '"') {
      const q = quoted(body, i);
      name = q.text;
      i = q.end;
    } else throw new Error(`unreadable line: ${restOfLine(body, start).text.slice(0, 60)}`);
    if (body[i] !== "=") throw new Error(`unreadable line: ${restOfLine(body, start).text.slice(0, 60)}`);
    i++;
    if (body[i] === '"') {
      const q = quoted(body, i);
      values.set(name, q.text);
      const after = restOfLine(body, q.end);
      if (after.text.trim() !== "") throw new Error(`unreadable line: ${restOfLine(body, start).text.slice(0, 60)}`);
      i = after.end;
      continue;
    }
    const { text: data, end } = restOfLine(body, i);
    i = end;
    const value = valueOf(name, data.trim(), options.strict);
    if (value !== undefined) values.set(name, value);
  }
  return { values, subkeys };
}

/**
 * Exports `key` (with its subkeys) and returns a reader for it and the keys below it; undefined
 * when the key does not exist.
 */
export async function exportRegistryKey(key: string, runner: Runner, options: { strict?: boolean } = {}): Promise<((sub?: string) => RegKey) | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "relay-onboard-reg-"));
  try {
    const file = join(dir, "export.reg");
    const r = await runner(windowsTool("reg.exe"), ["export", key, file, "/y"]);
    if (r.code !== 0) return undefined;
    const text = decodeRegFile(await readFile(file));
    return (sub) => parseRegFile(text, sub ? `${key}\\${sub}` : key, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
