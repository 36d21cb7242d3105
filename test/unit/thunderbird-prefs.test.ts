// prefs.js: the tokenizer, the in-place editor, the account planner and the lock check.
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authMethodFor, planThunderbirdAccount } from "../../src/clients/thunderbird/accounts.js";
import { configureThunderbird } from "../../src/clients/thunderbird/configure.js";
import { profileLock } from "../../src/clients/thunderbird/lock.js";
import { applyPrefs, formatValue, parsePrefs, prefsMap, PrefsSyntaxError, type PrefValue } from "../../src/clients/thunderbird/prefs.js";
import { listProfiles } from "../../src/clients/thunderbird/profiles.js";
import type { OrgConfig } from "../../src/config/schema.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

async function orgConfig(): Promise<OrgConfig> {
  const payload = await unsignedPayload();
  return { ...payload.config, incoming: { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" } };
}

describe("prefs.js tokenizer", () => {
  it("reads strings in both quote styles with escapes, numbers, booleans and all comment styles", () => {
    const text = [
      "# Mozilla User Preferences",
      "/* a block",
      "   comment */",
      'user_pref("a.string", "He said \\"hi\\" \\\\ path\\nnext");',
      "user_pref('single', 'it\\'s');",
      'user_pref("unicode", "caf\\u00e9 \\x41");',
      'user_pref("int", -42); // trailing comment',
      'user_pref("bool", true);user_pref("off", false);',
      'pref("default.locked", 1, locked);',
      'sticky_pref("sticky", "x");',
    ].join("\n");
    expect(Object.fromEntries(prefsMap(text))).toEqual({
      "a.string": 'He said "hi" \\ path\nnext',
      single: "it's",
      unicode: "café A",
      int: -42,
      bool: true,
      off: false,
      "default.locked": 1,
      sticky: "x",
    });
  });

  it("refuses what Thunderbird would not read, naming the line", () => {
    for (const bad of ['user_pref("a", );', 'user_pref("a" 1);', 'user_pref("a", "x)', 'eval("x", 1);', 'user_pref("a", 1)', "/* open", 'user_pref("a", 1e99999);', 'user_pref("a", "\\q");']) {
      expect(() => parsePrefs(bad), bad).toThrow(PrefsSyntaxError);
    }
    expect(() => parsePrefs('user_pref("ok", 1);\nuser_pref("bad", nope);')).toThrow(/line 2/);
  });

  it("edits values in place and appends new prefs, keeping every other byte", () => {
    const text = '// keep me\nuser_pref("x", 1);\n/* and me */\nuser_pref("y", "old");\n';
    const { text: out, changes } = applyPrefs(text, new Map<string, PrefValue>([["y", "new"], ["z", true], ["x", 1]]));
    expect(out).toBe('// keep me\nuser_pref("x", 1);\n/* and me */\nuser_pref("y", "new");\nuser_pref("z", true);\n');
    expect(changes).toEqual([{ name: "y", before: "old", after: "new" }, { name: "z", before: undefined, after: true }]);
  });

  it("round-trips any string value through formatValue and the tokenizer (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii" }), fc.string(), (name, value) => {
        fc.pre(!name.includes("\0") && !value.includes("\0"));
        const text = `user_pref(${formatValue(name)}, ${formatValue(value)});`;
        return prefsMap(text).get(name) === value;
      }),
    );
  });
});

