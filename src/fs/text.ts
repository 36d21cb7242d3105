// Text files as people's tools save them on Windows: Notepad's UTF-8 with a byte-order mark,
// PowerShell 5.1's `>` and Out-File (UTF-16LE with a BOM), and UTF-16BE. Decoded by their BOM;
// without one, UTF-8. The BOM itself is never part of the text.
import { readFile } from "node:fs/promises";

export function decodeText(data: Buffer): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.subarray(3).toString("utf8");
  if (data[0] === 0xff && data[1] === 0xfe) return data.subarray(2).toString("utf16le");
  if (data[0] === 0xfe && data[1] === 0xff) {
    const swapped = Buffer.from(data.subarray(2, 2 + ((data.length - 2) & ~1)));
    return swapped.swap16().toString("utf16le");
  }
  return data.toString("utf8");
}

export async function readTextFile(path: string): Promise<string> {
  return decodeText(await readFile(path));
}
