// Root acting for a user (the MDM way: HOME set to the user's home) against a hostile user. NSS loads
// the modules a database's pkcs11.txt names, and a libnssckbi.so beside it: a user who plants a
// shared library there must never have it run as root — not from the read-only `status`, not from
// `ca status`, not from `ca install`. The library here is built in the test with the C compiler and
// records the uid it runs with. And the rest of what such a user can plant: a database or profile
// that is a link to another user's, a profiles.ini whose absolute Path= names a root-only folder or
// another user's profile. Each is refused (BAD_INPUT, naming it) and nothing there changes. The
// users are real accounts made with useradd in set-up (issue 22).
import { execFileSync, spawnSync } from "node:child_process";
import { appendFile, chmod, chown, copyFile, lchown, lstat, mkdir, readFile, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { jwksText, makeKey, signed, tempDir, testCa } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";
import { runShipped, SEA } from "../helpers/shipped.js";

const USER = 65534;
/** Real accounts for the attacks between users (made in set-up when missing). */
const ATTACKER = "ro-attacker";
const VICTIM = "ro-victim";
const isRoot = process.getuid?.() === 0;
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const runnable = isRoot && has("gcc") && has("certutil");
if (!runnable) console.warn("root-for-user.test.ts skipped: it needs root, gcc and certutil (npm test as root provisions them)");

async function chownTree(path: string): Promise<void> {
  await chown(path, USER, USER);
  if ((await stat(path)).isDirectory()) for (const name of await readdir(path)) await chownTree(join(path, name));
}

describe.skipIf(!runnable)("root working in a hostile user's home runs NSS as that user", () => {
  let base: string;
  let uidLog: string;
  let rootPem: string;
  let pin: string;
  let org: { config: string; trust: string };

  /** A home owned by the user with one NSS database; `evil` adds the recording module both ways. */
  async function home(name: string, evil: boolean): Promise<{ home: string; db: string }> {
    const dir = join(base, name);
    const db = join(dir, ".pki", "nssdb");
    await mkdir(db, { recursive: true });
    execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${db}`]);
    if (evil) {
      await appendFile(join(db, "pkcs11.txt"), `\nlibrary=${join(base, "evil.so")}\nname=Evil\n`);
      await copyFile(join(base, "evil.so"), join(db, "libnssckbi.so"));
    }
    await chownTree(dir);
    return { home: dir, db };
  }

  let attacker: { uid: number; gid: number };
  let victim: { uid: number; gid: number };

  function account(name: string): { uid: number; gid: number } {
    if (spawnSync("id", ["-u", name]).status !== 0) execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
    const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  }

  /** A home for `who` (0755, theirs), with what `fill` puts in it, all of it theirs. */
  async function homeOf(who: { uid: number; gid: number }, name: string, fill: (home: string) => Promise<void>): Promise<string> {
    const dir = join(base, name);
    await mkdir(dir, { recursive: true });
    await fill(dir);
    const own = async (p: string): Promise<void> => {
      await lchown(p, who.uid, who.gid);
      const s = await lstat(p);
      if (s.isDirectory()) for (const n of await readdir(p)) await own(join(p, n));
    };
    await own(dir);
    await chmod(dir, 0o755);
    return dir;
  }

  /** A Thunderbird profiles.ini naming one default profile. */
  const profilesIni = (path: string, relative: boolean) => `[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=${relative ? 1 : 0}\nPath=${path}\nDefault=1\n`;

  const asUserOf = (h: string) => ({ env: { HOME: h } });
  const orgArgs = () => ["--config", org.config, "--trust", org.trust];

  beforeAll(async () => {
    attacker = account(ATTACKER);
    victim = account(VICTIM);
    base = await tempDir("ro-root-for-user-");
    await chmod(base, 0o755);
    uidLog = join(base, "uids.log");
    await writeFile(uidLog, "");
    await chmod(uidLog, 0o666);
    await writeFile(join(base, "evil.c"), `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void record(void) {\n  FILE *f = fopen(${JSON.stringify(uidLog)}, "a");\n  if (f) { fprintf(f, "%d\\n", (int)getuid()); fclose(f); }\n}\n`);
    execFileSync("gcc", ["-shared", "-fPIC", "-o", join(base, "evil.so"), join(base, "evil.c")]);
    await chmod(join(base, "evil.so"), 0o755);
    rootPem = (await testCa()).certPem;
    pin = sha256Hex(singleCertificateDer(rootPem));
    await writeFile(join(base, "root.pem"), rootPem);
    const key = await makeKey();
    org = { config: join(base, "config.jws"), trust: join(base, "trusted-keys.json") };
    await writeFile(org.config, await signed(key, { now: new Date() }));
    await writeFile(org.trust, jwksText([key]));
  }, 60_000);

  it("status, ca status and ca install load the planted library only as the user, never as root", async () => {
    const { home: h } = await home("hostile", true);
    // The planted module really is loaded by NSS (the test has power): certutil as root records 0.
    const cert = ["--cert", join(base, "root.pem"), "--sha256", pin, "--store", "nss", "--json"];
    await runShipped(["status", "--config", org.config, "--trust", org.trust, "--state-dir", join(base, "state"), "--ca-store", "nss", "--json"], { env: { HOME: h } });
    await runShipped(["ca", "status", ...cert], { env: { HOME: h } });
    await runShipped(["ca", "install", "--yes", ...cert], { env: { HOME: h } });
    const uids = (await readFile(uidLog, "utf8")).split("\n").filter(Boolean);
    expect(uids.length).toBeGreaterThan(0);
    expect(uids.filter((u) => u === "0")).toEqual([]);
    expect(new Set(uids)).toEqual(new Set([String(USER)]));
  }, 60_000);

  it("a user's own database still gets the root, and every file in it stays the user's", async () => {
    const { home: h, db } = await home("plain", false);
    const ran = await runShipped(["ca", "install", "--yes", "--cert", join(base, "root.pem"), "--sha256", pin, "--store", "nss", "--json"], { env: { HOME: h } });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect(execFileSync("certutil", ["-L", "-d", `sql:${db}`], { encoding: "utf8" })).toMatch(/Relay Onboard/);
    for (const name of await readdir(db)) expect((await stat(join(db, name))).uid, name).toBe(USER);
  }, 60_000);

  it("onboard and configure thunderbird run NSS on the user's profile only as the user", async () => {
    const h = await homeOf(attacker, "hostile-profile", async (home) => {
      const profile = join(home, ".thunderbird", "x.default");
      await mkdir(profile, { recursive: true });
      await writeFile(join(home, ".thunderbird", "profiles.ini"), profilesIni("x.default", true));
      execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${profile}`]);
      await appendFile(join(profile, "pkcs11.txt"), `\nlibrary=${join(base, "evil.so")}\nname=Evil\n`);
      await copyFile(join(base, "evil.so"), join(profile, "libnssckbi.so"));
    });
    await writeFile(uidLog, "");
    const onboarded = await runShipped(["onboard", "--yes", "--email", "alice@internal.test", ...orgArgs(), "--ca-store", "nss", "--clients", "thunderbird", "--log-dir", join(base, "logs"), "--json"], asUserOf(h));
    expect(onboarded.status, onboarded.stdout + onboarded.stderr).toBe(0);
    const configured = await runShipped(["configure", "thunderbird", "--email", "alice@internal.test", ...orgArgs(), "--json"], asUserOf(h));
    expect(configured.status, configured.stdout + configured.stderr).toBe(0);
    const before = (await readFile(uidLog, "utf8")).split("\n").filter(Boolean);
    expect(new Set(before), "onboard and configure").toEqual(new Set([String(attacker.uid)]));
    await writeFile(uidLog, "");
    // And offboard takes it all back the same way: the roots out of the profile's database and the account out of its prefs, as the user.
    const offboarded = await runShipped(["offboard", "--yes", "--email", "alice@internal.test", ...orgArgs(), "--ca-store", "nss", "--clients", "thunderbird", "--json"], asUserOf(h));
    expect(offboarded.status, offboarded.stdout + offboarded.stderr).toBe(0);
    const offSteps = (JSON.parse(offboarded.stdout) as { steps: Array<{ id: string; status: string }> }).steps;
    expect(offSteps.filter((st) => st.id.startsWith("ca:nss:") || st.id.startsWith("client:thunderbird:")).map((st) => st.status)).toEqual(["done", "done"]);
    // Read back as the user too (certutil as root would load the planted library itself).
    expect(execFileSync("certutil", ["-L", "-d", `sql:${join(h, ".thunderbird", "x.default")}`], { encoding: "utf8", uid: attacker.uid, gid: attacker.gid })).not.toMatch(/Relay Onboard/);
    const uids = (await readFile(uidLog, "utf8")).split("\n").filter(Boolean);
    expect(uids.length).toBeGreaterThan(0);
    expect(new Set(uids)).toEqual(new Set([String(attacker.uid)]));
    // Root's record of the configuration is root's, outside the user's reach.
    expect((await stat(`/var/lib/relay-onboard/users/${attacker.uid}`)).uid).toBe(0);
    for (const name of await readdir(join(h, ".thunderbird", "x.default"))) expect((await lstat(join(h, ".thunderbird", "x.default", name))).uid, name).toBe(attacker.uid);
  }, 90_000);

  it("a ~/.pki/nssdb that is a link to another user's database is refused, and that database is untouched", async () => {
    const victimHome = await homeOf(victim, "victim-db", async (home) => {
      await mkdir(join(home, ".pki", "nssdb"), { recursive: true });
      execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${join(home, ".pki", "nssdb")}`]);
    });
    await chmod(join(victimHome, ".pki", "nssdb"), 0o777); // even a database the attacker could write is not root's to change
    for (const n of await readdir(join(victimHome, ".pki", "nssdb"))) await chmod(join(victimHome, ".pki", "nssdb", n), 0o666);
    const h = await homeOf(attacker, "linked-db", async (home) => {
      await mkdir(join(home, ".pki"), { recursive: true });
      await symlink(join(victimHome, ".pki", "nssdb"), join(home, ".pki", "nssdb"));
    });
    const before = execFileSync("certutil", ["-L", "-d", `sql:${join(victimHome, ".pki", "nssdb")}`], { encoding: "utf8" });
    const installed = await runShipped(["ca", "install", "--yes", "--cert", join(base, "root.pem"), "--sha256", pin, "--store", "nss", "--json"], asUserOf(h));
    expect(installed.status, installed.stdout + installed.stderr).not.toBe(0);
    expect(installed.stdout + installed.stderr).toMatch(/BAD_INPUT/);
    expect(installed.stdout + installed.stderr).toContain(`the NSS database ${join(h, ".pki", "nssdb")} is outside the user's home ${h} (it leads to ${join(victimHome, ".pki", "nssdb")})`);
    const status = await runShipped(["status", ...orgArgs(), "--ca-store", "nss", "--json"], asUserOf(h));
    const items = (JSON.parse(status.stdout) as { items: Array<{ id: string; state: string; code?: string }> }).items;
    expect(items.find((i) => i.id.startsWith("ca:nss:"))).toMatchObject({ state: "failed", code: "BAD_INPUT" });
    expect(execFileSync("certutil", ["-L", "-d", `sql:${join(victimHome, ".pki", "nssdb")}`], { encoding: "utf8" })).toBe(before);
  }, 60_000);

  it("a profile that is a link to another user's, or an absolute Path= to a root-only folder or another user's profile, is refused; none is written", async () => {
    const rootOnly = join(base, "root-only");
    await mkdir(rootOnly, { mode: 0o755 });
    const victimHome = await homeOf(victim, "victim-profile", async (home) => {
      await mkdir(join(home, ".thunderbird", "v.default"), { recursive: true });
      await writeFile(join(home, ".thunderbird", "v.default", "prefs.js"), 'user_pref("mail.identity.id1.useremail", "victim@internal.test");\n');
    });
    await chmod(join(victimHome, ".thunderbird", "v.default"), 0o777);
    await chmod(join(victimHome, ".thunderbird", "v.default", "prefs.js"), 0o666);
    const victimPrefs = await readFile(join(victimHome, ".thunderbird", "v.default", "prefs.js"), "utf8");
    const victimProfile = join(victimHome, ".thunderbird", "v.default");
    for (const [name, target] of [["abs-root-only", rootOnly], ["abs-victim", victimProfile], ["link-victim", victimProfile]] as const) {
      const linked = name === "link-victim";
      const h = await homeOf(attacker, name, async (home) => {
        await mkdir(join(home, ".thunderbird"), { recursive: true });
        // A relative profile that is a link to the victim's profile, or an absolute Path= to the target.
        if (linked) await symlink(target, join(home, ".thunderbird", "x.default"));
        await writeFile(join(home, ".thunderbird", "profiles.ini"), linked ? profilesIni("x.default", true) : profilesIni(target, false));
      });
      const configured = await runShipped(["configure", "thunderbird", "--email", "mallory@internal.test", ...orgArgs(), "--json"], asUserOf(h));
      expect(configured.status, name + configured.stdout + configured.stderr).toBe(2);
      const named = linked ? `the Thunderbird profile ${join(h, ".thunderbird", "x.default")} is outside the user's home ${h} (it leads to ${target})` : `the Thunderbird profile ${target} is outside the user's home ${h}`;
      expect(configured.stdout + configured.stderr, name).toContain(named);
      const onboarded = await runShipped(["onboard", "--yes", "--email", "mallory@internal.test", ...orgArgs(), "--ca-store", "nss", "--clients", "thunderbird", "--log-dir", join(base, "logs"), "--json"], asUserOf(h));
      const step = (JSON.parse(onboarded.stdout) as { steps: Array<{ id: string; status: string; code?: string }> }).steps.find((st) => st.id === "client:thunderbird");
      expect(step, name).toMatchObject({ status: "failed", code: "BAD_INPUT" });
      const status = await runShipped(["status", ...orgArgs(), "--email", "mallory@internal.test", "--ca-store", "none", "--json"], asUserOf(h));
      const item = (JSON.parse(status.stdout) as { items: Array<{ id: string; state: string; code?: string }> }).items.find((i) => i.id === "client:thunderbird");
      expect(item, name).toMatchObject({ state: "failed", code: "BAD_INPUT" });
    }
    expect(await readdir(rootOnly)).toEqual([]);
    expect(await readdir(join(victimHome, ".thunderbird", "v.default"))).toEqual(["prefs.js"]);
    expect(await readFile(join(victimHome, ".thunderbird", "v.default", "prefs.js"), "utf8")).toBe(victimPrefs);
  }, 90_000);

  it("thunderbird-policy --install refuses an installation a user owns, and one whose distribution is a link", async () => {
    const elsewhere = join(base, "policy-elsewhere");
    await mkdir(elsewhere, { mode: 0o755 });
    const owned = await homeOf(attacker, "opt-thunderbird", async (dir) => {
      await symlink(elsewhere, join(dir, "distribution"));
    });
    // The same link in a root-owned installation: the link alone is enough to refuse.
    const rootsInstall = join(base, "opt-thunderbird-root");
    await mkdir(rootsInstall, { mode: 0o755 });
    await symlink(elsewhere, join(rootsInstall, "distribution"));
    for (const [dir, why] of [[owned, `${owned} belongs to another account (uid ${attacker.uid}), not to root`], [rootsInstall, `${join(rootsInstall, "distribution")} is a link`]] as const) {
      const ran = await runShipped(["configure", "thunderbird-policy", "--install", "--install-dir", dir, ...orgArgs(), "--json"]);
      expect(ran.status, ran.stdout + ran.stderr).toBe(2);
      expect(JSON.parse(ran.stdout)).toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining(why) as unknown });
    }
    expect(await readdir(elsewhere)).toEqual([]);
  }, 60_000);

  it("docs/samples/linux-compliance.sh run as root for a user onboards them, every file theirs, root's record root's", async () => {
    const h = await homeOf(victim, "compliance", async (home) => {
      await mkdir(join(home, ".thunderbird", "p.default"), { recursive: true });
      await writeFile(join(home, ".thunderbird", "profiles.ini"), profilesIni("p.default", true));
    });
    const sample = join(import.meta.dirname, "..", "..", "docs", "samples", "linux-compliance.sh");
    const ran = spawnSync("sh", [sample, "victim@internal.test"], {
      encoding: "utf8",
      env: { PATH: `${dirname(SEA)}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: h, ...testClockEnv(), RELAY_ONBOARD_ARGS: `${orgArgs().join(" ")} --ca-store nss --clients thunderbird` },
    });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/victim@internal\.test is not onboarded yet: onboarding[\s\S]*\nCOMPLIANT: /);
    const profile = join(h, ".thunderbird", "p.default");
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toContain('"victim@internal.test"');
    for (const name of await readdir(profile)) expect((await lstat(join(profile, name))).uid, name).toBe(victim.uid);
    expect((await stat(`/var/lib/relay-onboard/users/${victim.uid}`)).uid).toBe(0);
  }, 90_000);
});
