// prefs.js and user.js: the reader (libpref's grammar), the byte-exact editor, the account planner,
// configure's judgement of what Thunderbird will use, and the lock check.
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authMethodFor, describeAccountOutcome, planThunderbirdAccount } from "../../src/clients/thunderbird/accounts.js";
import { configureThunderbird, thunderbirdPending } from "../../src/clients/thunderbird/configure.js";
import { conflictingPolicy, findPrefPolicies } from "../../src/clients/thunderbird/locks.js";
import { profileLock } from "../../src/fs/profileLock.js";
import { applyPrefs, effectivePrefs, formatValue, parsePrefs, parsePrefsStrict, prefsMap, PrefsSyntaxError, type PrefValue } from "../../src/clients/thunderbird/prefs.js";
import { listProfiles } from "../../src/clients/thunderbird/profiles.js";
import type { OrgConfig } from "../../src/config/schema.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

async function orgConfig(): Promise<OrgConfig> {
  const payload = await unsignedPayload();
  return { ...payload.config, incoming: { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" } };
}

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const errorsOf = (input: Buffer | string) => parsePrefs(input).errors.map((e) => `${e.line}:${e.column} ${e.message}`);
const valuesOf = (input: Buffer | string) => parsePrefs(input).entries.map((e) => [e.kind, e.name, e.value]);

describe("prefs.js reader (libpref's grammar)", () => {
  it("reads strings in both quote styles with escapes, numbers, booleans and all comment styles", () => {
    const text = [
      "# Mozilla User Preferences",
      "/* a block",
      "   comment */",
      'user_pref("a.string", "He said \\"hi\\" \\\\ path\\nnext");',
      "user_pref('single', 'it\\'s');",
      'user_pref("unicode", "caf\\u00e9 \\x41 \\ud83d\\ude00");',
      'user_pref("int", -42); // trailing comment',
      'user_pref("bool", true);user_pref("off", false);',
      'pref("default.one", 1);',
      'sticky_pref("sticky", "x");',
    ].join("\n");
    expect(Object.fromEntries(prefsMap(text))).toEqual({
      "a.string": 'He said "hi" \\ path\nnext', single: "it's", unicode: "café A 😀", int: -42, bool: true, off: false, "default.one": 1, sticky: "x",
    });
    expect(valuesOf(text).filter(([kind]) => kind !== "user")).toEqual([["default", "default.one", 1], ["sticky", "sticky", "x"]]);
    expect(parsePrefs(text).errors).toEqual([]);
  });

  it("keeps string contents as bytes: \\x escapes are bytes, non-UTF-8 bytes survive", () => {
    const zoe = parsePrefs('user_pref("n", "Zo\\xc3\\xab");').entries[0]!;
    expect(zoe.value).toBe("Zoë");
    expect([...zoe.bytes!]).toEqual([0x5a, 0x6f, 0xc3, 0xab]);
    const latin1 = parsePrefs(bytes('user_pref("p", "/home/b', [0xf6], 'rje");')).entries[0]!;
    expect([...latin1.bytes!]).toEqual([...Buffer.from("/home/b"), 0xf6, ...Buffer.from("rje")]);
    expect(parsePrefs(bytes('user_pref("', [0xe9], '", 1);')).entries[0]!.name).toBe("\u00e9");
  });

  it("a user value beats a default whatever their order; the last of each kind wins", () => {
    expect(prefsMap('user_pref("a", 2);\npref("a", 0);\n').get("a")).toBe(2);
    expect(prefsMap('pref("a", 0);\nuser_pref("a", 2);\n').get("a")).toBe(2);
    expect(prefsMap('pref("a", 0);\npref("a", 1);\n').get("a")).toBe(1);
    expect(prefsMap('user_pref("a", 1);\nuser_pref("a", 3);\npref("a", 9);\n').get("a")).toBe(3);
    const both = effectivePrefs([{ file: "prefs.js", parsed: parsePrefs('user_pref("a", 1);\n') }, { file: "user.js", parsed: parsePrefs('user_pref("a", 0);\n') }]).get("a")!;
    expect([both.value, both.source.file, both.user]).toEqual([0, "user.js", true]);
    const defaultOnly = effectivePrefs([{ file: "prefs.js", parsed: parsePrefs('user_pref("a", 1);\n') }, { file: "user.js", parsed: parsePrefs('pref("a", 0);\n') }]).get("a")!;
    expect([defaultOnly.value, defaultOnly.source.file]).toEqual([1, "prefs.js"]);
  });

  it("ends lines at LF, CR or CR LF — comments too — and the file at the first NUL", () => {
    expect(valuesOf('user_pref("c", 1); // comment\ruser_pref("c", 2);\n')).toEqual([["user", "c", 1], ["user", "c", 2]]);
    expect(valuesOf('user_pref("f1", 1);\ruser_pref("f2", 2);\r')).toEqual([["user", "f1", 1], ["user", "f2", 2]]);
    expect(valuesOf('# x\r\nuser_pref("g", 3);\r\n')).toEqual([["user", "g", 3]]);
    const padded = bytes('user_pref("p", 7);\n', [0, 0, 0], 'user_pref("after", 8);\n');
    expect(valuesOf(padded)).toEqual([["user", "p", 7]]);
    expect(parsePrefs(padded).end).toBe('user_pref("p", 7);\n'.length);
    expect(errorsOf('user_pref("a", 1);\r\ruser_pref("b" 2);')).toEqual(["3:15 expected ',' after pref name"]);
  });

  it("accepts what libpref accepts: raw line breaks in strings, signs apart from digits, leading zeros", () => {
    expect(valuesOf('user_pref("h", "line\nbreak");\nuser_pref("h2", "cr\rhere");\nuser_pref("h3", "crlf\r\n!");')).toEqual([
      ["user", "h", "line\nbreak"], ["user", "h2", "cr\rhere"], ["user", "h3", "crlf\r\n!"],
    ]);
    expect(valuesOf('user_pref("i", - 1);\nuser_pref("i2", - /* c */ 456);\nuser_pref("i3", 0000000000000000000012);\nuser_pref("i4", + 5);')).toEqual([
      ["user", "i", -1], ["user", "i2", -456], ["user", "i3", 12], ["user", "i4", 5],
    ]);
    expect(valuesOf('user_pref("min", -2147483648);\nuser_pref("max", 2147483647);\nuser_pref("z", -0);')).toEqual([["user", "min", -2147483648], ["user", "max", 2147483647], ["user", "z", 0]]);
    expect(valuesOf('user_pref\t(\v"a"\f,1)\n;')).toEqual([["user", "a", 1]]);
  });

  it("flags what libpref flags, keeps the rest, and recovers at the next semicolon", () => {
    const cases: Array<[string | Buffer, string[], Array<[string, PrefValue]>]> = [
      ['user_pref("j", 3000000000);\nuser_pref("j2", 5);', ["1:16 integer literal overflowed"], [["j2", 5]]],
      ['user_pref("j", -2147483649);user_pref("j2", 5);', ["1:17 integer literal overflowed"], [["j2", 5]]],
      ['user_pref("j", 99999999999);', ["1:16 integer literal overflowed"], []],
      ['user_pref("k", 1, locked);\nuser_pref("k2", 5);', ["1:17 expected ')' after pref value"], [["k2", 5]]],
      // The attribute words are keywords to libpref (not unknown words): out of place they are "no pref specifier".
      ['sticky;\nuser_pref("s", 1);', ["1:1 expected pref specifier at start of pref definition"], [["s", 1]]],
      ['locked;', ["1:1 expected pref specifier at start of pref definition"], []],
      ['stickyx;', ["1:1 unknown keyword"], []],
      ['user_pref("l", "a\\u0000b");\nuser_pref("l3", 6);', ["1:18 \\u0000 is not allowed"], [["l3", 6]]],
      ['user_pref("l", "a\\x00b");', ["1:18 \\x00 is not allowed"], []],
      ['user_pref("l", "\\ud800x");', ["1:17 expected low surrogate after high surrogate"], []],
      ['user_pref("l", "\\ud800\\u0041");', ["1:17 invalid low surrogate after high surrogate"], []],
      ['user_pref("l", "\\udc00");', ["1:17 expected high surrogate before low surrogate"], []],
      ['user_pref("l", "\\x4g");', ["1:17 malformed \\x escape sequence"], []],
      ['user_pref("l", "\\u12");', ["1:17 malformed \\u escape sequence"], []],
      ['user_pref("l", "\\q");', ["1:17 unexpected escape sequence character after '\\'"], []],
      [bytes('user_pref("m",', [0xc2, 0xa0], '1);\nuser_pref("m2", 6);'), ["1:15 unexpected character"], [["m2", 6]]],
      ['user_pref("a", );', ["1:16 expected pref value after ','"], []],
      ['user_pref("a" 1);', ["1:15 expected ',' after pref name"], []],
      ['user_pref(a, 1);', ["1:11 unknown keyword"], []],
      ['user_pref("a", 1)\nuser_pref("b", 2);\nuser_pref("c", 3);', ["2:1 expected ';' after ')'"], [["c", 3]]],
      ['eval("a", 1);user_pref("b", 2);', ["1:1 unknown keyword"], [["b", 2]]],
      ['user_pref("a", 12abc);', ["1:16 unexpected character in integer literal"], []],
      ['user_pref("a", 1); / x', ["1:20 expected '/' or '*' after '/'"], [["a", 1]]],
      ['user_pref("a", 1);\n/* open', ["2:1 unterminated /* comment"], [["a", 1]]],
      ['user_pref("a", "open', ["1:21 unterminated string literal"], []],
      ['user_pref "a", 1);', ["1:11 expected '(' after pref specifier"], []],
      ['user_pref(1, 1);', ["1:11 expected pref name after '('"], []],
      // libpref's lexer reads digits as an unsigned 32-bit number: past it the token itself is the error,
      // wherever it stands; at 4294967295 it is still a number (here, out of place as a name).
      ['user_pref(4294967296, 1);', ["1:11 integer literal overflowed"], []],
      ['user_pref(4294967295, 1);', ["1:11 expected pref name after '('"], []],
      ['user_pref("a", -x);', ["1:17 unknown keyword"], []],
      ['user_pref("a", +"s");', ["1:17 expected integer literal after '+'"], []],
      ['1;user_pref("b", 2);', ["1:1 expected pref specifier at start of pref definition"], [["b", 2]]],
    ];
    for (const [input, errors, kept] of cases) {
      expect(errorsOf(input), String(input)).toEqual(errors);
      expect(parsePrefs(input).entries.map((e) => [e.name, e.value]), String(input)).toEqual(kept);
    }
    expect(() => parsePrefsStrict('user_pref("a", 1);\nuser_pref("b", x);')).toThrow(new PrefsSyntaxError({ line: 2, column: 16, offset: 34, message: "unknown keyword" }));
    expect(new PrefsSyntaxError({ line: 2, column: 16, offset: 34, message: "unknown keyword" }).message).toBe("line 2, column 16: unknown keyword");
  });

  it("reads hex escapes in either case, and tells letters, digits and underscores apart at their edges", () => {
    expect(valuesOf('user_pref("a", "\\xC3\\xAB\\xc3\\xab\\u00E9\\u00e9\\x41\\x46\\x61\\x66\\x30\\x39");')).toEqual([["user", "a", "ëëééAFaf09"]]);
    for (const bad of ["\\x4G", "\\x4g", "\\x4@", "\\x4`", "\\x4/", "\\x4:"]) expect(errorsOf(`user_pref("a", "${bad}");`), bad).toEqual(["1:17 malformed \\x escape sequence"]);
    for (const word of ["Apref", "Zpref", "prefZ", "pref_", "aUser_pref", "zuser_pref", "user_prefA"]) expect(errorsOf(`${word}("a", 1);`), word).toEqual(["1:1 unknown keyword"]);
    expect(errorsOf('pref@("a", 1);')).toEqual(["1:5 unexpected character"]);
    expect(errorsOf('user_pref("a", 1Z);')).toEqual(["1:16 unexpected character in integer literal"]);
    expect(errorsOf('user_pref("a", 1_);')).toEqual(["1:16 unexpected character in integer literal"]);
    expect(valuesOf('user_pref("a", 4294967295);')).toEqual([]);
    expect(valuesOf('pref("a", 2147483647);sticky_pref("b", -2147483648);')).toEqual([["default", "a", 2147483647], ["sticky", "b", -2147483648]]);
  });

  it("counts lines across every kind of line break: in comments, in strings, and between tokens", () => {
    expect(errorsOf("/*\n \r \r\n*/ bad")).toEqual(["4:4 unknown keyword"]);
    expect(errorsOf("#\n#\r#\r\n bad")).toEqual(["4:2 unknown keyword"]);
    expect(errorsOf("//\n//\r//\r\n bad")).toEqual(["4:2 unknown keyword"]);
    expect(errorsOf('user_pref("a", "x\ny\r\nz\rw");\nuser_pref("b" 1);')).toEqual(["5:15 expected ',' after pref name"]);
    // An error inside a string spanning lines is reported on the line where it is.
    expect(errorsOf('user_pref("a", "\\q\n\nx");')).toEqual(["1:17 unexpected escape sequence character after '\\'"]);
    expect(parsePrefs("# only a comment").entries).toEqual([]);
    expect(parsePrefs("// only a comment").entries).toEqual([]);
    expect(parsePrefs('user_pref("a", 1); // no line break at the end').entries.map((e) => e.name)).toEqual(["a"]);
    expect(parsePrefs('/*/ user_pref("a", 1); */').entries).toEqual([]);
    expect(errorsOf("/*/")).toEqual(["1:1 unterminated /* comment"]);
  });

  it("recovers exactly at the next semicolon, and resumes reading after an unknown escape", () => {
    expect(errorsOf('user_pref("a" 1) , user_pref("b", 2);user_pref("c", 3);')).toEqual(["1:15 expected ',' after pref name"]);
    expect(valuesOf('user_pref("a" 1) , user_pref("b", 2);user_pref("c", 3);')).toEqual([["user", "c", 3]]);
    expect(valuesOf('user_pref("a", "\\q");\nuser_pref("ok", 1);')).toEqual([["user", "ok", 1]]);
    expect(valuesOf('user_pref("a", "\\ud83d\\");user_pref("ok", 1);')).toEqual([["user", "ok", 1]]);
    expect(errorsOf('user_pref("a", "\\ud83d\\");user_pref("ok", 1);')).toEqual(["1:17 expected low surrogate after high surrogate"]);
    expect(valuesOf('user_pref("a", "\\ud83d\\ude00\\udbff\\udfff");')).toEqual([["user", "a", "😀\u{10ffff}"]]);
    expect(errorsOf('user_pref("a", "\\ud83d\\uDBFF");')).toEqual(["1:17 invalid low surrogate after high surrogate"]);
    expect(errorsOf('user_pref("a", "\\uDFFF");')).toEqual(["1:17 expected high surrogate before low surrogate"]);
    expect(valuesOf('user_pref("a", "\\uE000\\uFFFF\\uD7FF");')).toEqual([["user", "a", "\ue000\uffff\ud7ff"]]);
  });

  it("keeps the bytes of the value that decides each pref, and compares by bytes", () => {
    const data = bytes('pref("p", "d");user_pref("p", "/home/b', [0xf6], 'rje");');
    expect(effectivePrefs([{ file: "prefs.js", parsed: parsePrefs(data) }]).get("p")?.bytes).toEqual(bytes("/home/b", [0xf6], "rje"));
    // The lossy text of a non-UTF-8 value is not the same value: writing it changes the bytes.
    const { changes } = applyPrefs(data, new Map([["p", "/home/b\ufffdrje"]]));
    expect(changes).toHaveLength(1);
    expect(parsePrefsStrict('user_pref("a", 1);').map((e) => e.name)).toEqual(["a"]);
    expect(formatValue(2147483647).toString()).toBe("2147483647");
    expect(formatValue(-2147483648).toString()).toBe("-2147483648");
  });

  it("edits values in place and appends new prefs, keeping every other byte", () => {
    const text = '// keep me\nuser_pref("x", 1);\n/* and me */\nuser_pref("y", "old");\n';
    const { data, changes } = applyPrefs(text, new Map<string, PrefValue>([["y", "new"], ["z", true], ["x", 1]]));
    expect(data.toString()).toBe('// keep me\nuser_pref("x", 1);\n/* and me */\nuser_pref("y", "new");\nuser_pref("z", true);\n');
    expect(changes).toEqual([{ name: "y", before: "old", after: "new" }, { name: "z", before: undefined, after: true }]);
  });

  it("never touches a byte it does not own: non-UTF-8 values, CR line endings, NUL padding", () => {
    const original = bytes('user_pref("path", "/home/b', [0xf6], 'rje");\ruser_pref("x", 1);\r', [0, 0, 0, 0]);
    const { data } = applyPrefs(original, new Map<string, PrefValue>([["x", 2], ["new", "é"]]));
    expect(data).toEqual(bytes('user_pref("path", "/home/b', [0xf6], 'rje");\ruser_pref("x", 2);\ruser_pref("new", "', [0xc3, 0xa9], '");\r', [0, 0, 0, 0]));
    expect(prefsMap(data).get("new")).toBe("é");
    expect(applyPrefs(bytes('user_pref("a", 1);', [0], "junk"), new Map()).data).toEqual(bytes('user_pref("a", 1);', [0], "junk"));
    expect(() => applyPrefs('user_pref("a", 1, locked);', new Map([["b", 1]]))).toThrow(PrefsSyntaxError);
  });

  it("a default in the file is not replaced: a user value is added beside it", () => {
    const { data } = applyPrefs('pref("a", 1);\n', new Map([["a", 2]]));
    expect(data.toString()).toBe('pref("a", 1);\nuser_pref("a", 2);\n');
    expect(prefsMap(data).get("a")).toBe(2);
  });

  it("round-trips any string value through formatValue and the reader (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii" }), fc.string({ unit: "grapheme" }), (name, value) => {
        fc.pre(!name.includes("\0") && !value.includes("\0"));
        const text = Buffer.concat([Buffer.from("user_pref("), formatValue(name), Buffer.from(", "), formatValue(value), Buffer.from(");")]);
        return prefsMap(text).get(Buffer.from(name, "utf8").toString("latin1")) === value;
      }),
    );
  });

  it("formats only what Thunderbird reads back as written", () => {
    expect(formatValue(true).toString()).toBe("true");
    expect(formatValue(false).toString()).toBe("false");
    expect(formatValue(-2147483648).toString()).toBe("-2147483648");
    expect(formatValue('a"b\\c\nd\re').toString()).toBe('"a\\"b\\\\c\\nd\\re"');
    expect([...formatValue("é")]).toEqual([0x22, 0xc3, 0xa9, 0x22]);
    expect(() => formatValue(1.5)).toThrow("pref values must be 32-bit integers, got 1.5");
    expect(() => formatValue(2147483648)).toThrow(/32-bit/);
    expect(() => formatValue(-2147483649)).toThrow(/32-bit/);
    expect(() => formatValue("a\0b")).toThrow(/without NUL/);
    expect(() => formatValue("\ud800")).toThrow(/valid text/);
    expect(() => formatValue("\udc00x")).toThrow(/valid text/);
  });

  it("appends on a new line in the file's own line ending, and edits the last user value", () => {
    expect(applyPrefs("", new Map([["a", 1]])).data.toString()).toBe('user_pref("a", 1);\n');
    expect(applyPrefs('user_pref("x", 1);', new Map([["a", 1]])).data.toString()).toBe('user_pref("x", 1);\nuser_pref("a", 1);\n');
    expect(applyPrefs('user_pref("x", 1);\r\n', new Map([["a", 1]])).data.toString()).toBe('user_pref("x", 1);\r\nuser_pref("a", 1);\r\n');
    expect(applyPrefs('user_pref("x", 1);', new Map([["a", 1]])).data.toString()).toBe('user_pref("x", 1);\nuser_pref("a", 1);\n');
    const twice = 'user_pref("a", 1);\nuser_pref("a", 2);\n';
    const edited = applyPrefs(twice, new Map([["a", 3]]));
    expect(edited.data.toString()).toBe('user_pref("a", 1);\nuser_pref("a", 3);\n');
    expect(edited.changes).toEqual([{ name: "a", before: 2, after: 3 }]);
    expect(applyPrefs(twice, new Map([["a", 2]]))).toEqual({ data: Buffer.from(twice), changes: [] });
  });
});

