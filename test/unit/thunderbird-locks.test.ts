// Thunderbird deployment rules in detail: the policies.json "Preferences" reader (every shape IT may
// write, and what it ignores), the autoconfig call reader and its literals, the autoconfig file an
// installation names (spacing, shift, a path in the name), and where installations are looked for.
// The end-to-end refusal is in thunderbird-prefs.test.ts.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extraPolicyFiles, findPrefPolicies, installDirs, parseAutoconfig, parsePolicies } from "../../src/clients/thunderbird/locks.js";
import { mergePolicies } from "../../src/clients/thunderbird/policies.js";
import { jsonDepth, parsePoliciesJson } from "../../src/truststore/policiesJson.js";
import { tempDir } from "../helpers/org.js";

const shapes = (text: string) => parsePolicies(text, "p.json").map((p) => [p.name, p.status, p.value]);

describe("parsePolicies", () => {
  it("reads { Value, Status } with every status, and a bare value as locked", () => {
    const text = JSON.stringify({ policies: { Preferences: {
      a: { Value: "s", Status: "user" }, b: { Value: true, Status: "clear" }, c: { Value: 3, Status: "locked" }, d: { Value: false, Status: "default" },
      e: { Value: 1, Status: "bogus" }, f: { Value: 2 }, g: 7, h: "text", i: false,
    } } });
    expect(shapes(text)).toEqual([
      ["a", "user", "s"], ["b", "clear", true], ["c", "locked", 3], ["d", "default", false],
      ["e", "locked", 1], ["f", "locked", 2], ["g", "locked", 7], ["h", "locked", "text"], ["i", "locked", false],
    ]);
    expect(parsePolicies(text, "/etc/p.json").every((p) => p.file === "/etc/p.json")).toBe(true);
  });

  it("keeps a rule whose value it cannot use (a fraction, an object, a list, null) without a value", () => {
    const text = JSON.stringify({ policies: { Preferences: { a: { Value: 1.5, Status: "locked" }, b: { Value: { x: 1 } }, c: [1], d: null, e: 2.5 } } });
    const found = parsePolicies(text, "p.json");
    expect(found.map((p) => [p.name, p.status, "value" in p])).toEqual([["a", "locked", false], ["b", "locked", false], ["c", "locked", false], ["d", "locked", false], ["e", "locked", false]]);
  });

  it("finds nothing in a file that is not a policies file, or has no Preferences object", () => {
    for (const text of ["{ not json", "null", "[]", "{}", '{"policies": null}', '{"policies": {}}', '{"policies": {"Preferences": null}}', '{"policies": {"Preferences": []}}', '{"policies": {"Preferences": "x"}}', '{"policies": {"Preferences": 3}}']) {
      expect(parsePolicies(text, "p.json"), text).toEqual([]);
    }
  });
});

describe("parseAutoconfig", () => {
  const calls = (text: string) => parseAutoconfig(text, "a.cfg").map((p) => [p.name, p.status, p.value]);

  it("reads each call's literal: signed and multi-digit numbers, both quote styles with escapes, booleans, spacing", () => {
    expect(calls(`lockPref("a", +5); pref("b", -12); defaultPref('c', 'single'); lockPref("d", "say \\"hi\\""); pref ( "e" ,  true ); clearPref( "f" ); lockPref("g",123);`)).toEqual([
      ["a", "locked", 5], ["b", "user", -12], ["c", "default", "single"], ["d", "locked", 'say "hi"'], ["e", "user", true], ["f", "clear", undefined], ["g", "locked", 123],
    ]);
  });

  it("leaves the value out when it is computed, not a literal", () => {
    expect(calls(`lockPref("a", 5 + x); lockPref("b", "x" + y); lockPref("c", 1e3); lockPref("d", getenv("X")); lockPref("e", x5);`).map(([n, s, v]) => [n, s, v])).toEqual([
      ["a", "locked", undefined], ["b", "locked", undefined], ["c", "locked", undefined], ["d", "locked", undefined], ["e", "locked", undefined],
    ]);
  });

  it("only these four calls count, as whole words", () => {
    expect(calls(`mylockPref("a", 1); setPref("b", 2); unlockPref("c"); getPref("d"); lockPref("e", 1);`)).toEqual([["e", "locked", 1]]);
  });
});

describe("the autoconfig file an installation names", () => {
  async function installation(prefJs: string, cfg: Buffer | string, jsName = "autoconfig.js"): Promise<string> {
    const dir = await tempDir("ro-tb-autoconfig-");
    await mkdir(join(dir, "defaults", "pref"), { recursive: true });
    await writeFile(join(dir, "defaults", "pref", jsName), prefJs);
    await writeFile(join(dir, "org.cfg"), cfg);
    return dir;
  }
  const shifted = (text: string, by: number) => Buffer.from(Buffer.from(text).map((b) => (b + by) % 256));
  const names = async (dir: string) => (await findPrefPolicies([dir], [])).map((p) => [p.name, p.value]);

  it("reads the file name and shift with any spacing, a two-digit shift included", async () => {
    const dir = await installation('pref( "general.config.filename" ,  "org.cfg" );\npref( "general.config.obscure_value" , 10 );\n', shifted('// first\nlockPref("mail.x", 1);\n', 10));
    expect(await names(dir)).toEqual([["mail.x", 1]]);
  });

  it("ignores a name with a folder in it, a file that is not .js in defaults/pref, and a missing .cfg", async () => {
    expect(await names(await installation('pref("general.config.filename", "../org.cfg");\npref("general.config.obscure_value", 0);\n', 'lockPref("mail.x", 1);'))).toEqual([]);
    expect(await names(await installation('pref("general.config.filename", "org.cfg");\npref("general.config.obscure_value", 0);\n', 'lockPref("mail.x", 1);', "autoconfig.txt"))).toEqual([]);
    expect(await names(await installation('pref("general.config.filename", "other.cfg");\n', 'lockPref("mail.x", 1);'))).toEqual([]);
  });
});

