// Taking the relay account back out of a Thunderbird profile (clients/thunderbird/offboard.ts),
// with the real configure as the other half: whatever the user had, configure then offboard leaves
// every preference of theirs as it was (generated profiles), and only the tool's own go. What the
// user changed since stays and is said; without a record only the tool's own naming counts.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configureThunderbird } from "../../src/clients/thunderbird/configure.js";
import { offboardThunderbird, planOffboard, recordOfConfigure, relayDescription } from "../../src/clients/thunderbird/offboard.js";
import { parsePrefs, prefsMap, removePrefs } from "../../src/clients/thunderbird/prefs.js";
import type { OrgConfig } from "../../src/config/schema.js";
import type { RecordedProfile } from "../../src/installRecord.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

const EMAIL = "alice@internal.test";
const NOW = new Date("2026-12-07T10:00:00Z");

async function orgConfig(): Promise<OrgConfig> {
  const c = (await unsignedPayload()).config;
  c.incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
  return c;
}

/** configure on `prefs` (and `user`), as onboarding runs it, with the record entry it keeps. */
async function onboarded(prefs: string, user?: string): Promise<{ profile: string; entry: RecordedProfile; config: OrgConfig }> {
  const profile = await tempDir("ro-tbo-");
  const config = await orgConfig();
  await writeFile(join(profile, "prefs.js"), prefs);
  if (user !== undefined) await writeFile(join(profile, "user.js"), user);
  const result = await configureThunderbird({ profile, config, email: EMAIL, fullName: "Alice", policies: [], now: NOW });
  return { profile, config, entry: { ...recordOfConfigure(result, EMAIL), installedAt: NOW.toISOString() } };
}

const line = (name: string, value: string | number | boolean) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`;

describe("removePrefs", () => {
  it("takes out whole lines, a statement sharing its line, and every repeat; every other byte stays", () => {
    const input = Buffer.from([
      "// comment kept",
      'user_pref("a", 1);',
      '  user_pref("b", "x");\t',
      'user_pref("c", true); user_pref("a", 2);',
      'user_pref("keep", "caf\xe9");\r',
      'user_pref("b", "y");',
      "",
    ].join("\n"), "latin1");
    const { data, removed } = removePrefs(input, new Set(["a", "b"]));
    expect(data.toString("latin1")).toBe(['// comment kept', 'user_pref("c", true); ', 'user_pref("keep", "caf\xe9");\r', ""].join("\n"));
    expect(removed).toEqual([{ name: "a", before: 2 }, { name: "b", before: "y" }]);
    expect(removePrefs(input, new Set(["absent"])).data).toEqual(input);
  });
});

describe("planOffboard", () => {
  it("without a record: only the relay server with the tool's description, and the references to it", async () => {
    const config = await orgConfig();
    const prefs = [
      line("mail.smtpservers", "smtp1,smtp2,smtp3"),
      line("mail.smtpserver.smtp1.hostname", config.submission.host), line("mail.smtpserver.smtp1.description", "my own"),
      line("mail.smtpserver.smtp2.hostname", config.submission.host.toUpperCase()), line("mail.smtpserver.smtp2.description", relayDescription(config)),
      line("mail.smtpserver.smtp3.hostname", "other.test"), line("mail.smtpserver.smtp3.description", relayDescription(config)),
      line("mail.smtp.defaultserver", "smtp2"), line("mail.identity.id1.smtpServer", "smtp2"), line("mail.identity.id2.smtpServer", "smtp1"),
    ].join("\n");
    const plan = planOffboard({ prefs: parsePrefs(Buffer.from(prefs)).entries, user: [] }, config, undefined);
    expect([...plan.remove["prefs.js"]].sort()).toEqual(["mail.identity.id1.smtpServer", "mail.smtp.defaultserver", "mail.smtpserver.smtp2.description", "mail.smtpserver.smtp2.hostname"]);
    expect([...plan.set["prefs.js"]]).toEqual([["mail.smtpservers", "smtp1,smtp3"]]);
    expect(plan.left).toEqual(["no install record for this profile: identities and accounts were left as they are"]);
    const nothing = planOffboard({ prefs: parsePrefs(Buffer.from(prefs)).entries, user: [] }, undefined, undefined);
    expect([nothing.remove["prefs.js"].size, nothing.set["prefs.js"].size, nothing.left.length]).toEqual([0, 0, 1]);
  });
});

/** A user's own profile: accounts, servers and identities of theirs, in a random order, with comments. */
const usersProfile = fc.record({
  smtp: fc.integer({ min: 0, max: 3 }),
  accounts: fc.integer({ min: 0, max: 3 }),
  defaultServer: fc.boolean(),
  defaultAccount: fc.boolean(),
  extra: fc.array(fc.tuple(fc.constantFrom("browser.x", "mail.ui.y", "mailnews.z"), fc.oneof(fc.integer(), fc.boolean(), fc.string())), { maxLength: 4 }),
  shuffle: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  crlf: fc.boolean(),
}).map((p) => {
  const lines: string[] = [];
  const smtps = Array.from({ length: p.smtp }, (_, i) => `smtp${i + 1}`);
  const accounts = Array.from({ length: p.accounts }, (_, i) => `account${i + 1}`);
  if (smtps.length) lines.push(line("mail.smtpservers", smtps.join(",")));
  smtps.forEach((k, i) => lines.push(line(`mail.smtpserver.${k}.hostname`, `smtp${i}.home.test`), line(`mail.smtpserver.${k}.port`, 465)));
  if (accounts.length) lines.push(line("mail.accountmanager.accounts", accounts.join(",")), line("mail.account.lastKey", accounts.length));
  accounts.forEach((a, i) => lines.push(line(`mail.account.${a}.server`, `server${i + 1}`), line(`mail.account.${a}.identities`, `id${i + 1}`), line(`mail.server.server${i + 1}.hostname`, `imap${i}.home.test`), line(`mail.server.server${i + 1}.type`, "imap"), line(`mail.identity.id${i + 1}.useremail`, `me${i}@home.test`)));
  if (p.defaultServer && smtps.length) lines.push(line("mail.smtp.defaultserver", smtps[0]!));
  if (p.defaultAccount && accounts.length) lines.push(line("mail.accountmanager.defaultaccount", accounts[0]!));
  for (const [n, v] of p.extra) lines.push(line(n, v));
  const order = lines.map((l, i) => [p.shuffle[i % p.shuffle.length]! * 100 + i, l] as const).sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  return `// Mozilla User Preferences${p.crlf ? "\r\n" : "\n"}${order.join(p.crlf ? "\r\n" : "\n")}${p.crlf ? "\r\n" : "\n"}`;
});