const prefName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,3}$/),
  // The names the planner reads and edits, so existing servers, identities and accounts are reused
  // and rewritten in place, not only appended.
  fc.constantFrom(
    "mail.smtpservers", "mail.smtp.defaultserver", "mail.accountmanager.accounts", "mail.account.lastKey", "mail.accountmanager.defaultaccount",
    "mail.account.account1.identities", "mail.account.account1.server", "mail.account.account2.identities",
  ),
  fc.tuple(fc.constantFrom("smtp1", "smtp2", "smtp3"), fc.constantFrom("hostname", "username", "port", "try_ssl", "authMethod", "description", "type")).map(([k, f]) => `mail.smtpserver.${k}.${f}`),
  fc.tuple(fc.constantFrom("id1", "id2"), fc.constantFrom("useremail", "fullName", "smtpServer", "valid")).map(([k, f]) => `mail.identity.${k}.${f}`),
  fc.tuple(fc.constantFrom("server1", "server2"), fc.constantFrom("hostname", "type", "port", "socketType", "userName")).map(([k, f]) => `mail.server.${k}.${f}`),
);
const prefValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.boolean(),
  fc.constantFrom("relay.internal.test", "RELAY.internal.test", "alice@internal.test", "smtp1", "smtp1,smtp2", "smtp2", "id1", "account1", "server1", "account1,account2", 0, 1, 2, 3, 587),
);
const comment = fc.constantFrom("// comment", "/* block */", "# hash", "");