describe("where Thunderbird is installed", () => {
  it("per platform, and the Linux system policies file", () => {
    expect(installDirs("linux")).toEqual(["/usr/lib/thunderbird", "/usr/lib64/thunderbird", "/opt/thunderbird", "/snap/thunderbird/current/thunderbird-bin", "/var/lib/flatpak/app/org.mozilla.Thunderbird/current/active/files/lib/thunderbird"]);
    expect(extraPolicyFiles("linux")).toEqual(["/etc/thunderbird/policies/policies.json"]);
    expect(extraPolicyFiles("win32")).toEqual([]);
    expect(extraPolicyFiles("darwin")).toEqual([]);
  });
});

describe("one policies.json reader for the lock check, status and the writer (policiesJson.ts)", () => {
  const lockTrySsl = { "mail.smtpserver.smtp1.try_ssl": { Value: 3, Status: "locked" } };

  it("a file behind a UTF-8 byte-order mark decides nothing (Thunderbird 153 ignores it whole), and the writer refuses it", () => {
    const text = `\uFEFF${JSON.stringify({ policies: { Preferences: lockTrySsl } })}`;
    expect(shapes(text)).toEqual([]);
    expect(shapes(text.slice(1))).toEqual([["mail.smtpserver.smtp1.try_ssl", "locked", 3]]);
    expect(() => mergePolicies(text, ["/c.pem"], () => false, "/etc/p.json")).toThrow(expect.objectContaining({
      code: "BAD_INPUT", message: "/etc/p.json starts with a byte-order mark, which makes Thunderbird ignore the whole file (no policy in it applies): save it as UTF-8 without one; it was left unchanged — correct it (or move it away) and run again",
    }));
  });

  it("keeps a __proto__ or constructor member as plain data: the locks around it still count", () => {
    const text = `{"__proto__": {"x": 1}, "policies": {"constructor": true, "Preferences": {"__proto__": {"Value": 1, "Status": "locked"}, "mail.smtpserver.smtp1.try_ssl": {"Value": 3, "Status": "locked"}}}}`;
    expect(shapes(text)).toEqual([["__proto__", "locked", 1], ["mail.smtpserver.smtp1.try_ssl", "locked", 3]]);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
    // The writer keeps such members too: IT's file loses nothing.
    const merged = JSON.parse(mergePolicies(text, ["/c.pem"], () => false, "p.json")) as Record<string, unknown>;
    expect(Object.keys(merged)).toEqual(["__proto__", "policies"]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });

  it("refuses nesting past 64 levels (BAD_INPUT naming the file), in the reader and the writer alike; 64 is read", () => {
    const nested = (depth: number) => `{"policies": {"Preferences": {}, "Deep": ${"[".repeat(depth - 2)}${"]".repeat(depth - 2)}}}`;
    expect(jsonDepth(nested(64))).toBe(64);
    expect(shapes(nested(64))).toEqual([]);
    expect(() => parsePolicies(nested(65), "/etc/p.json")).toThrow(expect.objectContaining({ code: "BAD_INPUT", message: "/etc/p.json nests objects or lists more than 64 levels deep; no policies file does" }));
    expect(() => mergePolicies(nested(65), [], () => false, "/etc/p.json")).toThrow(expect.objectContaining({ code: "BAD_INPUT", message: expect.stringMatching(/^\/etc\/p\.json nests .*; it was left unchanged/) as unknown }));
    // A million brackets: refused before any parser or writer recurses.
    expect(() => parsePolicies("[".repeat(1_000_000), "p.json")).toThrow(expect.objectContaining({ code: "BAD_INPUT" }));
    // Brackets inside strings, escaped quotes included, do not count.
    expect(jsonDepth(`{"a": "[[[[\\"[[[", "b": ["]"]}`)).toBe(2);
    // Siblings close before the next opens: depth is nesting, not a count of brackets.
    expect(jsonDepth("[[],[],[[]]]")).toBe(3);
  });

  it("a file that is not JSON decides nothing for the lock check (Thunderbird ignores it) and is refused by the writer", () => {
    expect(shapes('{"policies": {"Preferences": {"a": 1}},}')).toEqual([]);
    expect(() => parsePoliciesJson("{", "p.json")).toThrow(expect.objectContaining({ code: "BAD_INPUT", message: expect.stringMatching(/^p\.json is not valid JSON/) as unknown }));
    expect(parsePoliciesJson("{", "p.json", { ignored: "undefined" })).toBeUndefined();
  });
});