describe("offboardThunderbird after configure", () => {
  it("gives back every preference of the user's, exactly, whatever the profile held (generated profiles)", async () => {
    await fc.assert(
      fc.asyncProperty(usersProfile, async (original) => {
        const { profile, config, entry } = await onboarded(original);
        const out = await offboardThunderbird({ profile, config, entry, now: NOW });
        expect(out.left).toEqual([]);
        const after = await readFile(join(profile, "prefs.js"), "utf8");
        // Thunderbird never hands out a key twice: the counter configure raised stays raised.
        const drop = (t: string) => t.split(/\r?\n/).filter((l) => !l.includes('"mail.account.lastKey"')).join("\n");
        expect(drop(after)).toBe(drop(original));
        const again = await offboardThunderbird({ profile, config, entry, now: NOW });
        expect(again.changed).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it("an offboard killed between prefs.js and user.js finishes on the rerun, exactly where a clean one ends, calling nothing 'changed since'", async () => {
    const prefs = [line("mail.smtpservers", "smtp1"), line("mail.smtpserver.smtp1.hostname", "other.example"), line("mail.smtp.defaultserver", "smtp1"), line("mail.accountmanager.accounts", "account1"), ""].join("\n");
    const user = [line("mail.smtpservers", "smtp1"), line("mail.accountmanager.accounts", "account1"), line("mail.smtpserver.smtp1.port", 25), ""].join("\n");
    const clean = await onboarded(prefs, user);
    const killed = await onboarded(prefs, user);
    const first = await offboardThunderbird({ profile: clean.profile, config: clean.config, entry: clean.entry, now: NOW });
    expect(first.left).toEqual([]);
    const userBefore = await readFile(join(killed.profile, "user.js"));
    await offboardThunderbird({ profile: killed.profile, config: killed.config, entry: killed.entry, now: NOW });
    await writeFile(join(killed.profile, "user.js"), userBefore); // the user.js rename never happened
    const rerun = await offboardThunderbird({ profile: killed.profile, config: killed.config, entry: killed.entry, now: NOW });
    expect(rerun.left).toEqual([]);
    expect(rerun.changed).toBe(true);
    for (const file of ["prefs.js", "user.js"]) expect(await readFile(join(killed.profile, file), "utf8")).toBe(await readFile(join(clean.profile, file), "utf8"));
    expect(await readFile(join(killed.profile, "user.js"), "utf8")).toBe(user);
  });

  it("a created server whose port the user changed keeps the whole account and its default; a renamed one still goes", async () => {
    const base = `${line("mail.smtpservers", "smtp1")}\n${line("mail.smtpserver.smtp1.hostname", "smtp.home.test")}\n${line("mail.smtp.defaultserver", "smtp1")}\n`;
    const kept = await onboarded(base);
    const file = join(kept.profile, "prefs.js");
    await writeFile(file, (await readFile(file, "utf8")).replace(/("mail\.smtpserver\.smtp2\.port", )\d+/, "$12525"));
    const out = await offboardThunderbird({ profile: kept.profile, config: kept.config, entry: kept.entry, now: NOW });
    expect(out.removed).toEqual([]);
    expect(out.left).toEqual(["outgoing server smtp2, identity id1, account account1, incoming server server1 left in place: mail.smtpserver.smtp2.port changed since"]);
    const prefs = prefsMap(await readFile(file, "utf8"));
    // The default account the tool set names the account that stays: it stays too. The user's default server was never touched.
    expect([prefs.get("mail.smtpserver.smtp2.port"), prefs.get("mail.accountmanager.defaultaccount"), prefs.get("mail.smtp.defaultserver"), prefs.get("mail.smtpservers")]).toEqual([2525, "account1", "smtp1", "smtp1,smtp2"]);

    const renamed = await onboarded(base);
    const file2 = join(renamed.profile, "prefs.js");
    await writeFile(file2, `${await readFile(file2, "utf8")}${line("mail.smtpserver.smtp2.description", "Work")}\n${line("mail.identity.id1.fullName", "Alice W.")}\n`);
    const gone = await offboardThunderbird({ profile: renamed.profile, config: renamed.config, entry: renamed.entry, now: NOW });
    expect(gone.removed).toEqual(["outgoing server smtp2 (relay.internal.test)", "identity id1", "account account1", "incoming server server1 (imap.internal.test)"]);
    expect(await readFile(file2, "utf8")).toBe(`${base}${line("mail.account.lastKey", 1)}\n`);
  });

  it("a preference the tool set outside its own entities that the user changed since is left, and said", async () => {
    const base = `${line("mail.smtpservers", "smtp1")}\n${line("mail.smtpserver.smtp1.hostname", "smtp.home.test")}\n${line("mail.smtp.defaultserver", "smtp1")}\n`;
    const o = await onboarded(base);
    const file = join(o.profile, "prefs.js");
    // The user made another account the default since.
    await writeFile(file, (await readFile(file, "utf8")).replace('"mail.accountmanager.defaultaccount", "account1"', '"mail.accountmanager.defaultaccount", "account7"'));
    const out = await offboardThunderbird({ profile: o.profile, config: o.config, entry: o.entry, now: NOW });
    expect(out.removed).toHaveLength(4);
    expect(out.left).toEqual(["mail.accountmanager.defaultaccount left as it is: changed since"]);
    expect(prefsMap(await readFile(file, "utf8")).get("mail.accountmanager.defaultaccount")).toBe("account7");
  });

  it("a dry run changes nothing; a missing profile is said, not an error", async () => {
    const o = await onboarded("");
    const before = await readFile(join(o.profile, "prefs.js"));
    const plan = await offboardThunderbird({ profile: o.profile, config: o.config, entry: o.entry, dryRun: true });
    expect(plan.changed).toBe(true);
    expect(plan.diff).toContain('- user_pref("mail.smtpserver.smtp1.hostname", "relay.internal.test");');
    expect(await readFile(join(o.profile, "prefs.js"))).toEqual(before);
    const missing = await offboardThunderbird({ profile: join(o.profile, "gone"), config: o.config });
    expect(missing).toMatchObject({ changed: false, left: [`the profile ${join(o.profile, "gone")} no longer exists`] });
  });
});
