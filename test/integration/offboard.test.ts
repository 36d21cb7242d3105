// `relay-onboard offboard` as IT runs it when a user or a machine leaves: onboard a sandbox home
// whose Thunderbird already has the user's own account, let the real Thunderbird run on it (it
// rewrites prefs.js on exit), then offboard. The real Thunderbird is the oracle afterwards: the
// relay's server, identity and account are gone, the user's own account is as it was. The roots
// leave the profile's NSS database, the tool's state goes (the rollback record stays), a second
// run changes nothing and `status` exits 1. Then the same as root for a user (issue 18's rule).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chown, lstat, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { prefsMap } from "../../src/clients/thunderbird/prefs.js";
import { Marionette, READ_ACCOUNTS, type ThunderbirdView } from "../helpers/marionette.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";
import { runShipped } from "../helpers/shipped.js";

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js");
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const hasThunderbird = has("thunderbird");
if (!hasThunderbird) console.warn("offboard.test.ts: the real-Thunderbird readings are skipped: Thunderbird is not installed (npm test provisions it as root)");
const runnable = has("certutil");
if (!runnable) console.warn("offboard.test.ts skipped: it needs certutil (npm test as root provisions libnss3-tools)");
const isRoot = process.getuid?.() === 0;

const EMAIL = "alice@internal.test";
/** The user's own account, there before onboarding: Local Folders and a personal IMAP account with its own SMTP server. */
const USERS_OWN = [
  'user_pref("mail.account.account1.server", "server1");',
  'user_pref("mail.account.account2.identities", "id1");',
  'user_pref("mail.account.account2.server", "server2");',
  'user_pref("mail.account.lastKey", 2);',
  'user_pref("mail.accountmanager.accounts", "account2,account1");',
  'user_pref("mail.accountmanager.defaultaccount", "account2");',
  'user_pref("mail.accountmanager.localfoldersserver", "server1");',
  'user_pref("mail.identity.id1.fullName", "Alice Private");',
  'user_pref("mail.identity.id1.useremail", "alice@example.net");',
  'user_pref("mail.identity.id1.smtpServer", "smtp1");',
  'user_pref("mail.identity.id1.valid", true);',
  'user_pref("mail.server.server1.hostname", "Local Folders");',
  'user_pref("mail.server.server1.name", "Local Folders");',
  'user_pref("mail.server.server1.type", "none");',
  'user_pref("mail.server.server1.userName", "nobody");',
  'user_pref("mail.server.server2.hostname", "imap.example.net");',
  'user_pref("mail.server.server2.port", 993);',
  'user_pref("mail.server.server2.socketType", 3);',
  'user_pref("mail.server.server2.type", "imap");',
  'user_pref("mail.server.server2.userName", "alice");',
  'user_pref("mail.smtp.defaultserver", "smtp1");',
  'user_pref("mail.smtpserver.smtp1.hostname", "smtp.example.net");',
  'user_pref("mail.smtpserver.smtp1.port", 465);',
  'user_pref("mail.smtpserver.smtp1.try_ssl", 3);',
  'user_pref("mail.smtpserver.smtp1.username", "alice");',
  'user_pref("mail.smtpservers", "smtp1");',
];
const OWN = prefsMap(USERS_OWN.join("\n"));

let org: { config: string; trust: string; rootSha: string };

beforeAll(async () => {
  if (!runnable) return;
  const dir = await tempDir("ro-offboard-org-");
  const key = await makeKey();
  const payload = await unsignedPayload();
  payload.config.incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
  org = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json"), rootSha: payload.config.rootCa.sha256.toLowerCase() };
  await writeFile(org.config, await signed(key, { payload, now: new Date() }));
  await writeFile(org.trust, jwksText([key]));
});