describe("prefs.js tokenizer, exactly", () => {
  const error = (text: string): PrefsSyntaxError => {
    try {
      parsePrefs(text);
    } catch (err) {
      expect(err).toBeInstanceOf(PrefsSyntaxError);
      return err as PrefsSyntaxError;
    }
    throw new Error(`accepted: ${text}`);
  };

  it("names the line and the problem, and keeps the offset", () => {
    const cases: Array<[string, string]> = [
      ['user_pref("a", 1);\n\n/* open', "prefs.js line 3: unterminated comment"],
      ['user_pref "a", 1);', 'prefs.js line 1: expected "("'],
      ['user_pref(a, 1);', "prefs.js line 1: expected a string"],
      ['user_pref("a", "x', "prefs.js line 1: unterminated string"],
      ['user_pref("a", "x\ny");', "prefs.js line 2: line break inside a string"],
      ['user_pref("a", "x\ry");', "prefs.js line 1: line break inside a string"],
      ['user_pref("a", "\\x0g");', "prefs.js line 1: bad \\x escape"],
      ['user_pref("a", "\\x00");', "prefs.js line 1: bad \\x escape"],
      ['user_pref("a", "\\x4");', "prefs.js line 1: bad \\x escape"],
      ['user_pref("a", "\\u12g4");', "prefs.js line 1: bad \\u escape"],
      ['user_pref("a", "\\q");', "prefs.js line 1: unknown escape \\q"],
      ['user_pref("a", "\\', "prefs.js line 1: unknown escape \\"],
      ['user_pref("a", nope);', "prefs.js line 1: expected a string, a number, true or false"],
      ['user_pref("a", 9007199254740992);', "prefs.js line 1: integer out of range"],
      ['eval("a", 1);', "prefs.js line 1: unknown function eval()"],
      ['\n42;', "prefs.js line 2: expected pref(), user_pref() or sticky_pref()"],
      ['user_pref("a", 1) user_pref("b", 2);', 'prefs.js line 1: expected ";"'],
      ['user_pref("a" 1);', 'prefs.js line 1: expected ","'],
      ['user_pref("a", 1;', 'prefs.js line 1: expected ")"'],
    ];
    for (const [text, message] of cases) expect(error(text).message, text).toBe(message);
    expect(error('user_pref("a", 1);\nuser_pref("b", x);').offset).toBe('user_pref("a", 1);\nuser_pref("b", '.length);
    expect(error('user_pref("a", 1);\nuser_pref("b", x);').name).toBe("PrefsSyntaxError");
  });

  it("reads every escape, sign, attribute and comment placement", () => {
    const text = [
      'user_pref /* c */ ( "a" , +5 ) ; # end of line',
      'pref("locked", 1, locked, sticky);',
      "user_pref('q', '\\'\\\"\\\\\\n\\r\\x41\\u00e9');",
      'user_pref("dup", 1);',
      'user_pref("dup", 2);',
      'user_pref("last", true) ;//no newline at the end',
    ].join("\n");
    const entries = parsePrefs(text);
    expect(entries.map((e) => [e.name, e.value])).toEqual([
      ["a", 5], ["locked", 1], ["q", "'\"\\\n\rAé"], ["dup", 1], ["dup", 2], ["last", true],
    ]);
    expect(text.slice(entries[0]!.valueStart, entries[0]!.valueEnd)).toBe("+5");
    expect(text.slice(entries[2]!.valueStart, entries[2]!.valueEnd)).toBe("'\\'\\\"\\\\\\n\\r\\x41\\u00e9'");
    expect(prefsMap(text).get("dup")).toBe(2);
    expect(parsePrefs("")).toEqual([]);
    expect(parsePrefs("# only a comment")).toEqual([]);
    expect(parsePrefs("// only a comment")).toEqual([]);
  });

  it("formats values as Thunderbird writes them", () => {
    expect(formatValue(true)).toBe("true");
    expect(formatValue(false)).toBe("false");
    expect(formatValue(-42)).toBe("-42");
    expect(formatValue('a"b\\c\nd\re')).toBe('"a\\"b\\\\c\\nd\\re"');
    expect(() => formatValue(1.5)).toThrow("pref values must be integers, got 1.5");
    expect(() => formatValue(2 ** 53)).toThrow(/must be integers/);
  });

  it("appends on a new line, to an empty file without a leading newline, and edits the last occurrence", () => {
    expect(applyPrefs("", new Map([["a", 1]])).text).toBe('user_pref("a", 1);\n');
    expect(applyPrefs('user_pref("x", 1);', new Map([["a", 1]])).text).toBe('user_pref("x", 1);\nuser_pref("a", 1);\n');
    const twice = 'user_pref("a", 1);\nuser_pref("a", 2);\n';
    const edited = applyPrefs(twice, new Map([["a", 3]]));
    expect(edited.text).toBe('user_pref("a", 1);\nuser_pref("a", 3);\n');
    expect(edited.changes).toEqual([{ name: "a", before: 2, after: 3 }]);
    expect(applyPrefs(twice, new Map([["a", 2]]))).toEqual({ text: twice, changes: [] });
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
      fc.property(fc.array(fc.tuple(prefName, prefValue, comment), { maxLength: 25 }), fc.boolean(), (entries, singleQuotes) => {
        const lines = entries.map(([n, v, c]) => {
          const value = typeof v === "string" && singleQuotes ? `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'` : formatValue(v);
          return `${c ? c + "\n" : ""}user_pref(${formatValue(n)}, ${value});`;
        });
        const original = lines.join("\n") + "\n";
        const before = prefsMap(original);
        const plan = planThunderbirdAccount(before, { config, email: "alice@internal.test" });
        const once = applyPrefs(original, plan.updates);
        const after = prefsMap(once.text);
        for (const [name, value] of before) {
          if (!plan.updates.has(name)) expect(after.get(name)).toBe(value);
        }
        for (const [name, value] of plan.updates) expect(after.get(name)).toBe(value);
        const secondPlan = planThunderbirdAccount(after, { config, email: "alice@internal.test" });
        const twice = applyPrefs(once.text, secondPlan.updates);
        expect(twice.changes).toEqual([]);
        expect(twice.text).toBe(once.text);
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
      const { text: out, changes } = applyPrefs(text, new Map(order));
      expect(out).toBe('user_pref("a", 123456);\nuser_pref("b", "s");\nuser_pref("c", false);\nuser_pref("d", "a much longer value");\n');
      expect(changes).toHaveLength(4);
    }
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
