// configureThunderbird's edges: the words of a policy refusal, a prefs.js it cannot read, the diff
// it prints, backups (none for an empty file, a fresh name when one is taken), and the file modes
// it keeps. The main behaviour is in thunderbird-prefs.test.ts.
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configureThunderbird } from "../../src/clients/thunderbird/configure.js";
import type { PrefPolicy } from "../../src/clients/thunderbird/locks.js";
import type { OrgConfig } from "../../src/config/schema.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

async function config(): Promise<OrgConfig> {
  return (await unsignedPayload()).config;
}
const NOW = new Date("2026-11-30T12:00:00.000Z");

describe("configureThunderbird: refusals in words", () => {
  it("says whether the deployment locks, sets or clears the pref, to what, and what we need", async () => {
    const profile = await tempDir("ro-tbc-");
    const cases: Array<[PrefPolicy, string]> = [
      [{ name: "mail.smtpserver.smtp1.try_ssl", status: "locked", value: 0, file: "/x/policies.json" }, "/x/policies.json locks mail.smtpserver.smtp1.try_ssl to 0; Relay Onboard needs 2"],
      [{ name: "mail.smtpserver.smtp1.try_ssl", status: "user", value: 3, file: "/x/a.cfg" }, "/x/a.cfg sets mail.smtpserver.smtp1.try_ssl to 3; Relay Onboard needs 2"],
      [{ name: "mail.smtpserver.smtp1.try_ssl", status: "clear", file: "/x/a.cfg" }, "/x/a.cfg clears mail.smtpserver.smtp1.try_ssl; Relay Onboard needs 2"],
      [{ name: "mail.smtpserver.smtp1.hostname", status: "locked", file: "/x/a.cfg" }, '/x/a.cfg locks mail.smtpserver.smtp1.hostname; Relay Onboard needs "relay.internal.test"'],
    ];
    for (const [policy, message] of cases) {
      await expect(configureThunderbird({ profile, config: await config(), email: "alice@internal.test", policies: [policy] })).rejects.toMatchObject({ code: "CLIENT_LOCKED_BY_POLICY", message });
    }
    expect(await readdir(profile)).toEqual([]);
  });

  it("a prefs.js it cannot read is BAD_INPUT naming the file and the reason", async () => {
    const profile = await tempDir("ro-tbc-");
    await mkdir(join(profile, "prefs.js"));
    await expect(configureThunderbird({ profile, config: await config(), email: "alice@internal.test", policies: [] })).rejects.toMatchObject({ code: "BAD_INPUT", message: `cannot read ${join(profile, "prefs.js")}: EISDIR` });
  });
});

describe("configureThunderbird: what it writes", () => {
  it("prints one diff line per change, the old value first, user.js changes marked", async () => {
    const profile = await tempDir("ro-tbc-");
    await configureThunderbird({ profile, config: await config(), email: "alice@internal.test", policies: [] });
    const prefs = await readFile(join(profile, "prefs.js"), "utf8");
    await writeFile(join(profile, "prefs.js"), prefs.replace('user_pref("mail.smtpserver.smtp1.port", 587);', 'user_pref("mail.smtpserver.smtp1.port", 25);'));
    await writeFile(join(profile, "user.js"), 'user_pref("mail.smtpserver.smtp1.try_ssl", 0);\n');
    const r = await configureThunderbird({ profile, config: await config(), email: "alice@internal.test", policies: [], dryRun: true });
    const lines = r.diff.split("\n");
    expect(lines).toContain('- user_pref("mail.smtpserver.smtp1.port", 25);');
    expect(lines[lines.indexOf('- user_pref("mail.smtpserver.smtp1.port", 25);') + 1]).toBe('+ user_pref("mail.smtpserver.smtp1.port", 587);');
    expect(lines.slice(-2)).toEqual(['- user_pref("mail.smtpserver.smtp1.try_ssl", 0); (user.js)', '+ user_pref("mail.smtpserver.smtp1.try_ssl", 2); (user.js)']);
    expect(lines.filter((l) => l.startsWith("+ ")).length).toBe(r.changes.length + r.userJsChanges.length);
    expect(lines).toEqual(['- user_pref("mail.smtpserver.smtp1.port", 25);', '+ user_pref("mail.smtpserver.smtp1.port", 587);', '- user_pref("mail.smtpserver.smtp1.try_ssl", 0); (user.js)', '+ user_pref("mail.smtpserver.smtp1.try_ssl", 2); (user.js)']);
    expect(r.changed).toBe(true);
  });

  it("keeps no backup of an empty prefs.js, and takes a fresh backup name when the usual one exists", async () => {
    const empty = await tempDir("ro-tbc-");
    await writeFile(join(empty, "prefs.js"), "");
    const first = await configureThunderbird({ profile: empty, config: await config(), email: "alice@internal.test", policies: [], now: NOW });
    expect(first.backup).toBeUndefined();
    expect((await readdir(empty)).sort()).toEqual(["prefs.js"]);

    const taken = await tempDir("ro-tbc-");
    await writeFile(join(taken, "prefs.js"), 'user_pref("keep", 1);\n');
    await writeFile(join(taken, "prefs.js.relay-onboard-20261130T120000Z.bak"), "someone else's\n");
    const r = await configureThunderbird({ profile: taken, config: await config(), email: "alice@internal.test", policies: [], now: NOW });
    expect(r.backup).toMatch(/prefs\.js\.relay-onboard-20261130T120000Z-[0-9a-f]{8}\.bak$/);
    expect(await readFile(r.backup!, "utf8")).toBe('user_pref("keep", 1);\n');
    expect(await readFile(join(taken, "prefs.js.relay-onboard-20261130T120000Z.bak"), "utf8")).toBe("someone else's\n");
  });

  it("keeps each file's mode; a new prefs.js is private (0600)", async () => {
    const fresh = await tempDir("ro-tbc-");
    await configureThunderbird({ profile: fresh, config: await config(), email: "alice@internal.test", policies: [] });
    expect((await stat(join(fresh, "prefs.js"))).mode & 0o777).toBe(0o600);
    const shared = await tempDir("ro-tbc-");
    await writeFile(join(shared, "prefs.js"), 'user_pref("keep", 1);\n');
    await chmod(join(shared, "prefs.js"), 0o640);
    await configureThunderbird({ profile: shared, config: await config(), email: "alice@internal.test", policies: [] });
    expect((await stat(join(shared, "prefs.js"))).mode & 0o777).toBe(0o640);
  });
});