describe("writing the relay account (property over varied existing prefs.js files)", () => {
  it("keeps every pre-existing preference we do not own, and a second run changes nothing", async () => {
    const config = await orgConfig();
    fc.assert(
      fc.property(fc.array(fc.tuple(prefName, prefValue, comment, fc.constantFrom("user_pref", "user_pref", "pref", "sticky_pref"), fc.boolean()), { maxLength: 25 }), fc.boolean(), fc.constantFrom("\n", "\r\n", "\r"), (entries, singleQuotes, ending) => {
        const eol = ending;
        const lines = entries.map(([n, v, c, kind, raw]) => {
          const value = typeof v === "string" && singleQuotes
            ? Buffer.from(`'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`)
            : typeof v === "string" && raw ? Buffer.concat([Buffer.from('"'), Buffer.from([0xf6, 0xe9]), Buffer.from(v.replace(/[\\"\r\n]/g, "")), Buffer.from('"')]) : formatValue(v);
          return Buffer.concat([Buffer.from(c ? c + eol : ""), Buffer.from(`${kind}(`), formatValue(n), Buffer.from(", "), value, Buffer.from(");")]);
        });
        const original = Buffer.concat(lines.flatMap((l) => [l, Buffer.from(eol)]));
        const before = parsePrefs(original);
        expect(before.errors).toEqual([]);
        const plan = planThunderbirdAccount(prefsMap(original), { config, email: "alice@internal.test" });
        const once = applyPrefs(original, plan.updates);
        const after = effectivePrefs([{ file: "prefs.js", parsed: parsePrefs(once.data) }]);
        // Every pref we do not own keeps its exact bytes (and kind); ours have the planned values.
        for (const [name, e] of effectivePrefs([{ file: "prefs.js", parsed: before }])) {
          if (plan.updates.has(name)) continue;
          const now = after.get(name)!;
          expect([now.value, now.user, now.bytes?.toString("hex")]).toEqual([e.value, e.user, e.bytes?.toString("hex")]);
        }
        for (const [name, value] of plan.updates) expect(after.get(name)?.value).toBe(value);
        // What we wrote is text Thunderbird reads without complaint, in the file's own line ending.
        expect(parsePrefs(once.data).errors).toEqual([]);
        if (eol !== "\n" && original.length > 0) expect(once.data.toString("latin1").replace(/\r\n?/g, "")).not.toContain("\n");
        const secondPlan = planThunderbirdAccount(prefsMap(once.data), { config, email: "alice@internal.test" });
        const twice = applyPrefs(once.data, secondPlan.updates);
        expect(twice.changes).toEqual([]);
        expect(twice.data.equals(once.data)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("plans the documented preferences, never try_ssl 0 or 1", async () => {
    const plan = planThunderbirdAccount(new Map(), { config: await orgConfig(), email: "alice@internal.test", fullName: "Alice" });
    expect(Object.fromEntries(plan.updates)).toMatchObject({
      "mail.smtpservers": "smtp1",
      "mail.smtpserver.smtp1.type": "smtp",
      "mail.smtpserver.smtp1.hostname": "relay.internal.test",
      "mail.smtpserver.smtp1.port": 587,
      "mail.smtpserver.smtp1.try_ssl": 2,
      "mail.smtpserver.smtp1.authMethod": 3,
      "mail.smtpserver.smtp1.username": "alice@internal.test",
      "mail.identity.id1.useremail": "alice@internal.test",
      "mail.identity.id1.fullName": "Alice",
      "mail.identity.id1.smtpServer": "smtp1",
      "mail.accountmanager.accounts": "account1",
      "mail.account.account1.identities": "id1",
      "mail.account.account1.server": "server1",
      "mail.account.lastKey": 1,
      "mail.server.server1.type": "imap",
      "mail.server.server1.socketType": 3,
    });
    expect([2, 3]).toContain(planThunderbirdAccount(new Map(), { config: { ...(await orgConfig()), submission: { ...(await orgConfig()).submission, security: "tls" } }, email: "a@b.test" }).updates.get("mail.smtpserver.smtp1.try_ssl"));
    expect([authMethodFor(["PLAIN"]), authMethodFor(["LOGIN"]), authMethodFor(["CRAM-MD5"]), authMethodFor(["NTLM"]), authMethodFor(["XOAUTH2"])]).toEqual([3, 3, 4, 6, 10]);
  });

  it("applies the user-name template", async () => {
    const config = await orgConfig();
    config.submission.username = "CORP\\{local}";
    const plan = planThunderbirdAccount(new Map(), { config, email: "alice@internal.test" });
    expect(plan.updates.get("mail.smtpserver.smtp1.username")).toBe("CORP\\alice");
  });
});

describe("re-running configure with a changed configuration", () => {
  it("rewrites every changed value in place (port, security, name, mechanisms, template), keeps the rest, and is then a fixed point", async () => {
    const profile = await tempDir("ro-tb-rerun-");
    const foreign = '// written by Thunderbird\nuser_pref("browser.cache.disk.capacity", 358400);\nuser_pref("mail.smtpserver.smtp9.hostname", "other.example");\nuser_pref("mail.smtpservers", "smtp9");\n';
    await writeFile(join(profile, "prefs.js"), foreign);
    const first = await orgConfig();
    await configureThunderbird({ profile, config: first, email: "alice@internal.test", fullName: "Alice" });

    // Same relay and login: the server is reused and each value changes where it stands; values
    // of different lengths shift the offsets of the ones after them.
    const second: OrgConfig = {
      ...first,
      organization: { ...first.organization, name: "Internal Test Organisation, renamed" },
      submission: { ...first.submission, port: 10025, security: "tls", auth: ["CRAM-MD5"] },
      incoming: { ...first.incoming!, port: 143, security: "starttls" },
    };
    const r2 = await configureThunderbird({ profile, config: second, email: "alice@internal.test", fullName: "Alice Liddell" });
    expect(r2.changed).toBe(true);
    const after2 = prefsMap(await readFile(join(profile, "prefs.js"), "utf8"));
    const expected2 = planThunderbirdAccount(after2, { config: second, email: "alice@internal.test", fullName: "Alice Liddell" });
    for (const [name, value] of expected2.updates) expect(after2.get(name), name).toBe(value);
    expect(after2.get("mail.smtpserver.smtp1.port")).toBe(10025);
    expect(after2.get("mail.smtpserver.smtp1.try_ssl")).toBe(3);
    expect(after2.get("mail.smtpserver.smtp1.authMethod")).toBe(4);
    expect(after2.get("mail.smtpserver.smtp1.description")).toBe("Internal Test Organisation, renamed (secure relay)");
    expect(after2.get("mail.identity.id1.fullName")).toBe("Alice Liddell");
    expect(after2.get("mail.server.server1.socketType")).toBe(2);
    expect(after2.get("mail.smtpservers")).toBe("smtp9,smtp1");
    // Each pref still appears once: rewritten where it stood, not appended again.
    const text2 = await readFile(join(profile, "prefs.js"), "utf8");
    expect(text2.match(/"mail\.smtpserver\.smtp1\.port"/g)).toHaveLength(1);
    // Everything before our first line is the user's, byte for byte, but the server list we extended.
    expect(text2.startsWith(foreign.replace('"smtp9"', '"smtp9,smtp1"'))).toBe(true);

    // A new login template is another login on the relay: a new server, the identity re-pointed.
    const third: OrgConfig = { ...second, submission: { ...second.submission, username: "CORP\\{local}" } };
    await configureThunderbird({ profile, config: third, email: "alice@internal.test" });
    const text3 = await readFile(join(profile, "prefs.js"), "utf8");
    const after3 = prefsMap(text3);
    expect(after3.get("mail.smtpserver.smtp2.username")).toBe("CORP\\alice");
    expect(after3.get("mail.identity.id1.smtpServer")).toBe("smtp2");
    expect(after3.get("mail.identity.id1.fullName")).toBe("Alice Liddell");
    expect(after3.get("browser.cache.disk.capacity")).toBe(358400);
    expect(after3.get("mail.smtpserver.smtp9.hostname")).toBe("other.example");

    const again = await configureThunderbird({ profile, config: third, email: "alice@internal.test" });
    expect(again.changed).toBe(false);
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(text3);
  });

  it("applyPrefs replaces several values of different lengths in one pass, whatever the order of the updates", () => {
    const text = 'user_pref("a", 1);\nuser_pref("b", "short");\nuser_pref("c", true);\nuser_pref("d", "x");\n';
    const updates: Array<[string, PrefValue]> = [["a", 123456], ["d", "a much longer value"], ["b", "s"], ["c", false]];
    for (const order of [updates, [...updates].reverse()]) {
      const { data: out, changes } = applyPrefs(text, new Map(order));
      expect(out.toString()).toBe('user_pref("a", 123456);\nuser_pref("b", "s");\nuser_pref("c", false);\nuser_pref("d", "a much longer value");\n');
      expect(changes).toHaveLength(4);
    }
  });
});

describe("configure judges what Thunderbird will use: user.js, defaults, deployment rules", () => {
  const relay = (key = "smtp1") => [
    `user_pref("mail.smtpservers", "${key}");`,
    `user_pref("mail.smtpserver.${key}.hostname", "relay.internal.test");`,
    `user_pref("mail.smtpserver.${key}.username", "alice@internal.test");`,
  ].join("\n") + "\n";

  it("rewrites a user.js line that would switch our relay's TLS off, with a backup, and checks the result", async () => {
    const profile = await tempDir("ro-tb-userjs-");
    await writeFile(join(profile, "prefs.js"), relay());
    const userJs = '// IT tweaks\nuser_pref("mail.smtpserver.smtp1.try_ssl", 0);\nuser_pref("other.pref", "kept");\npref("mail.smtpserver.smtp1.port", 25);\n';
    await writeFile(join(profile, "user.js"), userJs);
    const result = await configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [], now: new Date("2026-11-30T12:00:00Z") });
    expect(result.userJsChanges).toEqual([{ name: "mail.smtpserver.smtp1.try_ssl", before: 0, after: 2 }]);
    expect(await readFile(join(profile, "user.js"), "utf8")).toBe(userJs.replace('try_ssl", 0)', 'try_ssl", 2)'));
    expect(await readFile(join(profile, "user.js.relay-onboard-20261130T120000Z.bak"), "utf8")).toBe(userJs);
    expect(result.diff).toContain('+ user_pref("mail.smtpserver.smtp1.try_ssl", 2); (user.js)');
    const effective = effectivePrefs([
      { file: "prefs.js", parsed: parsePrefs(await readFile(join(profile, "prefs.js"))) },
      { file: "user.js", parsed: parsePrefs(await readFile(join(profile, "user.js"))) },
    ]);
    expect(effective.get("mail.smtpserver.smtp1.try_ssl")?.value).toBe(2);
    expect(effective.get("mail.smtpserver.smtp1.port")?.value).toBe(587);
    const again = await configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [] });
    expect([again.changed, again.userJsChanges]).toEqual([false, []]);
  });

  it("a default after our user value does not count, and is left alone", async () => {
    const profile = await tempDir("ro-tb-default-");
    await configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [] });
    const text = `${await readFile(join(profile, "prefs.js"), "utf8")}pref("mail.smtpserver.smtp1.try_ssl", 0);\n`;
    await writeFile(join(profile, "prefs.js"), text);
    const again = await configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [] });
    expect(again.changed).toBe(false);
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(text);
  });

  it("refuses with CLIENT_LOCKED_BY_POLICY when a policy locks, sets or clears one of our prefs to something else, and writes nothing", async () => {
    const config = await orgConfig();
    for (const policy of [
      { name: "mail.smtpserver.smtp1.try_ssl", status: "locked", value: 0, file: "/x/policies.json" },
      { name: "mail.smtpserver.smtp1.try_ssl", status: "user", value: 1, file: "/x/policies.json" },
      { name: "mail.smtpserver.smtp1.authMethod", status: "clear", file: "/x/autoconfig.cfg" },
      { name: "mail.smtpserver.smtp1.port", status: "locked", file: "/x/autoconfig.cfg" },
    ] as const) {
      const profile = await tempDir("ro-tb-locked-");
      await writeFile(join(profile, "prefs.js"), relay());
      const err = await configureThunderbird({ profile, config, email: "alice@internal.test", policies: [policy] }).then(() => undefined, (e: unknown) => e);
      expect(err, policy.status).toMatchObject({ code: "CLIENT_LOCKED_BY_POLICY", details: { claim: policy.name } });
      expect((err as Error).message).toContain(policy.file);
      expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(relay());
    }
    // The same value, or a mere default, is no conflict.
    const profile = await tempDir("ro-tb-unlocked-");
    const ok = await configureThunderbird({ profile, config, email: "alice@internal.test", policies: [
      { name: "mail.smtpserver.smtp1.try_ssl", status: "locked", value: 2, file: "p" },
      { name: "mail.smtpserver.smtp1.port", status: "default", value: 25, file: "p" },
      { name: "unrelated.pref", status: "locked", value: 1, file: "p" },
    ] });
    expect(ok.changed).toBe(true);
  });

  it("finds policies.json Preferences and autoconfig lockPref/pref/clearPref, byte-shifted or not", async () => {
    const install = await tempDir("ro-tb-install-");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(install, "distribution"));
    await mkdir(join(install, "defaults", "pref"), { recursive: true });
    await writeFile(join(install, "distribution", "policies.json"), JSON.stringify({ policies: { Preferences: {
      "mail.smtpserver.smtp1.try_ssl": { Value: 0, Status: "locked" }, "mail.a": { Value: "x", Status: "user" }, "mail.b": { Value: true, Status: "default" }, "mail.c": 5, "mail.d": { Status: "clear" },
    } } }));
    await writeFile(join(install, "defaults", "pref", "autoconfig.js"), 'pref("general.config.filename", "org.cfg");\npref("general.config.obscure_value", 13);\n');
    const cfg = '// first line is skipped by Thunderbird\nlockPref("mail.e", "it\'s");\npref("mail.f", 3);\nclearPref("mail.g");\ndefaultPref("mail.h", false);\nlockPref("mail.i", someVar);\n';
    await writeFile(join(install, "org.cfg"), Buffer.from(Buffer.from(cfg).map((b) => (b + 13) % 256)));
    const etc = join(install, "etc-policies.json");
    await writeFile(etc, JSON.stringify({ policies: { Preferences: { "mail.j": { Value: 1, Status: "locked" } } } }));
    const found = await findPrefPolicies([install, join(install, "missing")], [join(install, "nope.json")]);
    expect(found.map((p) => [p.name, p.status, p.value])).toEqual([
      ["mail.smtpserver.smtp1.try_ssl", "locked", 0], ["mail.a", "user", "x"], ["mail.b", "default", true], ["mail.c", "locked", 5], ["mail.d", "clear", undefined],
      ["mail.e", "locked", "it's"], ["mail.f", "user", 3], ["mail.g", "clear", undefined], ["mail.h", "default", false], ["mail.i", "locked", undefined],
    ]);
    expect(found[0]!.file).toBe(join(install, "distribution", "policies.json"));
    // A system policies file shadows every distribution/policies.json (autoconfig still applies).
    const shadowed = await findPrefPolicies([install], [join(install, "nope.json"), etc]);
    expect(shadowed.map((p) => [p.name, p.file])).toEqual([["mail.j", etc], ...found.slice(5).map((p) => [p.name, p.file])]);
    expect(found.find((p) => p.name === "mail.e")!.file).toBe(join(install, "org.cfg"));
    await writeFile(join(install, "defaults", "pref", "autoconfig.js"), 'pref("general.config.filename", "org.cfg");\npref("general.config.obscure_value", 0);\n');
    await writeFile(join(install, "org.cfg"), cfg);
    expect((await findPrefPolicies([install], [])).filter((p) => p.file.endsWith("org.cfg"))).toHaveLength(5);
    expect(conflictingPolicy(found, "mail.e", "it's")).toBeUndefined();
    expect(conflictingPolicy(found, "mail.e", "other")?.name).toBe("mail.e");
    expect(conflictingPolicy(found, "mail.h", true)).toBeUndefined();
    expect(conflictingPolicy(found, "mail.g", 1)?.status).toBe("clear");
    expect(await findPrefPolicies([join(install, "missing")], [])).toEqual([]);
  });

  it("refuses a user.js Thunderbird would flag, naming the line and column, and touches nothing", async () => {
    const profile = await tempDir("ro-tb-baduser-");
    await writeFile(join(profile, "prefs.js"), relay());
    await writeFile(join(profile, "user.js"), 'user_pref("a", 1);\nuser_pref("b", 1, locked);\n');
    await expect(configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [] })).rejects.toMatchObject({
      code: "BAD_INPUT", message: expect.stringMatching(/user\.js line 2, column 17: expected '\)' after pref value .*left untouched/) as unknown,
    });
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(relay());
  });

  it("keeps non-UTF-8 bytes of prefs we do not own through any number of runs", async () => {
    const profile = await tempDir("ro-tb-bytes-");
    const original = Buffer.concat([Buffer.from('user_pref("mail.root.none", "/home/b'), Buffer.from([0xf6]), Buffer.from('rje/Mail");\r\n')]);
    await writeFile(join(profile, "prefs.js"), original);
    for (let run = 0; run < 3; run++) await configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [] });
    const after = await readFile(join(profile, "prefs.js"));
    expect(after.subarray(0, original.length).equals(original)).toBe(true);
    expect(after.toString("latin1")).not.toMatch(/[^\r]\n/); // the file's CR LF kept for the lines we added
  });
});

