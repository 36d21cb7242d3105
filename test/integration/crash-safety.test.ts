// A run killed anywhere converges (issue 24). The shipped executable is stopped with SIGKILL at
// every write event of a clean run in turn (RELAY_ONBOARD_TEST_KILL_AT, src/faultPoint.ts: after
// each temporary file is written and after each is moved into place — prefs.js, user.js, the
// backups, the NSS database made aside, the run lock, the install record, the state), then run
// again: the profile must end byte for byte where a clean run ends, its certificate store must
// hold the root, no temporary file of the killed run may remain, and offboard must then give the
// user's original files back — so the install record converged too. The profile's user.js
// overrides mail.smtpservers, the case that once produced a second relay server.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { Marionette } from "../helpers/marionette.js";
import { testClockEnv } from "../helpers/realClock.js";
import { runShipped, SEA, type Ran } from "../helpers/shipped.js";

const EMAIL = "alice@internal.test";
const hasThunderbird = spawnSync("sh", ["-c", "command -v thunderbird"]).status === 0;
if (!hasThunderbird) console.warn("crash-safety.test.ts: the real-Thunderbird case is skipped: Thunderbird is not installed (npm test provisions it as root)");
const PREFS = 'user_pref("mail.smtpservers", "smtp1");\nuser_pref("mail.smtpserver.smtp1.hostname", "smtp.home.test");\nuser_pref("mail.identity.id9.useremail", "home@home.test");\n';
const USER = '// the user\'s own overrides\nuser_pref("mail.smtpservers", "smtp1");\n';
let org: { config: string; trust: string; policyConfig: string };

beforeAll(async () => {
  const dir = await tempDir("ro-crash-org-");
  const key = await makeKey();
  org = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json"), policyConfig: join(dir, "config.jws") };
  await writeFile(org.config, await signed(key, { payload: await unsignedPayload(), now: new Date() }));
  await writeFile(org.trust, jwksText([key]));
});

interface Sandbox { home: string; profile: string; state: string; tmp: string }

async function sandbox(): Promise<Sandbox> {
  const home = await tempDir("ro-crash-home-");
  const profile = join(home, ".thunderbird", "p.default");
  await mkdir(profile, { recursive: true });
  await writeFile(join(profile, "prefs.js"), PREFS);
  await writeFile(join(profile, "user.js"), USER);
  await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\nDefault=1\n");
  const tmp = join(home, "tmp");
  await mkdir(tmp);
  return { home, profile, state: join(home, "state"), tmp };
}

const onboard = (s: Sandbox, killAt?: string): Promise<Ran> =>
  runShipped(["onboard", "--config", org.config, "--trust", org.trust, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "none", "--state-dir", s.state, "--log-dir", join(s.home, "logs"), "--yes", "--json"], {
    env: { HOME: s.home, TMPDIR: s.tmp, ...(killAt ? { RELAY_ONBOARD_TEST_KILL_AT: killAt } : {}) },
  });

const offboard = (s: Sandbox): Promise<Ran> =>
  runShipped(["offboard", "--config", org.config, "--trust", org.trust, "--email", EMAIL, "--state-dir", s.state, "--yes", "--json", "--keep-ca"], { env: { HOME: s.home, TMPDIR: s.tmp } });

const events = (stderr: string) => [...stderr.matchAll(/^relay-onboard write event (\d+): (.+)$/gm)].map((m) => m[2]!);