async function sandbox(): Promise<{ home: string; profile: string; state: string }> {
  const home = await tempDir("ro-offboard-home-");
  const profile = join(home, ".thunderbird", "abcd1234.default-release");
  await mkdir(profile, { recursive: true });
  await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd1234.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
  await writeFile(join(profile, "prefs.js"), `// Mozilla User Preferences\n${USERS_OWN.join("\n")}\n`);
  execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${profile}`]);
  return { home, profile, state: join(home, "state") };
}

interface Step { id: string; status: string; message: string; code?: string }
interface Report { ok: boolean; code: string; changed: boolean; dryRun?: boolean; steps: Step[] }
type Run = { status: number; stdout: string; stderr: string };

async function run(home: string, args: string[]): Promise<Run> {
  return exec(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"], HOME: home, ...testClockEnv() } }).then(
    (ok) => ({ status: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

const who = (box: { state: string }) => ["--config", org.config, "--trust", org.trust, "--state-dir", box.state, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "nss"];

/** The roots in the profile's NSS database: nickname → SHA-256. */
function nssRoots(profile: string): string[] {
  const listed = execFileSync("certutil", ["-L", "-d", `sql:${profile}`], { encoding: "utf8" });
  return listed.split("\n").slice(4).map((l) => l.replace(/\s+\S+,\S*,\S*\s*$/, "").trim()).filter(Boolean);
}

async function thunderbirdView(profile: string): Promise<ThunderbirdView> {
  const m = await Marionette.start(profile);
  try {
    return await m.execute<ThunderbirdView>(READ_ACCOUNTS);
  } finally {
    await m.quit();
  }
}

function expectUsersOwn(view: ThunderbirdView) {
  expect(view.servers.find((s) => s.host === "smtp.example.net")).toMatchObject({ key: "smtp1", port: 465, socketType: 3, username: "alice" });
  expect(view.identities.find((i) => i.email === "alice@example.net")).toMatchObject({ key: "id1", fullName: "Alice Private", smtpServerKey: "smtp1" });
  expect(view.accounts.find((a) => a.key === "account2")).toMatchObject({ identities: ["id1"], server: { type: "imap", host: "imap.example.net", port: 993, socketType: 3 } });
}

describe.skipIf(!runnable)("relay-onboard offboard", () => {
  it("takes back the relay account and the roots, keeps the user's own account (read back by the real Thunderbird), and a second run changes nothing", { timeout: 300_000 }, async () => {
    const box = await sandbox();
    const onboard = await run(box.home, ["onboard", ...who(box), "--name", "Alice Example", "--yes", "--json", "--log-dir", join(box.home, "logs")]);
    expect(onboard.status, onboard.stdout + onboard.stderr).toBe(0);
    expect((JSON.parse(onboard.stdout) as Report).steps.map((s) => [s.id, s.status])).toEqual(expect.arrayContaining([["client:thunderbird", "done"], ["record", "done"]]));
    const record = JSON.parse(await readFile(join(box.state, "installed.json"), "utf8")) as { roots: Array<{ store: string; sha256: string; handle: string }>; thunderbird: Array<{ profile: string; created: Record<string, string> }> };
    expect(record.roots).toEqual(expect.arrayContaining([expect.objectContaining({ store: "nss", sha256: org.rootSha })]));
    expect(record.thunderbird).toEqual([expect.objectContaining({ profile: box.profile, created: { smtp: "smtp2", identity: "id2", account: "account3", server: "server3" } })]);
    const ourNick = record.roots.find((r) => r.sha256 === org.rootSha)!.handle;
    expect(nssRoots(box.profile)).toContain(ourNick);
    expect((await run(box.home, ["status", ...who(box)])).status).toBe(0);

    // Thunderbird runs on the profile in between, as it will for the user: it rewrites prefs.js.
    if (hasThunderbird) {
      const view = await thunderbirdView(box.profile);
      expect(view.servers.map((s) => s.host)).toContain("relay.internal.test");
      expectUsersOwn(view);
    }

    // The plan first: nothing changes.
    const prefsBefore = await readFile(join(box.profile, "prefs.js"));
    const recordBefore = await readFile(join(box.state, "installed.json"));
    const plan = await run(box.home, ["offboard", ...who(box), "--dry-run", "--json"]);
    expect(plan.status, plan.stdout + plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as Report;
    expect(planned).toMatchObject({ ok: true, dryRun: true });
    expect(planned.steps.find((s) => s.id === `ca:nss:${box.profile}`)).toMatchObject({ status: "planned" });
    expect(planned.steps.find((s) => s.id === `client:thunderbird:${box.profile}`)).toMatchObject({ status: "planned", message: expect.stringContaining("outgoing server smtp2 (relay.internal.test)") });
    expect(await readFile(join(box.profile, "prefs.js"))).toEqual(prefsBefore);
    expect(await readFile(join(box.state, "installed.json"))).toEqual(recordBefore);
    expect(nssRoots(box.profile)).toContain(ourNick);

    const first = await run(box.home, ["offboard", ...who(box), "--yes", "--json"]);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const done = JSON.parse(first.stdout) as Report;
    expect(done).toMatchObject({ ok: true, code: "OK", changed: true });
    expect(done.steps.map((s) => [s.id, s.status])).toEqual([
      ["ca", "unchanged"], [`ca:nss:${box.profile}`, "done"], [`client:thunderbird:${box.profile}`, "done"], ["keychain", "unchanged"], ["state", "done"],
    ]);
    expect(nssRoots(box.profile)).not.toContain(ourNick);
    const prefs = prefsMap(await readFile(join(box.profile, "prefs.js"), "utf8"));
    for (const [name, value] of OWN) if (name !== "mail.account.lastKey") expect(prefs.get(name), name).toEqual(value);
    expect([...prefs.keys()].filter((n) => /^mail\.(smtpserver\.smtp2|identity\.id2|account\.account3|server\.server3)\./.test(n))).toEqual([]);
    expect(await readdir(box.state)).toEqual(expect.not.arrayContaining(["installed.json", "app-journey.json"]));
    expect(await readdir(box.state)).toContain("config-state.json");

    if (hasThunderbird) {
      const view = await thunderbirdView(box.profile);
      expect(view.servers.map((s) => s.host)).not.toContain("relay.internal.test");
      expect(view.identities.map((i) => i.email)).not.toContain(EMAIL);
      expect(view.accounts.map((a) => a.server?.host)).not.toContain("imap.internal.test");
      expectUsersOwn(view);
    }

    const settled = await readFile(join(box.profile, "prefs.js"));
    const second = await run(box.home, ["offboard", ...who(box), "--yes", "--json"]);
    expect(second.status, second.stdout).toBe(0);
    const again = JSON.parse(second.stdout) as Report;
    expect(again.changed).toBe(false);
    expect(again.steps.filter((s) => s.status !== "unchanged")).toEqual([]);
    expect(await readFile(join(box.profile, "prefs.js"))).toEqual(settled);

    const status = await run(box.home, ["status", ...who(box), "--json"]);
    expect([status.status, (JSON.parse(status.stdout) as { code: string }).code]).toEqual([1, "NOT_ONBOARDED"]);
  });

  it("a relay server the user changed since is left with its identity and account, and said; the tool's other changes still go", async () => {
    const box = await sandbox();
    expect((await run(box.home, ["onboard", ...who(box), "--yes", "--json"])).status).toBe(0);
    const prefsFile = join(box.profile, "prefs.js");
    await writeFile(prefsFile, (await readFile(prefsFile, "utf8")).replace(/user_pref\("mail\.smtpserver\.smtp2\.port", \d+\);/, 'user_pref("mail.smtpserver.smtp2.port", 2525);'));
    const ran = await run(box.home, ["offboard", ...who(box), "--yes"]);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/outgoing server smtp2, identity id2, account account3, incoming server server3 left in place: mail\.smtpserver\.smtp2\.port changed since/);
    const prefs = prefsMap(await readFile(prefsFile, "utf8"));
    expect(prefs.get("mail.smtpserver.smtp2.port")).toBe(2525);
    expect(prefs.get("mail.smtpserver.smtp2.hostname")).toBe("relay.internal.test");
    expect(prefs.get("mail.smtpservers")).toBe("smtp1,smtp2");
    // The roots went all the same.
    expect(nssRoots(box.profile).some((n) => n.endsWith("(Relay Onboard)"))).toBe(false);
  });

  it("the executable as shipped: refuses without --yes, and with no record nor configuration finds nothing of its own", async () => {
    const box = await sandbox();
    const refused = await runShipped(["offboard", "--state-dir", box.state], { env: { HOME: box.home } });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/USAGE/);
    // --email names a password the tool never recorded: the executable has no keychain access, and says so.
    const bare = await runShipped(["offboard", "--state-dir", box.state, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "nss", "--yes", "--json"], { env: { HOME: box.home } });
    expect(bare.status, bare.stdout + bare.stderr).toBe(0);
    const report = JSON.parse(bare.stdout) as Report;
    expect(report.changed).toBe(false);
    expect(report.steps.find((s) => s.id === "keychain")).toMatchObject({ status: "unchanged", message: expect.stringContaining(`no keychain to look in for ${EMAIL}`) });
    expect(await readFile(join(box.profile, "prefs.js"), "utf8")).toBe(`// Mozilla User Preferences\n${USERS_OWN.join("\n")}\n`);
  });

  it.skipIf(!isRoot)("as root for a user: the profile is changed as its owner, every file stays the user's", async () => {
    const box = await sandbox();
    const uid = 65534;
    const own = async (p: string): Promise<void> => {
      await chown(p, uid, uid);
      if ((await lstat(p)).isDirectory()) for (const n of await readdir(p)) await own(join(p, n));
    };
    await own(join(box.home, ".thunderbird"));
    await chown(box.home, uid, uid);
    const rootState = await tempDir("ro-offboard-root-state-");
    const args = ["--config", org.config, "--trust", org.trust, "--state-dir", rootState, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "nss"];
    expect((await run(box.home, ["onboard", ...args, "--yes", "--json"])).status).toBe(0);
    const ran = await run(box.home, ["offboard", ...args, "--yes", "--json"]);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect((JSON.parse(ran.stdout) as Report).steps.find((s) => s.id === `client:thunderbird:${box.profile}`)).toMatchObject({ status: "done" });
    for (const name of await readdir(box.profile)) expect((await stat(join(box.profile, name))).uid, name).toBe(uid);
    expect(nssRoots(box.profile).some((n) => n.endsWith("(Relay Onboard)"))).toBe(false);
  });
});
