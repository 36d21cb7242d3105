// The Windows registry, read the one way the tool reads it: `reg export` of a key to a file, then
// that .reg file parsed. Used by managed policy and by the Outlook detection. Only the value kinds
// those need are read (REG_SZ, REG_DWORD, REG_MULTI_SZ, REG_EXPAND_SZ); names and types in an export
// are not localised, unlike `reg query`'s column layout.
import { windowsTool } from "../systemTools.js";
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

function unquote(text: string): string {
  return text.replace(/\\(["\\])/g, "$1");
}

function hexBytes(list: string): Buffer {
  return Buffer.from(list.split(",").map((b) => b.trim()).filter(Boolean).map((b) => parseInt(b, 16)));
}

/** `reg export` writes UTF-16LE with a BOM; REGEDIT4 files are 8-bit. */
export function decodeRegFile(data: Buffer): string {
  return data[0] === 0xff && data[1] === 0xfe ? data.subarray(2).toString("utf16le") : data.toString("utf8");
}

/**
 * One key of a .reg file (matched case-insensitively, short or long hive name). Throws on a line it
 * cannot read; `strict` also throws on value kinds it does not read (binary, qword), which are
 * otherwise skipped — policy is strict, since a setting it cannot read must not be ignored.
 */
export function parseRegFile(text: string, key: string, options: { strict?: boolean } = {}): RegKey {
  const body = text.replace(/^\uFEFF/, "");
  if (!/^(Windows Registry Editor Version 5\.00|REGEDIT4)/.test(body.trimStart())) throw new Error("not a .reg file");
  // Join continuation lines (hex data wraps with a trailing backslash).
  const lines = body.replace(/\\\r?\n\s*/g, "").split(/\r?\n/);
  const wanted = longKeyName(key).toLowerCase();
  const values = new Map<string, RegData>();
  const subkeys: string[] = [];
  let inKey = false;
  for (const line of lines) {
    if (line.startsWith("[")) {
      const name = line.slice(1, -1).toLowerCase();
      inKey = name === wanted;
      const rest = name.startsWith(`${wanted}\\`) ? line.slice(1, -1).slice(wanted.length + 1) : "";
      if (rest && !rest.includes("\\")) subkeys.push(rest);
      continue;
    }
    if (!inKey || line.trim() === "" || line.startsWith(";")) continue;
    const match = /^(@|"((?:[^"\\]|\\.)*)")=(.*)$/.exec(line);
    if (!match) throw new Error(`unreadable line: ${line.slice(0, 60)}`);
    const name = match[1] === "@" ? "(Default)" : unquote(match[2]!);
    const data = match[3]!;
    if (data.startsWith('"') && data.endsWith('"')) values.set(name, unquote(data.slice(1, -1)));
    else if (data.startsWith("dword:")) values.set(name, parseInt(data.slice(6), 16));
    else if (data.startsWith("hex(7):")) values.set(name, hexBytes(data.slice(7)).toString("utf16le").split("\0").filter(Boolean));
    else if (data.startsWith("hex(2):")) values.set(name, hexBytes(data.slice(7)).toString("utf16le").replace(/\0+$/, ""));
    else if (options.strict) throw new Error(`unsupported value type for "${name}"`);
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