describe("configureThunderbird safety", () => {
  it("leaves a prefs.js it cannot read untouched, and refuses a missing profile", async () => {
    const profile = await tempDir("ro-tb-bad-");
    await writeFile(join(profile, "prefs.js"), 'user_pref("broken", ;\n');
    await expect(configureThunderbird({ profile, config: await orgConfig(), email: "a@internal.test" })).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/left untouched/) as unknown });
    const { readFile, readdir } = await import("node:fs/promises");
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe('user_pref("broken", ;\n');
    expect(await readdir(profile)).toEqual(["prefs.js"]);
    await expect(configureThunderbird({ profile: join(profile, "nope"), config: await orgConfig(), email: "a@internal.test" })).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND" });
  });

  it("dry run writes nothing; a real run keeps a backup of the previous prefs.js", async () => {
    const { readFile, readdir } = await import("node:fs/promises");
    const profile = await tempDir("ro-tb-dry-");
    await writeFile(join(profile, "prefs.js"), 'user_pref("keep", 1);\n');
    const dry = await configureThunderbird({ profile, config: await orgConfig(), email: "a@internal.test", dryRun: true });
    expect(dry.changed).toBe(true);
    expect(dry.diff).toContain('+ user_pref("mail.smtpserver.smtp1.hostname", "relay.internal.test");');
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe('user_pref("keep", 1);\n');
    const real = await configureThunderbird({ profile, config: await orgConfig(), email: "a@internal.test" });
    expect(await readFile(real.backup!, "utf8")).toBe('user_pref("keep", 1);\n');
    expect((await readdir(profile)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("profile lock and detection", () => {
  it("a stale lock (dead process) is not running; a live one is", async () => {
    const stale = await tempDir("ro-lock-");
    await symlink("127.0.0.1:+999999", join(stale, "lock"));
    await writeFile(join(stale, ".parentlock"), "");
    expect(await profileLock(stale)).toMatchObject({ running: false });
    const live = await tempDir("ro-lock-");
    await symlink(`127.0.0.1:+${process.pid}`, join(live, "lock"));
    expect(await profileLock(live)).toMatchObject({ running: true });
    expect(await profileLock(await tempDir("ro-lock-"))).toMatchObject({ running: false });
  });

  it("an [Install…] default in installs.ini wins over Default=1", async () => {
    const { mkdir } = await import("node:fs/promises");
    const root = await tempDir("ro-tbroot-");
    for (const p of ["a.default", "b.default-release"]) await mkdir(join(root, p));
    await writeFile(join(root, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=a.default\nDefault=1\n\n[Profile1]\nName=default-release\nIsRelative=1\nPath=b.default-release\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
    await writeFile(join(root, "installs.ini"), "[FDC34C9F024745EB]\nDefault=b.default-release\nLocked=1\n");
    const profiles = await listProfiles(root);
    expect(profiles.find((p) => p.isDefault)?.path).toBe(join(root, "b.default-release"));
    await writeFile(join(root, "installs.ini"), "");
    expect((await listProfiles(root)).find((p) => p.isDefault)?.path).toBe(join(root, "a.default"));
  });
});

describe("thunderbirdPending: is a profile sending through the relay? (read-only, for `status`)", () => {
  const ESSENTIAL_NEW = [
    "mail.smtpservers", "mail.smtpserver.smtp1.hostname", "mail.smtpserver.smtp1.port", "mail.smtpserver.smtp1.try_ssl", "mail.smtpserver.smtp1.authMethod", "mail.smtpserver.smtp1.username", "mail.identity.id1.useremail", "mail.identity.id1.smtpServer",
    // The account holding the identity, listed: an identity no listed account holds is never loaded.
    "mail.accountmanager.accounts", "mail.account.account1.identities", "mail.account.account1.server",
  ];

  it("lists exactly the essential preferences not yet set, and none once configure ran", async () => {
    const profile = await tempDir("ro-tb-pending-");
    const config = await orgConfig();
    await expect(thunderbirdPending(join(profile, "missing"), config, "alice@internal.test")).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND", message: `the Thunderbird profile ${join(profile, "missing")} does not exist` });
    expect((await thunderbirdPending(profile, config, "alice@internal.test")).sort()).toEqual([...ESSENTIAL_NEW, "mail.smtp.defaultserver"].sort());
    await configureThunderbird({ profile, config, email: "alice@internal.test", policies: [] });
    const prefs = await readFile(join(profile, "prefs.js"));
    expect(await thunderbirdPending(profile, config, "alice@internal.test")).toEqual([]);
    // Another address logs in with its own name: its own outgoing server and identity are missing.
    expect((await thunderbirdPending(profile, config, "bob@internal.test")).sort()).toEqual(ESSENTIAL_NEW.map((n) => n.replace("smtp1", "smtp2").replace("id1", "id2").replace("account1", "account2")).sort());
    // Read-only, even while Thunderbird holds the profile.
    await symlink(`127.0.0.1:+${process.pid}`, join(profile, "lock"));
    expect(await thunderbirdPending(profile, config, "alice@internal.test")).toEqual([]);
    expect(await readFile(join(profile, "prefs.js"))).toEqual(prefs);
  });

  it("judges the values Thunderbird will use: user.js over prefs.js", async () => {
    const profile = await tempDir("ro-tb-pending-userjs-");
    const config = await orgConfig();
    await configureThunderbird({ profile, config, email: "alice@internal.test", policies: [] });
    await writeFile(join(profile, "user.js"), 'user_pref("mail.smtpserver.smtp1.port", 25);\nuser_pref("mail.smtpserver.smtp1.try_ssl", 0);\n');
    expect(await thunderbirdPending(profile, config, "alice@internal.test")).toEqual(["mail.smtpserver.smtp1.port", "mail.smtpserver.smtp1.try_ssl"]);
    expect(await thunderbirdPending(profile, config)).toEqual([`mail.smtpserver.*: no outgoing server for ${config.submission.host}:${config.submission.port}`]);
  });

  it("without an address: any listed outgoing server for the relay's host (any case), port and security", async () => {
    const profile = await tempDir("ro-tb-pending-any-");
    const config = await orgConfig();
    const { host, port } = config.submission;
    const server = (listed: string, hostname: string, p: number, ssl: number) =>
      writeFile(join(profile, "prefs.js"), `user_pref("mail.smtpservers", "${listed}");\nuser_pref("mail.smtpserver.smtp7.hostname", "${hostname}");\nuser_pref("mail.smtpserver.smtp7.port", ${p});\nuser_pref("mail.smtpserver.smtp7.try_ssl", ${ssl});\n`);
    const none = [`mail.smtpserver.*: no outgoing server for ${host}:${port}`];
    expect(await thunderbirdPending(profile, config)).toEqual(none);
    await server("smtp3, smtp7", host.toUpperCase(), port, 2);
    expect(await thunderbirdPending(profile, config)).toEqual([]);
    for (const [listed, hostname, p, ssl] of [["smtp3", host, port, 2], ["smtp7", "other.example", port, 2], ["smtp7", host, port + 1, 2], ["smtp7", host, port, 3]] as const) {
      await server(listed, hostname, p, ssl);
      expect(await thunderbirdPending(profile, config), `${listed} ${hostname} ${p} ${ssl}`).toEqual(none);
    }
  });
});

describe("prefs.js and user.js change as one unit: a run killed between the two renames converges", () => {
  // user.js overrides both lists: the killed run's prefs.js holds the new server, identity and
  // account, but user.js's lists (and Thunderbird) do not name them.
  const PREFS = ['user_pref("mail.smtpservers", "smtp1");', 'user_pref("mail.smtpserver.smtp1.hostname", "other.example");', 'user_pref("mail.accountmanager.accounts", "account1");', 'user_pref("mail.account.account1.server", "server1");', 'user_pref("mail.account.lastKey", 1);', ""].join("\n");
  const USER = ['user_pref("mail.smtpservers", "smtp1");', 'user_pref("mail.accountmanager.accounts", "account1");', ""].join("\n");
  const profileWith = async (prefix: string) => {
    const profile = await tempDir(prefix);
    await writeFile(join(profile, "prefs.js"), PREFS);
    await writeFile(join(profile, "user.js"), USER);
    return profile;
  };

  it("the rerun reuses what the killed run wrote, lists it, and ends byte for byte where a clean run ends; status is not compliant in between", async () => {
    const config = await orgConfig();
    const clean = await profileWith("ro-tb-unit-clean-");
    await configureThunderbird({ profile: clean, config, email: "alice@internal.test", policies: [] });

    const killed = await profileWith("ro-tb-unit-killed-");
    await configureThunderbird({ profile: killed, config, email: "alice@internal.test", policies: [] });
    await writeFile(join(killed, "user.js"), USER); // the user.js rename never happened
    // What Thunderbird would use now: smtp2 unlisted, yet named the default.
    // …and the account holding the identity, unlisted: Thunderbird would load neither.
    expect(await thunderbirdPending(killed, config, "alice@internal.test")).toEqual(["mail.smtpservers", "mail.accountmanager.accounts"]);
    expect(await thunderbirdPending(killed, config)).toEqual([`mail.smtpserver.*: no outgoing server for ${config.submission.host}:${config.submission.port}`, "mail.smtp.defaultserver: smtp2 is not a listed server"]);

    const rerun = await configureThunderbird({ profile: killed, config, email: "alice@internal.test", policies: [] });
    expect([rerun.smtpKey, rerun.identityKey, rerun.accountKey]).toEqual(["smtp2", "id1", "account2"]);
    expect(rerun.changes).toEqual([]); // prefs.js was already complete
    for (const file of ["prefs.js", "user.js"]) expect(await readFile(join(killed, file), "utf8")).toBe(await readFile(join(clean, file), "utf8"));
    expect(await thunderbirdPending(killed, config, "alice@internal.test")).toEqual([]);
  });

  it("a default server naming no listed server is replaced by the relay's; a listed one is the user's and stays", async () => {
    const config = await orgConfig();
    const unlisted = planThunderbirdAccount(prefsMap('user_pref("mail.smtpservers", "smtp1");\nuser_pref("mail.smtp.defaultserver", "smtp9");\n'), { config, email: "a@internal.test" });
    expect(unlisted.updates.get("mail.smtp.defaultserver")).toBe("smtp2");
    const listed = planThunderbirdAccount(prefsMap('user_pref("mail.smtpservers", "smtp1");\nuser_pref("mail.smtp.defaultserver", "smtp1");\n'), { config, email: "a@internal.test" });
    expect(listed.updates.has("mail.smtp.defaultserver")).toBe(false);
    const account = planThunderbirdAccount(prefsMap('user_pref("mail.accountmanager.accounts", "account1");\nuser_pref("mail.accountmanager.defaultaccount", "account7");\n'), { config, email: "a@internal.test" });
    expect(account.updates.get("mail.accountmanager.defaultaccount")).toBe("account2");
  });
});

describe("Thunderbird's own reading of odd files (checked with Thunderbird 153: test/integration/thunderbird-prefs-oracle.test.ts)", () => {
  it("reads past a UTF-8 byte-order mark at the start (Notepad's), and configure keeps it and writes after it", async () => {
    const withBom = bytes([0xef, 0xbb, 0xbf], 'user_pref("mail.identity.id1.useremail", "home@home.test");\r\n');
    expect(errorsOf(withBom)).toEqual([]);
    expect(valuesOf(withBom)).toEqual([["user", "mail.identity.id1.useremail", "home@home.test"]]);
    // Only at the very start: a second one, or one later, is a stray byte Thunderbird flags.
    expect(errorsOf(bytes([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], 'user_pref("a", 1);'))).not.toEqual([]);
    const profile = await tempDir("ro-tb-bom-");
    await writeFile(join(profile, "prefs.js"), withBom);
    await configureThunderbird({ profile, config: await orgConfig(), email: "alice@internal.test", policies: [] });
    const written = await readFile(join(profile, "prefs.js"));
    expect(written.subarray(0, withBom.length)).toEqual(withBom);
    expect(prefsMap(written).get("mail.identity.id1.useremail")).toBe("home@home.test");
    expect(prefsMap(written).get("mail.identity.id2.useremail")).toBe("alice@internal.test");
  });

  it("a NUL byte ends a comment or string it is in, not the file: reading goes on after it, with the error Thunderbird reports", () => {
    // The rest of the comment's line is read as tokens: an error that skips to the next ";".
    const nulInComment = bytes('user_pref("a", 1);\n// note ', [0], ' more\nuser_pref("b", 2);\nuser_pref("c", 3);\n');
    expect(errorsOf(nulInComment)).toEqual(["2:11 unknown keyword"]);
    expect(valuesOf(nulInComment)).toEqual([["user", "a", 1], ["user", "c", 3]]);
    expect(parsePrefs(nulInComment).end).toBe(nulInComment.length);
    // Where a token would start, a NUL still ends the file (NUL padding).
    const padded = bytes('user_pref("a", 1);\n', [0, 0], 'user_pref("b", 2);');
    expect(valuesOf(padded)).toEqual([["user", "a", 1]]);
    expect(parsePrefs(padded).end).toBe(19);
    // configure refuses a file Thunderbird flags, so no rewrite can drop the prefs after the NUL.
    expect(() => applyPrefs(nulInComment, new Map([["d", 4]]))).toThrow(PrefsSyntaxError);
    // A pref appended to a padded file goes before the padding, where Thunderbird reads it.
    expect(prefsMap(applyPrefs(padded, new Map([["d", 4]])).data).get("d")).toBe(4);
  });

  it("matches a non-ASCII pref name by its UTF-8 bytes, so a second run appends nothing", () => {
    const first = applyPrefs(Buffer.alloc(0), new Map([["t.café", 1]]));
    expect(first.data.toString("utf8")).toBe('user_pref("t.café", 1);\n');
    const again = applyPrefs(first.data, new Map([["t.café", 1]]));
    expect(again.changes).toEqual([]);
    expect(again.data).toEqual(first.data);
    expect(applyPrefs(first.data, new Map([["t.café", 2]])).data.toString("utf8")).toBe('user_pref("t.café", 2);\n');
  });
});

describe("the account as Thunderbird's setup makes it, and the user's accounts left alone (planner, in process)", () => {
  const EMAIL = "alice@internal.test";
  const prefs = (lines: string[]) => prefsMap(lines.map((l) => `user_pref(${l});`).join("\n") + "\n");
  // An account the user already has: the same address on an older IMAP server, as Thunderbird's setup wrote it.
  const EXISTING = [
    '"mail.accountmanager.accounts", "account1"', '"mail.accountmanager.defaultaccount", "account1"', '"mail.account.lastKey", 1',
    '"mail.account.account1.server", "server1"', '"mail.account.account1.identities", "id1"',
    '"mail.server.server1.type", "imap"', '"mail.server.server1.hostname", "imap.old.test"', `"mail.server.server1.userName", "${EMAIL}"`, `"mail.server.server1.name", "${EMAIL}"`,
    `"mail.identity.id1.useremail", "${EMAIL}"`, '"mail.identity.id1.smtpServer", "smtp1"', '"mail.smtpservers", "smtp1"', '"mail.smtpserver.smtp1.hostname", "smtp.old.test"',
  ];

  it("a new IMAP or POP3 account: start-up login, mail checks, POP3's keep-on-server, folders on the server", async () => {
    const config = await orgConfig();
    const imap = planThunderbirdAccount(new Map(), { config, email: EMAIL });
    expect(imap).toMatchObject({ smtpKey: "smtp1", identityKey: "id1", accountKey: "account1", serverKey: "server1" });
    const server = config.incoming!;
    expect(Object.fromEntries([...imap.updates].filter(([n]) => n.startsWith("mail.server.") || n.startsWith("mail.identity.id1.") && /folder/.test(n)))).toEqual({
      "mail.server.server1.type": "imap", "mail.server.server1.hostname": server.host, "mail.server.server1.userName": EMAIL, "mail.server.server1.port": server.port,
      "mail.server.server1.socketType": 3, "mail.server.server1.authMethod": 3, "mail.server.server1.name": EMAIL, "mail.server.server1.login_at_startup": true, "mail.server.server1.check_new_mail": true,
      "mail.identity.id1.fcc_folder": `imap://alice%40internal.test@${server.host}/Sent`, "mail.identity.id1.fcc_folder_picker_mode": "0",
      "mail.identity.id1.draft_folder": `imap://alice%40internal.test@${server.host}/Drafts`, "mail.identity.id1.drafts_folder_picker_mode": "0",
      "mail.identity.id1.stationery_folder": `imap://alice%40internal.test@${server.host}/Templates`, "mail.identity.id1.tmpl_folder_picker_mode": "0",
    });
    const pop = planThunderbirdAccount(new Map(), { config: { ...config, incoming: { ...server, protocol: "pop3", host: "pop.internal.test" } }, email: EMAIL });
    expect(pop.updates.get("mail.identity.id1.fcc_folder")).toBe("mailbox://alice%40internal.test@pop.internal.test/Sent");
    for (const [name, value] of [["leave_on_server", true], ["num_days_to_leave_on_server", 14], ["delete_by_age_from_server", true], ["delete_mail_left_on_server", true], ["download_on_biff", true]] as const) {
      expect(pop.updates.get(`mail.server.server1.${name}`), name).toBe(value);
      expect(imap.updates.has(`mail.server.server1.${name}`), name).toBe(false);
    }
    expect(imap.account).toEqual({ action: "added", protocol: "imap", host: server.host, beside: [] });
    expect(describeAccountOutcome(imap.account, EMAIL, true)).toBe(`a new account would be added for ${EMAIL} (IMAP, ${server.host})`);
    expect(describeAccountOutcome(pop.account, EMAIL, false)).toBe(`a new account was added for ${EMAIL} (POP3, pop.internal.test)`);
  });

  it("the same address on another server is another account: added beside, named as Thunderbird names a second one, the user's left as it was", async () => {
    const config = await orgConfig();
    const plan = planThunderbirdAccount(prefs(EXISTING), { config, email: EMAIL });
    expect(plan).toMatchObject({ smtpKey: "smtp2", identityKey: "id2", accountKey: "account2", serverKey: "server2" });
    expect([...plan.updates.keys()].filter((n) => /\.(server1|id1|account1|smtp1)\./.test(n))).toEqual([]);
    expect(plan.updates.get("mail.accountmanager.accounts")).toBe("account1,account2");
    expect(plan.updates.get("mail.account.lastKey")).toBe(2);
    expect(plan.updates.get("mail.server.server2.name")).toBe(`${EMAIL} (IMAP)`);
    expect(plan.updates.has("mail.accountmanager.defaultaccount")).toBe(false); // the user's default works: it stays
    // The dry run and the app say so: added beside the user's account, which stays as it is.
    expect(plan.account).toEqual({ action: "added", protocol: "imap", host: config.incoming!.host, beside: [{ name: EMAIL, protocol: "imap", host: "imap.old.test" }] });
    expect(describeAccountOutcome(plan.account, EMAIL, true)).toBe(`a new account would be added for ${EMAIL} (IMAP, ${config.incoming!.host}) beside your account "${EMAIL}" (IMAP, imap.old.test), which would stay as it is`);
    // Another address's account is not "beside" anything of this address.
    const other = planThunderbirdAccount(prefs(EXISTING.map((l) => l.replace(`"${EMAIL}"`, '"bob@elsewhere.test"'))), { config, email: EMAIL });
    expect(other.account).toMatchObject({ action: "added", beside: [] });
    // A POP3 account on the very host configured is not ours either: never turned into IMAP.
    const pop = EXISTING.map((l) => l.replace('"imap"', '"pop3"').replace("imap.old.test", config.incoming!.host));
    const beside = planThunderbirdAccount(prefs(pop), { config, email: EMAIL });
    expect(beside.accountKey).toBe("account2");
    expect(beside.updates.has("mail.server.server1.type")).toBe(false);
    const two = planThunderbirdAccount(prefs([...pop.map((l) => l.replace('accounts", "account1"', 'accounts", "account1,account3"')), '"mail.account.account3.server", "server3"', '"mail.account.account3.identities", "id3"', `"mail.identity.id3.useremail", "${EMAIL.toUpperCase()}"`, '"mail.server.server3.type", "imap"', '"mail.server.server3.hostname", "imap.third.test"']), { config, email: EMAIL });
    expect(two.account).toEqual({ action: "added", protocol: "imap", host: config.incoming!.host, beside: [{ name: EMAIL, protocol: "pop3", host: config.incoming!.host }, { name: "imap.third.test", protocol: "imap", host: "imap.third.test" }] });
    expect(describeAccountOutcome(two.account, EMAIL, false)).toMatch(/ was added .* beside your accounts "alice@internal\.test" \(POP3, [^)]+\), "imap\.third\.test" \(IMAP, imap\.third\.test\), which stay as they are$/);
  });

  it("the configured server's own account is updated in place — type, host, user and the user's settings kept — and a second run changes nothing", async () => {
    const config = await orgConfig();
    const own = EXISTING.map((l) => l.replace("imap.old.test", config.incoming!.host)).concat(['"mail.server.server1.login_at_startup", false', '"mail.identity.id1.fcc_folder", "imap://x@y/Mine"']);
    const plan = planThunderbirdAccount(prefs(own), { config, email: EMAIL });
    expect(plan).toMatchObject({ accountKey: "account1", serverKey: "server1", identityKey: "id1" });
    expect(plan.account).toEqual({ action: "updated", account: { name: EMAIL, protocol: "imap", host: config.incoming!.host } });
    expect(describeAccountOutcome(plan.account, EMAIL, false)).toBe(`your account "${EMAIL}" (IMAP, ${config.incoming!.host}) was updated in place (its server, user name and mail on this computer kept)`);
    expect(["type", "hostname", "userName", "name", "login_at_startup"].map((k) => plan.updates.has(`mail.server.server1.${k}`))).toEqual([false, false, false, false, false]);
    expect(plan.updates.has("mail.identity.id1.fcc_folder")).toBe(false); // the user's Sent folder stays theirs
    expect(plan.updates.get("mail.identity.id1.draft_folder")).toMatch(/\/Drafts$/);
    // An account listing an identity key with no preferences yet: that key is taken, not reused.
    const held = planThunderbirdAccount(prefs(['"mail.accountmanager.accounts", "account1"', '"mail.account.account1.identities", "id1"', '"mail.account.account1.server", "server1"']), { config, email: EMAIL });
    expect([held.identityKey, held.serverKey]).toEqual(["id2", "server2"]);
  });

  it("reads the user's lists and keys as Thunderbird does: spaces, empty entries, a killed run's unlisted account, numbering, defaults, names taken", async () => {
    const config = await orgConfig();
    const host = config.incoming!.host;
    // Lists with spaces and empty entries; a default outgoing server that is listed stays.
    const spaced = planThunderbirdAccount(prefs(['"mail.accountmanager.accounts", " account1 , ,account2 "', '"mail.smtpservers", " smtp1 ,"', '"mail.smtp.defaultserver", "smtp1"', '"mail.account.account1.server", "server1"', '"mail.account.account2.server", "server2"']), { config, email: EMAIL });
    expect(spaced.updates.get("mail.accountmanager.accounts")).toBe("account1,account2,account3");
    expect(spaced.updates.get("mail.smtpservers")).toBe("smtp1,smtp2");
    expect(spaced.updates.has("mail.smtp.defaultserver")).toBe(false);
    expect(spaced.serverKey).toBe("server3");
    // A default naming a server that is not listed is none: ours becomes it.
    expect(planThunderbirdAccount(prefs(['"mail.smtpservers", "smtp1"', '"mail.smtp.defaultserver", "smtp9"']), { config, email: EMAIL }).updates.get("mail.smtp.defaultserver")).toBe("smtp2");
    // A killed run's account (written, its listing lost) is found and listed, not made again; a
    // key that is not an account's ("lastKey", "accountX") is not taken for one.
    const killed = planThunderbirdAccount(prefs(['"mail.accountmanager.accounts", "account1"', '"mail.account.lastKey", 7', '"mail.account.account4.server", "server4"', '"mail.account.account4.identities", "id4"', '"mail.server.server4.type", "imap"', `"mail.server.server4.hostname", "${host.toUpperCase()}"`, `"mail.server.server4.userName", "${EMAIL}"`, '"mail.account.accountX.server", "server4"']), { config, email: EMAIL });
    // (its identity id4 has no address yet: the address gets a free key, id4 being taken)
    expect(killed).toMatchObject({ accountKey: "account4", serverKey: "server4", identityKey: "id1", account: { action: "updated" } });
    expect(killed.updates.get("mail.accountmanager.accounts")).toBe("account1,account4");
    // Its folders on the server as the server's own preferences name it (host in its case).
    expect(killed.updates.get("mail.account.account4.identities")).toBe("id4,id1");
    expect(killed.updates.get("mail.identity.id1.fcc_folder")).toBe(`imap://alice%40internal.test@${host.toUpperCase()}/Sent`);
    // Numbered after the last key Thunderbird gave, and after every account key in use.
    const numbered = (lines: string[]) => planThunderbirdAccount(prefs(lines), { config, email: EMAIL }).accountKey;
    expect(numbered(['"mail.accountmanager.accounts", "account1"', '"mail.account.lastKey", 7'])).toBe("account8");
    expect(numbered(['"mail.accountmanager.accounts", "account1,account12"', '"mail.account.lastKey", 2'])).toBe("account13");
    expect(numbered(['"mail.accountmanager.accounts", "account1"', '"mail.account.lastKey", "9"', '"mail.account.account3x.server", "s"'])).toBe("account2");
    // The identity's name: the one given, the one the user has, else the address's local part.
    expect(planThunderbirdAccount(new Map(), { config, email: EMAIL }).updates.get("mail.identity.id1.fullName")).toBe("alice");
    const named = planThunderbirdAccount(prefs([...EXISTING.map((l) => l.replace("imap.old.test", host)), '"mail.identity.id1.fullName", "Alice Example"']), { config, email: EMAIL });
    expect(named.updates.has("mail.identity.id1.fullName")).toBe(false);
    // An account holding the address among other identities is the address's: beside it, named.
    const shared = EXISTING.map((l) => l.replace('"id1"', '"id9,id1"'));
    expect(planThunderbirdAccount(prefs(shared), { config, email: EMAIL }).account).toMatchObject({ action: "added", beside: [{ name: EMAIL, host: "imap.old.test" }] });
    // Names taken: "address (IMAP)", then "_2", "_3" as Thunderbird numbers them.
    const taken = (names: string[]) => planThunderbirdAccount(prefs(names.map((n, i) => `"mail.server.server${i + 1}.name", "${n}"`)), { config, email: EMAIL }).updates.get(`mail.server.server${names.length + 1}.name`);
    expect(taken([EMAIL, `${EMAIL} (IMAP)`])).toBe(`${EMAIL} (IMAP)_2`);
    expect(taken([EMAIL, `${EMAIL} (IMAP)`, `${EMAIL} (IMAP)_2`])).toBe(`${EMAIL} (IMAP)_3`);
  });

  it("without an incoming server, the address's identity among others in an account is the one used", async () => {
    const config = { ...(await orgConfig()), incoming: undefined };
    const plan = planThunderbirdAccount(prefs([...EXISTING.map((l) => l.replace('"id1"', '"id9,id1"')), '"mail.identity.id9.useremail", "other@internal.test"']), { config, email: EMAIL });
    expect(plan).toMatchObject({ identityKey: "id1", accountKey: "account1", account: { action: "sends" } });
    expect(plan.updates.has("mail.identity.id9.smtpServer")).toBe(false);
  });

  it("without an incoming server: no identity for no account; the address's account sends through the relay, now the default; status says what is missing", async () => {
    const config = { ...(await orgConfig()), incoming: undefined };
    const none = planThunderbirdAccount(new Map(), { config, email: EMAIL });
    expect(none.identityKey).toBeUndefined();
    expect([...none.updates.keys()].some((n) => n.startsWith("mail.identity.") || n.startsWith("mail.account"))).toBe(false);
    expect(none.updates.get("mail.smtp.defaultserver")).toBe("smtp1");
    expect(none.account).toEqual({ action: "none" });
    expect(describeAccountOutcome(none.account, EMAIL, true)).toBe(`Thunderbird has no account for ${EMAIL}, and the organisation names no incoming server to make one`);
    const attached = planThunderbirdAccount(prefs(EXISTING), { config, email: EMAIL });
    expect(attached).toMatchObject({ identityKey: "id1", accountKey: "account1", smtpKey: "smtp2" });
    expect(attached.updates.get("mail.identity.id1.smtpServer")).toBe("smtp2");
    expect(attached.updates.get("mail.smtp.defaultserver")).toBe("smtp2");
    expect(attached.account).toEqual({ action: "sends", account: { name: EMAIL, protocol: "imap", host: "imap.old.test" } });
    expect(describeAccountOutcome(attached.account, EMAIL, true)).toBe(`your account "${EMAIL}" (IMAP, imap.old.test) would send through the relay (no account is made: the organisation names no incoming server)`);
    // An identity of the address that no listed account holds is not attached to.
    const orphan = planThunderbirdAccount(prefs([`"mail.identity.id7.useremail", "${EMAIL}"`]), { config, email: EMAIL });
    expect(orphan.identityKey).toBeUndefined();
    const profile = await tempDir("ro-tb-noin-");
    const result = await configureThunderbird({ profile, config, email: EMAIL, policies: [] });
    expect(result.needsAccount).toBe(true);
    expect(await thunderbirdPending(profile, config, EMAIL)).toEqual([`mail.account.*: Thunderbird has no account for ${EMAIL} (add it in Thunderbird: it will send through the relay)`]);
  });
});
