// `relay-onboard onboard --yes` as an MDM script runs it: a real process, a sandbox home with a
// Thunderbird profile, the demo organisation's relay on loopback. Twice: both exit 0, the second
// changes nothing, and the log holds no secret.
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoEnvironment, type DemoEnvironment } from "../../src/demo/environment.js";
import { tempDir } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js");
let env: DemoEnvironment;
let home: string;
let profile: string;

beforeAll(async () => {
  env = await startDemoEnvironment(await tempDir("ro-onboard-org-"), new Date());
  home = await tempDir("ro-onboard-home-");
  profile = join(home, ".thunderbird", "abcd1234.default-release");
  await mkdir(profile, { recursive: true });
  await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd1234.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
});
afterAll(async () => env.stop());

interface OnboardReport {
  ok: boolean;
  code: string;
  changed: boolean;
  steps: Array<{ id: string; status: string; message: string; code?: string }>;
  log: string;
}

async function onboard(extra: string[] = [], password = env.user.password): Promise<{ status: number; report: OnboardReport; stderr: string }> {
  const args = [BIN, "onboard", "--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--email", env.user.email, "--name", "Demo User", "--password-env", "RELAY_PW", "--ca-store", "none", "--yes", "--json", "--log-dir", join(home, "logs"), "--state-dir", join(home, "state"), ...extra];
  const r = await exec(process.execPath, args, { env: { PATH: process.env["PATH"], HOME: home, RELAY_PW: password, ...testClockEnv() } }).then(
    (ok) => ({ status: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
  return { status: r.status, report: JSON.parse(r.stdout) as OnboardReport, stderr: r.stderr };
}

describe("relay-onboard onboard", () => {
  it("run twice in a sandbox home: exit 0 both times, the second changes nothing, and the log has no secret", async () => {
    const first = await onboard();
    expect(first.status, JSON.stringify(first.report.steps)).toBe(0);
    expect(first.report.changed).toBe(true);
    expect(first.report.steps.map((s) => [s.id, s.status])).toEqual([["config", "done"], ["ca", "skipped"], ["test", "done"], ["client:thunderbird", "done"], ["record", "done"]]);
    const prefs = await readFile(join(profile, "prefs.js"), "utf8");
    expect(prefs).toContain(`user_pref("mail.smtpserver.smtp1.port", ${env.relay.port});`);

    const second = await onboard();
    expect(second.status).toBe(0);
    expect(second.report.changed).toBe(false);
    expect(second.report.steps.map((s) => [s.id, s.status])).toEqual([["config", "unchanged"], ["ca", "skipped"], ["test", "done"], ["client:thunderbird", "unchanged"]]);
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(prefs);

    const log = await readFile(second.report.log, "utf8");
    expect(log).toMatch(/finished: exit 0, nothing changed/);
    for (const form of [env.user.password, Buffer.from(env.user.password).toString("base64"), Buffer.from(`\0${env.user.email}\0${env.user.password}`).toString("base64")]) {
      expect(log).not.toContain(form);
      expect(JSON.stringify(first.report) + JSON.stringify(second.report)).not.toContain(form);
    }
  });

  it("a wrong password is a failed relay test (exit 1) but the rest still happens; a missing client is exit 4", async () => {
    const wrong = await onboard([], "not-the-password");
    expect(wrong.status).toBe(1);
    expect(wrong.report.steps.find((s) => s.id === "test")).toMatchObject({ status: "failed", code: "AUTH_FAILED" });
    expect(wrong.report.steps.find((s) => s.id === "client:thunderbird")?.status).toBe("unchanged");
    const missing = await onboard(["--clients", "outlook"]);
    expect(missing.status).toBe(4);
    expect(missing.report.steps.find((s) => s.id === "client:outlook")).toMatchObject({ status: "failed", code: "CLIENT_NOT_FOUND" });
  });

  // (A NUL cannot reach a real process's argv; the unit tests cover it.)
  it("checks --email and --name with the one validator before changing anything (finding 7)", async () => {
    const before = await readFile(join(profile, "prefs.js"), "utf8");
    for (const extra of [["--email", "a@b"], ["--name", "Mallory\r\nuser_pref(\"x\", 1);"], ["--name", "\u202eeman"], ["--name", "x".repeat(201)]]) {
      const refused = await onboard(extra);
      expect(refused.status, extra.join(" ")).toBe(2);
      expect(refused.report).toMatchObject({ ok: false, code: "USAGE" });
    }
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(before);
  });

  it("--ca-store nss with a Thunderbird profile that has no certificate database yet: the CA and client steps agree, exit 0", async () => {
    const fresh = await tempDir("ro-onboard-nss-");
    const freshProfile = join(fresh, ".thunderbird", "p.default");
    await mkdir(freshProfile, { recursive: true });
    await writeFile(join(fresh, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\nDefault=1\n");
    const args = [BIN, "onboard", "--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--email", env.user.email, "--ca-store", "nss", "--yes", "--json", "--log-dir", join(fresh, "logs"), "--state-dir", join(fresh, "state")];
    const r = await exec(process.execPath, args, { env: { PATH: process.env["PATH"], HOME: fresh, ...testClockEnv() } }).then(
      (ok) => ({ status: 0, stdout: ok.stdout }),
      (err: { code: number; stdout: string }) => ({ status: err.code, stdout: err.stdout }),
    );
    const report = JSON.parse(r.stdout) as OnboardReport;
    expect(r.status, JSON.stringify(report.steps)).toBe(0);
    expect(report.steps.find((s) => s.id === "ca")).toMatchObject({ status: "skipped", message: expect.stringMatching(/Thunderbird step creates its profile's/) as unknown });
    expect(report.steps.find((s) => s.id === "client:thunderbird")?.status).toBe("done");
    // The root is in the profile's new certificate database.
    const { stdout } = await exec("/usr/bin/certutil", ["-L", "-d", `sql:${freshProfile}`]);
    expect(stdout).toMatch(/Relay Onboard/);
  });

  it("refuses without --yes, and while another run holds the lock", async () => {
    const noYes = await exec(process.execPath, [BIN, "onboard", "--email", "a@b.test", "--json"], { env: { PATH: process.env["PATH"], HOME: home, ...testClockEnv() } }).catch((e: { code: number; stdout: string }) => e);
    expect("code" in noYes && noYes.code).toBe(2);
    const lockDir = join(home, "state");
    await mkdir(lockDir, { recursive: true });
    // A live process (this test) holds the lock.
    await writeFile(join(lockDir, "onboard.lock"), String(process.pid));
    const locked = await onboard();
    expect(locked.status).toBe(4);
    expect(locked.report).toMatchObject({ ok: false, code: "ALREADY_RUNNING" });
    // A lock left by a process that is gone is taken over.
    await writeFile(join(lockDir, "onboard.lock"), "999999");
    expect((await onboard()).status).toBe(0);
  });
});

describe("relay-onboard onboard --dry-run", () => {
  /** Every file under `dir` with its bytes, for "nothing changed". */
  async function snapshot(dir: string): Promise<Map<string, string>> {
    const { readdir, lstat } = await import("node:fs/promises");
    const out = new Map<string, string>();
    const walk = async (d: string): Promise<void> => {
      for (const name of await readdir(d)) {
        const p = join(d, name);
        const s = await lstat(p);
        if (s.isDirectory()) await walk(p);
        else out.set(p, `${s.mode}:${(await readFile(p)).toString("base64")}`);
      }
    };
    await walk(dir);
    return out;
  }

  async function run(fresh: string, extra: string[]): Promise<{ status: number; stdout: string }> {
    const args = [BIN, "onboard", "--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--email", env.user.email, "--ca-store", "nss", "--log-dir", join(fresh, "logs"), "--state-dir", join(fresh, "state"), ...extra];
    return exec(process.execPath, args, { env: { PATH: process.env["PATH"], HOME: fresh, RELAY_PW: env.user.password, ...testClockEnv() } }).then(
      (ok) => ({ status: 0, stdout: ok.stdout }),
      (err: { code: number; stdout: string }) => ({ status: err.code, stdout: err.stdout }),
    );
  }

  it("plans every step against the machine, changes nothing (no state, lock or log either), and needs no --yes", async () => {
    const fresh = await tempDir("ro-onboard-dry-");
    const freshProfile = join(fresh, ".thunderbird", "p.default");
    await mkdir(freshProfile, { recursive: true });
    await writeFile(join(fresh, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\nDefault=1\n");
    await writeFile(join(freshProfile, "prefs.js"), 'user_pref("mail.root.none", "/x");\n');
    const before = await snapshot(fresh);

    const planned = await run(fresh, ["--dry-run", "--password-env", "RELAY_PW", "--json"]);
    expect(planned.status, planned.stdout).toBe(0);
    const report = JSON.parse(planned.stdout) as OnboardReport & { dryRun: boolean };
    expect([report.dryRun, report.changed]).toEqual([true, false]);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([["config", "planned"], ["ca", "skipped"], ["test", "done"], ["client:thunderbird", "planned"]]);
    expect(report.steps.find((s) => s.id === "client:thunderbird")?.message).toMatch(/^profile default: would set \d+ preference\(s\)/);
    expect(await snapshot(fresh)).toEqual(before);

    const text = await run(fresh, ["--dry-run"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/\[PLANNED {2}\] Thunderbird: profile default: would set/);
    expect(text.stdout).toMatch(/Dry run: nothing was changed\. 2 step\(s\) would change this computer\./);
    expect(await snapshot(fresh)).toEqual(before);

    // After onboarding for real, the plan is "nothing to do".
    expect((await run(fresh, ["--yes", "--json"])).status).toBe(0);
    const after = await run(fresh, ["--dry-run", "--json"]);
    expect(after.status).toBe(0);
    expect((JSON.parse(after.stdout) as OnboardReport).steps.map((s) => s.status)).toEqual(["unchanged", "unchanged", "skipped", "unchanged"]);
  });

  it("a plan that cannot be carried out exits as onboarding would, and never says everything is in place", async () => {
    const fresh = await tempDir("ro-onboard-dry-missing-");
    const planned = await run(fresh, ["--dry-run", "--clients", "thunderbird", "--ca-store", "none"]);
    expect(planned.status).toBe(4);
    expect(planned.stdout).toMatch(/\[FAILED {3}\] Thunderbird: .*\(CLIENT_NOT_FOUND\)/);
    expect(planned.stdout).toMatch(/Onboarding would not succeed: see the failed steps\./);
    expect(planned.stdout).not.toMatch(/already in place/);
    // For real: the first run records the configuration's version (a change), the second changes nothing.
    const real = await run(fresh, ["--yes", "--clients", "thunderbird", "--ca-store", "none"]);
    expect(real.status).toBe(4);
    expect(real.stdout).toMatch(/Some changes were made, but onboarding did not finish: see the failed steps\./);
    const again = await run(fresh, ["--yes", "--clients", "thunderbird", "--ca-store", "none"]);
    expect(again.status).toBe(4);
    expect(again.stdout).toMatch(/Nothing was changed: see the failed steps\./);
    expect(real.stdout + again.stdout).not.toMatch(/already in place/);
  });
});
