// prefs.js: the tokenizer, the in-place editor, the account planner and the lock check.
import { symlink, writeFile } from "node:fs/promises";
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

const prefName = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}(\.[a-z0-9_]{1,8}){0,3}$/);
const prefValue = fc.oneof(fc.string({ maxLength: 20 }), fc.integer({ min: -1e6, max: 1e6 }), fc.boolean());
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
