// Windows text as Windows tools write it: registry exports in every form a multi-line or typed value
// takes (escaped and raw line breaks, hex(1), hex(2), hex(7), dwords, continuation lines, UTF-16LE with
// a BOM), and JSON inputs saved by Notepad (UTF-8 with a BOM) or PowerShell 5.1 (UTF-16LE).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTrustedKeysFile } from "../../src/config/load.js";
import { decodeText } from "../../src/fs/text.js";
import { readLinuxPolicy, readWindowsPolicy, WINDOWS_POLICY_KEYS } from "../../src/policy/sources.js";
import type { Runner } from "../../src/processRunner.js";
import { decodeRegFile, parseRegFile } from "../../src/windows/registry.js";
import { jwksText, makeKey, tempDir } from "../helpers/org.js";

const KEY = "HKLM\\SOFTWARE\\Policies\\RelayOnboard";
const HEADER = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\RelayOnboard]\r\n";

/** A value as `reg export` writes REG_SZ in hex: UTF-16LE bytes and the terminating NUL, wrapped at 25 bytes a line. */
function hex1(name: string, text: string, kind = 1): string {
  const bytes = [...Buffer.from(`${text}\0`, "utf16le")].map((b) => b.toString(16).padStart(2, "0"));
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 25) lines.push(bytes.slice(i, i + 25).join(","));
  return `"${name}"=hex(${kind}):${lines.join(",\\\r\n  ")}\r\n`;
}

/** The trusted keys as `config keygen` writes them: several lines. */
async function keygenJson(): Promise<{ text: string; kid: string }> {
  const key = await makeKey();
  return { text: `${JSON.stringify(JSON.parse(jwksText([key])), null, 2)}\n`, kid: key.kid };
}

const runnerFor = (hklm: Buffer | string): Runner => async (_cmd, args) => {
  if (args[1] !== WINDOWS_POLICY_KEYS[0]) return { code: 1, stdout: "", stderr: "ERROR: The system was unable to find the specified registry key or value." };
  await writeFile(args[2]!, hklm);
  return { code: 0, stdout: "The operation completed successfully.", stderr: "" };
};
const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);

describe("registry exports: every form a value takes", () => {
  it("reads a multi-line string escaped (Wine's regedit), raw inside the quotes (Windows' regedit) and as hex(1)", async () => {
    const { text, kid } = await keygenJson();
    const escaped = `"trustedKeys"="${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"\r\n`;
    const raw = `"trustedKeys"="${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\r\n")}"\r\n`;
    for (const [form, line, want] of [["escaped", escaped, text], ["raw", raw, text.replace(/\n/g, "\r\n")], ["hex(1)", hex1("trustedKeys", text), text]] as const) {
      const values = parseRegFile(`${HEADER}${line}"caStore"="system"\r\n`, KEY, { strict: true }).values;
      expect(values.get("trustedKeys"), form).toBe(want);
      expect(values.get("caStore"), form).toBe("system");
      const policy = await readWindowsPolicy(runnerFor(utf16(`${HEADER}${line}`)));
      expect(policy?.trustedKeys?.keys.has(kid), form).toBe(true);
    }
  });

  it("reads hex(2), hex(7) and dwords, names with escapes, and the default value", () => {
    const text =
      `${HEADER}@="default"\r\n"quote\\"d"="a\\\\b"\r\n"allowDemo"=dword:00000001\r\n` +
      hex1("expand", "%ProgramData%\\RelayOnboard", 2) +
      `"clients"=hex(7):74,00,68,00,75,00,6e,00,64,00,65,00,72,00,62,00,69,00,72,00,64,00,00,00,6f,00,\\\r\n  75,00,74,00,6c,00,6f,00,6f,00,6b,00,00,00,00,00\r\n`;
    const values = parseRegFile(text, KEY, { strict: true }).values;
    expect(Object.fromEntries(values)).toEqual({ "(Default)": "default", 'quote"d': "a\\b", allowDemo: 1, expand: "%ProgramData%\\RelayOnboard", clients: ["thunderbird", "outlook"] });
  });

  it("decodes a .reg file in UTF-16LE with a BOM (reg export) and in UTF-8 with a BOM (saved again in Notepad)", () => {
    const text = `${HEADER}"caStore"="nss"\r\n`;
    for (const data of [utf16(text), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), Buffer.from(text)]) {
      expect(parseRegFile(decodeRegFile(data), KEY).values.get("caStore")).toBe("nss");
    }
  });

  it("refuses what it cannot read in visible words: a string never closed, bad hex, an unknown kind under strict, junk after a string", () => {
    expect(() => parseRegFile(`${HEADER}"caStore"="nss\r\n`, KEY)).toThrow(/a quoted string never ends: "nss/);
    expect(() => parseRegFile(`${HEADER}"x"=hex(1):zz,00\r\n`, KEY)).toThrow(/unreadable hex data: zz,00/);
    expect(() => parseRegFile(`${HEADER}"x"=hex(b):01,00,00,00,00,00,00,00\r\n`, KEY, { strict: true })).toThrow(/unsupported value type for "x": hex\(b\)/);
    expect(parseRegFile(`${HEADER}"x"=hex:01\r\n"y"="ok"\r\n`, KEY).values).toEqual(new Map([["y", "ok"]]));
    expect(() => parseRegFile(`${HEADER}"x"="a" junk\r\n`, KEY)).toThrow(/unreadable line: "x"="a" junk/);
    expect(() => parseRegFile(`${HEADER}x=1\r\n`, KEY)).toThrow(/unreadable line: x=1/);
  });

  it("a policy value it cannot read is BAD_INPUT naming the key", async () => {
    await expect(readWindowsPolicy(runnerFor(utf16(`${HEADER}"caStore"="nss\r\n`)))).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/managed policy HKLM\\SOFTWARE\\Policies\\RelayOnboard cannot be read: a quoted string never ends/) as unknown });
  });

  it("keeps other keys' values and subkeys apart", () => {
    const text = `${HEADER}"a"="1"\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\RelayOnboard\\Sub]\r\n"a"="2"\r\n"m"="line one\r\nline two"\r\n`;
    expect(parseRegFile(text, KEY)).toEqual({ values: new Map([["a", "1"]]), subkeys: ["Sub"] });
    expect(parseRegFile(text, `${KEY}\\Sub`).values).toEqual(new Map([["a", "2"], ["m", "line one\r\nline two"]]));
  });
});

