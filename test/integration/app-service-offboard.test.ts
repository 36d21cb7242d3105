// Diagnostics' "Remove Relay Onboard's changes from this computer", through the app's service as
// the window calls it: a whole journey with the demo organisation (its root into a real NSS
// database through certutil, the sign-in test against the demo relay with "remember" on, the
// Thunderbird profile set up), then the list first — nothing changes — and the removal: the root,
// the relay account, the saved password and the journey go, the user's own account stays. Managed
// policy allowOffboard false withholds it.
import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JOURNEY_FILE } from "../../src/app/journey.js";
import { AppService } from "../../src/app/service.js";
import { prefsMap } from "../../src/clients/thunderbird/prefs.js";
import type { Policy } from "../../src/policy/policy.js";
import type { Keychain } from "../../src/secrets/keychain.js";
import { NssStore } from "../../src/truststore/nss.js";
import { tempDir } from "../helpers/org.js";

const hasCertutil = spawnSync("sh", ["-c", "command -v certutil"]).status === 0;
const services: AppService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

const USERS_OWN = 'user_pref("mail.smtpservers", "smtp1");\nuser_pref("mail.smtpserver.smtp1.hostname", "smtp.home.test");\nuser_pref("mail.smtp.defaultserver", "smtp1");\n';

async function setUp(policy?: Policy) {
  const dir = await tempDir("ro-app-offboard-");
  const profile = join(dir, "tb", "p.default");
  await mkdir(profile, { recursive: true });
  await writeFile(join(dir, "tb", "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\nDefault=1\n");
  await writeFile(join(profile, "prefs.js"), USERS_OWN);
  const db = join(dir, "nssdb");
  await mkdir(db);
  const store = new NssStore(db, { create: true });
  const saved = new Map<string, string>();
  const keychain: Keychain = {
    save: (a, p) => Promise.resolve(void saved.set(a, p)),
    load: (a) => Promise.resolve(saved.get(a)),
    remove: (a) => Promise.resolve(saved.delete(a)),
  };
  const s = new AppService({
    version: "test", stateDir: join(dir, "state"), policy: () => Promise.resolve(policy), stores: () => Promise.resolve([store]), keychain,
    thunderbirdRoots: [join(dir, "tb")], bundledOrgFile: join(dir, "none.json"), testTimeoutMs: 30_000, platform: "linux",
  });
  services.push(s);
  return { s, dir, profile, db, saved };
}

const ours = (db: string) => (spawnSync("certutil", ["-L", "-d", `sql:${db}`], { encoding: "utf8" }).stdout.match(/\(Relay Onboard\)/g) ?? []).length;

describe.skipIf(!hasCertutil)("the app's offboarding", () => {
  it("lists first and changes nothing, then takes back the root, the account, the saved password and the journey", { timeout: 120_000 }, async () => {
    const { s, dir, profile, db, saved } = await setUp();
    expect((await s.state()).allowOffboard).toBe(true);
    await s.useDemo();
    const login = s.demoUser()!;
    expect((await s.installCa()).stores[0]).toMatchObject({ installed: true, changed: true });
    expect((await s.test({ email: login.email, password: login.password, remember: true })).report?.verdict).toBe("pass");
    expect(saved.has(login.email)).toBe(true);
    expect(await s.configure({ email: login.email, name: "Demo User", clients: ["thunderbird"] })).toEqual([expect.objectContaining({ client: "thunderbird", status: "done" })]);
    expect(ours(db)).toBe(1);
    const configured = await readFile(join(profile, "prefs.js"));

    const plan = await s.offboard(true);
    expect(plan).toMatchObject({ dryRun: true, failed: false });
    expect(plan.items.map((i) => [i.id, i.status])).toEqual([
      ["ca", "unchanged"], [`ca:nss:${db}`, "planned"], [`client:thunderbird:${profile}`, "planned"], ["keychain", "planned"], ["state", "planned"],
    ]);
    expect(await readFile(join(profile, "prefs.js"))).toEqual(configured);
    expect([ours(db), saved.has(login.email)]).toEqual([1, true]);
    expect(await readdir(join(dir, "state"))).toEqual(expect.arrayContaining([JOURNEY_FILE, "installed.json"]));

    const done = await s.offboard(false);
    expect(done).toMatchObject({ dryRun: false, failed: false, changed: true });
    expect(done.items.map((i) => [i.id, i.status])).toEqual([
      ["ca", "unchanged"], [`ca:nss:${db}`, "done"], [`client:thunderbird:${profile}`, "done"], ["keychain", "done"], ["state", "done"],
    ]);
    expect(ours(db)).toBe(0);
    expect(saved.has(login.email)).toBe(false);
    const prefs = prefsMap(await readFile(join(profile, "prefs.js"), "utf8"));
    expect([prefs.get("mail.smtpservers"), prefs.get("mail.smtp.defaultserver"), prefs.get("mail.smtpserver.smtp1.hostname")]).toEqual(["smtp1", "smtp1", "smtp.home.test"]);
    expect([...prefs.keys()].filter((n) => n.startsWith("mail.identity.") || n.startsWith("mail.smtpserver.smtp2."))).toEqual([]);
    expect(await readdir(join(dir, "state"))).toEqual(expect.not.arrayContaining([JOURNEY_FILE, "installed.json"]));
    // The wizard starts afresh; a second removal finds nothing.
    expect((await s.state()).journey.email).toBeUndefined();
    const again = await s.offboard(true);
    expect(again.items.filter((i) => i.status === "planned")).toEqual([]);
  });

  it("managed policy allowOffboard false: not offered, and refused if asked anyway", async () => {
    const { s, db } = await setUp({ source: "test policy", allowDemo: true, allowOffboard: false });
    expect((await s.state()).allowOffboard).toBe(false);
    await s.useDemo();
    await s.installCa();
    await expect(s.offboard(true)).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("allowOffboard") });
    expect(ours(db)).toBe(1);
  });
});
