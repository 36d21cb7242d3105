// Windows .reg files (what `reg export` writes): the values of one key, as strings, numbers and
// string lists. Only the value kinds policies use are read: REG_SZ, REG_DWORD, REG_MULTI_SZ and
// REG_EXPAND_SZ.

export type RegData = string | number | string[];

function unquote(text: string): string {
  return text.replace(/\\(["\\])/g, "$1");
}

function hexBytes(list: string): Buffer {
  return Buffer.from(list.replace(/\\\s*\r?\n\s*/g, "").split(",").map((b) => b.trim()).filter(Boolean).map((b) => parseInt(b, 16)));
}

/** Values under `key` (matched case-insensitively). Throws on a line it cannot read. */
export function parseRegFile(text: string, key: string): Map<string, RegData> {
  const body = text.replace(/^\uFEFF/, "");
  if (!/^(Windows Registry Editor Version 5\.00|REGEDIT4)/.test(body.trimStart())) throw new Error("not a .reg file");
  // Join continuation lines (hex data wraps with a trailing backslash).
  const lines = body.replace(/\\\r?\n\s*/g, "").split(/\r?\n/);
  const values = new Map<string, RegData>();
  let inKey = false;
  for (const line of lines) {
    if (line.startsWith("[")) {
      inKey = line.slice(1, -1).toLowerCase() === key.toLowerCase();
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
    else throw new Error(`unsupported value type for "${name}"`);
  }
  return values;
}