describe("JSON inputs saved by Windows tools", () => {
  it("decodeText: UTF-8 with a BOM, UTF-16LE and UTF-16BE with theirs, plain UTF-8", () => {
    const text = '{"é": "ü"}\r\n';
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(decodeText(utf16(text))).toBe(text);
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]))).toBe(text);
    expect(decodeText(Buffer.from(text))).toBe(text);
  });

  it("decodeText: only a whole byte-order mark counts; a dangling UTF-16BE byte is dropped", () => {
    // U+F8FF is EF A3 BF, U+FEC0 is EF BB 80 and U+0EFF is E0 BB BF in UTF-8: each shares bytes with the UTF-8 BOM.
    for (const text of ["\uf8ffx", "\ufec0x", "\u0effx", "abc"]) expect(decodeText(Buffer.from(text)), JSON.stringify(text)).toBe(text);
    // Bytes that begin like a UTF-16 BOM but are not one stay UTF-8 (invalid bytes become U+FFFD).
    for (const bytes of [[0xff, 0x41], [0x41, 0xfe, 0x42], [0xfe, 0x41], [0x41, 0xff, 0x42]]) {
      expect(decodeText(Buffer.from(bytes)), bytes.join(",")).toBe(Buffer.from(bytes).toString("utf8"));
    }
    expect(decodeText(Buffer.from([0xfe, 0xff, 0x00, 0x41, 0x00, 0x42, 0x00]))).toBe("AB");
  });

  it("a trusted-keys file that cannot be read is named with the reason's code", async () => {
    const missing = join(await tempDir("ro-wintext-missing-"), "trusted-keys.json");
    await expect(readTrustedKeysFile(missing)).rejects.toMatchObject({ code: "BAD_INPUT", message: `cannot read the trusted keys ${missing}: file not found` });
  });

  it("trusted keys and policy.json in UTF-8 with a BOM or UTF-16 are read", async () => {
    const dir = await tempDir("ro-wintext-");
    const { text, kid } = await keygenJson();
    const policy = JSON.stringify({ caStore: "system", trustedKeys: JSON.parse(text) as unknown });
    for (const [form, encode] of [["utf8-bom", (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])], ["utf16le", utf16]] as const) {
      await writeFile(join(dir, `${form}.json`), encode(text.replace(/\n/g, "\r\n")));
      expect((await readTrustedKeysFile(join(dir, `${form}.json`))).keys.has(kid), form).toBe(true);
      await writeFile(join(dir, `${form}-policy.json`), encode(policy));
      expect((await readLinuxPolicy(join(dir, `${form}-policy.json`)))?.caStore, form).toBe("system");
    }
  });
});