/** Every file under `dir` (relative), links and folders included. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

const nssListing = (profile: string) => execFileSync("certutil", ["-L", "-d", `sql:${profile}`], { encoding: "utf8" });
const profileFiles = async (s: Sandbox) => ({ prefs: await readFile(join(s.profile, "prefs.js"), "utf8"), user: await readFile(join(s.profile, "user.js"), "utf8") });
const leftovers = async (s: Sandbox) => (await tree(s.home)).filter((p) => /\.tmp$|(^|\/)relay-onboard-ca-|\.tmp\//.test(p));

describe("onboard killed at every write event, then run again", () => {
  it("converges to exactly what a clean run makes, leaves nothing behind, and offboard then restores the user's files", { timeout: 600_000 }, async () => {
    const clean = await sandbox();
    const first = await onboard(clean, "list");
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const names = events(first.stderr);
    // The events a run makes: the profile's two files (each backed up), the NSS database, the lock, the record.
    for (const wanted of ["prefs.js: in place", "user.js: in place", "NSS database: cert9.db in place", "onboard.lock: taken", ".relay-onboard.lock: taken", "installed.json: in place"]) expect(names).toContain(wanted);
    expect(names.indexOf("installed.json: in place")).toBeLessThan(names.indexOf("prefs.js: in place")); // the intent before the profile
    const want = await profileFiles(clean);
    const wantNss = nssListing(clean.profile);
    expect(wantNss).toContain("(Relay Onboard)");

    const failures: string[] = [];
    for (let k = 1; k <= names.length; k++) {
      const s = await sandbox();
      const killed = await onboard(s, String(k));
      expect(killed.signal, `event ${k} (${names[k - 1]}): ${killed.stdout}`).toBe("SIGKILL");
      const rerun = await onboard(s);
      const got = await profileFiles(s);
      const problems = [
        ...(rerun.status === 0 ? [] : [`rerun exit ${rerun.status}: ${rerun.stdout}`]),
        ...(got.prefs === want.prefs ? [] : [`prefs.js differs:\n${got.prefs}`]),
        ...(got.user === want.user ? [] : [`user.js differs:\n${got.user}`]),
        ...(nssListing(s.profile) === wantNss ? [] : ["the certificate store differs"]),
        ...(await leftovers(s)).map((p) => `left behind: ${p}`),
      ];
      // Taking it back must give the user's own files back: the record converged as well.
      const off = await offboard(s);
      const back = await profileFiles(s);
      if (off.status !== 0) problems.push(`offboard exit ${off.status}: ${off.stdout}`);
      if (back.user !== USER) problems.push(`after offboard, user.js is:\n${back.user}`);
      const withoutCounter = back.prefs.split("\n").filter((l) => !l.includes("mail.account.lastKey")).join("\n");
      if (withoutCounter !== PREFS) problems.push(`after offboard, prefs.js is:\n${back.prefs}`);
      if (problems.length) failures.push(`killed at event ${k} (${names[k - 1]}):\n  ${problems.join("\n  ")}`);
    }
    expect(failures).toEqual([]);
  });
});

describe("configure thunderbird-policy killed at every write event, then run again", () => {
  it("ends with exactly the clean run's policies.json and certificates, and no temporary file", { timeout: 300_000 }, async () => {
    const run = async (dir: string, killAt?: string) => {
      const target = join(dir, "distribution", "policies.json");
      return runShipped(["configure", "thunderbird-policy", "--config", org.policyConfig, "--trust", org.trust, "--state-dir", join(dir, "state"), "--out", target, "--json"], {
        env: { HOME: dir, TMPDIR: dir, ...(killAt ? { RELAY_ONBOARD_TEST_KILL_AT: killAt } : {}) },
      });
    };
    const prepare = async () => {
      const dir = await tempDir("ro-crash-policy-");
      await mkdir(join(dir, "distribution"));
      await writeFile(join(dir, "distribution", "policies.json"), '{"policies": {"DisableAppUpdate": true}}\n');
      return dir;
    };
    const snapshot = async (dir: string) => {
      const files = (await tree(join(dir, "distribution"))).filter((p) => !p.endsWith(".bak"));
      return Promise.all(files.map(async (p) => [p, (await readFile(join(dir, "distribution", p), "utf8").catch(() => "<folder>")).replaceAll(dir, "<dir>")] as const));
    };
    const cleanDir = await prepare();
    const first = await run(cleanDir, "list");
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const names = events(first.stderr);
    expect(names).toContain("policies.json: in place");
    const want = await snapshot(cleanDir);
    const failures: string[] = [];
    for (let k = 1; k <= names.length; k++) {
      const dir = await prepare();
      const killed = await run(dir, String(k));
      expect(killed.signal, `event ${k} (${names[k - 1]})`).toBe("SIGKILL");
      const rerun = await run(dir);
      const got = await snapshot(dir);
      const problems = [...(rerun.status === 0 ? [] : [`rerun exit ${rerun.status}: ${rerun.stdout}`]), ...(JSON.stringify(got) === JSON.stringify(want) ? [] : [`files differ: ${JSON.stringify(got)}`])];
      const left = (await tree(dir)).filter((p) => /\.tmp$/.test(p));
      problems.push(...left.map((p) => `left behind: ${p}`));
      if (problems.length) failures.push(`killed at event ${k} (${names[k - 1]}):\n  ${problems.join("\n  ")}`);
    }
    expect(failures).toEqual([]);
  });
});

describe("a running Thunderbird holds the profile", () => {
  it("onboard --ca-store nss writes neither its prefs nor its certificate store: both steps say CLIENT_RUNNING, exit 4", { timeout: 60_000 }, async () => {
    const s = await sandbox();
    execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${s.profile}`]);
    // The lock Thunderbird holds while it runs: a link to "host:+pid" of a live process.
    const holder = spawn("sleep", ["120"], { stdio: "ignore" });
    try {
      await symlink(`127.0.0.1:+${holder.pid}`, join(s.profile, "lock"));
      const before = { files: await profileFiles(s), nss: nssListing(s.profile), db: await readFile(join(s.profile, "cert9.db")) };
      const ran = await runShipped(["onboard", "--config", org.config, "--trust", org.trust, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "nss", "--state-dir", s.state, "--log-dir", join(s.home, "logs"), "--yes", "--json"], { env: { HOME: s.home, TMPDIR: s.tmp } });
      const report = JSON.parse(ran.stdout) as { steps: Array<{ id: string; status: string; code?: string }> };
      expect(ran.status, ran.stdout).toBe(4);
      expect(report.steps.filter((st) => st.id === "ca" || st.id === "client:thunderbird").map((st) => [st.id, st.status, st.code])).toEqual([["ca", "failed", "CLIENT_RUNNING"], ["client:thunderbird", "failed", "CLIENT_RUNNING"]]);
      expect(await profileFiles(s)).toEqual(before.files);
      expect(nssListing(s.profile)).toBe(before.nss);
      expect(await readFile(join(s.profile, "cert9.db"))).toEqual(before.db);
    } finally {
      holder.kill();
    }
  });
});

describe.skipIf(!hasThunderbird)("the real Thunderbird, headless, holding the profile", () => {
  it("onboard --ca-store nss leaves its prefs.js, user.js and cert9.db alone: both steps CLIENT_RUNNING", { timeout: 120_000 }, async () => {
    const s = await sandbox();
    const tb = await Marionette.start(s.profile); // Thunderbird makes its cert9.db and holds the profile
    try {
      const ran = await runShipped(["onboard", "--config", org.config, "--trust", org.trust, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "nss", "--state-dir", s.state, "--log-dir", join(s.home, "logs"), "--yes", "--json"], { env: { HOME: s.home, TMPDIR: s.tmp } });
      const report = JSON.parse(ran.stdout) as { steps: Array<{ id: string; status: string; code?: string }> };
      expect(ran.status, ran.stdout).toBe(4);
      expect(report.steps.filter((st) => st.id === "ca" || st.id === "client:thunderbird").map((st) => [st.id, st.status, st.code])).toEqual([["ca", "failed", "CLIENT_RUNNING"], ["client:thunderbird", "failed", "CLIENT_RUNNING"]]);
      // Thunderbird writes its own prefs while it runs: judge by ours, which must be nowhere.
      const host = (await unsignedPayload()).config.submission.host;
      const files = await profileFiles(s);
      expect(files.prefs + files.user).not.toContain(host);
      expect(nssListing(s.profile)).not.toContain("(Relay Onboard)");
    } finally {
      await tb.quit();
    }
  });
});

describe("runs racing", () => {
  const started = (s: Sandbox, env: Record<string, string>, state = s.state) =>
    spawn(SEA, ["onboard", "--config", org.config, "--trust", org.trust, "--email", EMAIL, "--clients", "thunderbird", "--ca-store", "none", "--state-dir", state, "--log-dir", join(s.home, "logs"), "--yes", "--json"], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: s.home, TMPDIR: s.tmp, ...testClockEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"],
    });
  const stopped = async (child: ReturnType<typeof spawn>) => {
    for (let i = 0; i < 200; i++) {
      if (/^State:\s+T/m.test(await readFile(`/proc/${child.pid}/status`, "utf8"))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("the first run never reached its stop point");
  };
  const finished = (child: ReturnType<typeof spawn>) => new Promise<{ status: number | null; stdout: string }>((resolve) => {
    let stdout = "";
    child.stdout!.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.on("close", (status) => resolve({ status, stdout }));
  });

  it("the run lock names its owner from the moment it exists: paused before it is in place, the other run takes it; paused after, the other refuses naming it", { timeout: 120_000 }, async () => {
    const clean = await sandbox();
    const names = events((await onboard(clean, "list")).stderr);
    for (const [point, expectLock] of [["onboard.lock: its PID written beside it", false], ["onboard.lock: taken", true]] as const) {
      const s = await sandbox();
      const first = started(s, { RELAY_ONBOARD_TEST_STOP_AT: String(names.indexOf(point) + 1) });
      const firstDone = finished(first);
      await stopped(first);
      const lock = await readFile(join(s.state, "onboard.lock"), "utf8").catch(() => undefined);
      expect(lock, point).toBe(expectLock ? String(first.pid) : undefined); // never empty
      const second = await onboard(s);
      if (expectLock) {
        expect(second.status, second.stdout).not.toBe(0);
        expect((JSON.parse(second.stdout) as { code: string; message: string })).toMatchObject({ code: "ALREADY_RUNNING", message: expect.stringContaining(`process ${first.pid}`) as unknown });
      } else {
        expect(second.status, second.stdout).toBe(0);
      }
      first.kill("SIGCONT");
      expect((await firstDone).status).toBe(0);
      expect(await profileFiles(s)).toEqual(await profileFiles(clean));
    }
  });

  it("two runs with different state folders on one profile take turns: the second waits for the first, both succeed, the profile ends as one clean run leaves it", { timeout: 120_000 }, async () => {
    const clean = await sandbox();
    const names = events((await onboard(clean, "list")).stderr);
    const s = await sandbox();
    // The first run paused in the middle of writing the profile (prefs.js written beside it).
    const first = started(s, { RELAY_ONBOARD_TEST_STOP_AT: String(names.indexOf("prefs.js: written beside it") + 1) });
    const firstDone = finished(first);
    await stopped(first);
    expect(await readFile(join(s.profile, ".relay-onboard.lock"), "utf8")).toBe(String(first.pid));
    const second = started(s, {}, join(s.home, "state-of-it")); // the same profile, another state folder (IT's run beside the user's app)
    const secondDone = finished(second);
    const waited = await Promise.race([secondDone.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2_000))]);
    expect(waited, "the second run wrote the profile while the first held it").toBe(true);
    expect((await profileFiles(s)).prefs).toBe(PREFS);
    first.kill("SIGCONT");
    const [a, b] = await Promise.all([firstDone, secondDone]);
    expect([a.status, b.status], a.stdout + b.stdout).toEqual([0, 0]);
    expect(await profileFiles(s)).toEqual(await profileFiles(clean));
    expect(nssListing(s.profile)).toBe(nssListing(clean.profile));
    expect(await leftovers(s)).toEqual([]);
  });
});
