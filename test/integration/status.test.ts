// `relay-onboard status` as MDM runs it: a real process in a sandbox home with a Thunderbird
// profile, the demo organisation. Not onboarded → exit 1 naming what is missing, and nothing
// written; after `onboard --yes` → exit 0. The Linux sample (docs/samples/linux-compliance.sh) does
// both on its own, through a `relay-onboard` found on the PATH.
import { execFile } from "node:child_process";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoEnvironment, type DemoEnvironment } from "../../src/demo/environment.js";
import { tempDir } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "relay-onboard.js");
let env: DemoEnvironment;

beforeAll(async () => {
  env = await startDemoEnvironment(await tempDir("ro-status-org-"), new Date());
});
afterAll(async () => env.stop());

async function sandbox(): Promise<{ home: string; profile: string; bin: string }> {
  const home = await tempDir("ro-status-home-");
  const profile = join(home, ".thunderbird", "abcd1234.default-release");
  await mkdir(profile, { recursive: true });
  await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd1234.default-release\nDefault=1\n");
  // `relay-onboard` on the PATH, as an installer puts it there.
  const bin = join(home, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "relay-onboard"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(join(bin, "relay-onboard"), 0o755);
  return { home, profile, bin };
}

type Run = { status: number; stdout: string; stderr: string };
async function run(file: string, args: string[], box: { home: string; bin: string }, extraEnv: Record<string, string> = {}): Promise<Run> {
  return exec(file, args, { env: { PATH: `${box.bin}:${process.env["PATH"] ?? ""}`, HOME: box.home, ...testClockEnv(), ...extraEnv } }).then(
    (ok) => ({ status: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

interface StatusJson {
  ok: boolean;
  compliant: boolean;
  code: string;
  configuration: { issuer: string; version: number };
  items: Array<{ id: string; state: string; message: string; code?: string }>;
}

describe("relay-onboard status", () => {
  it("goes from 1 to 0 across onboard --yes, and never writes", async () => {
    const box = await sandbox();
    const common = ["--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--state-dir", join(box.home, "state"), "--ca-store", "none"];
    const status = (extra: string[] = []) => run(process.execPath, [BIN, "status", "--email", env.user.email, ...common, "--json", ...extra], box);

    const before = await status();
    expect(before.status, before.stderr).toBe(1);
    const report = JSON.parse(before.stdout) as StatusJson;
    expect(report).toMatchObject({ ok: false, compliant: false, code: "NOT_ONBOARDED", configuration: { issuer: "internal.test", version: 1 } });
    expect(report.items.map((i) => [i.id, i.state])).toEqual([["configuration", "ok"], ["ca", "unchecked"], ["client:thunderbird", "missing"]]);
    expect(report.items[2]?.message).toMatch(/mail\.smtpserver\.smtp1\.hostname/);
    // Read-only: no rollback state, no log, no client file.
    expect(await readdir(box.home)).toEqual(expect.not.arrayContaining(["state", "logs"]));
    expect(await readdir(box.profile)).toEqual([]);

    const onboard = await run(process.execPath, [BIN, "onboard", "--email", env.user.email, "--yes", "--json", "--log-dir", join(box.home, "logs"), ...common], box);
    expect(onboard.status, onboard.stdout).toBe(0);
    const prefs = join(box.profile, "prefs.js");
    const mtime = (await stat(prefs)).mtimeMs;

    const after = await status();
    expect(after.status, after.stdout).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ ok: true, compliant: true, code: "OK" });
    expect((await stat(prefs)).mtimeMs).toBe(mtime);
    // Another address is not onboarded here; any account pointing at the relay is (without --email).
    expect((await run(process.execPath, [BIN, "status", "--email", "someone.else@internal.test", ...common], box)).status).toBe(1);
    const anyAccount = await run(process.execPath, [BIN, "status", ...common], box);
    expect(anyAccount.status).toBe(0);
    expect(anyAccount.stdout).toMatch(/^COMPLIANT: Relay Onboard Demo Org, configuration version 1\n {2}\[ OK \] Organisation's configuration/);
  });

  it("a rejected configuration is exit 3; a mail app asked for but not installed is a failed item", async () => {
    const box = await sandbox();
    const tampered = join(box.home, "tampered.jws");
    const doc = (await readFile(env.org.files.config, "utf8")).trim();
    await writeFile(tampered, doc.slice(0, -4) + (doc.endsWith("AAAA") ? "BBBB" : "AAAA"));
    const rejected = await run(process.execPath, [BIN, "status", "--config", tampered, "--trust", env.org.files.trustedKeys, "--json"], box);
    expect(rejected.status).toBe(3);
    expect(JSON.parse(rejected.stdout)).toMatchObject({ ok: false, code: "CONFIG_BAD_SIGNATURE" });
    const outlook = await run(process.execPath, [BIN, "status", "--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--state-dir", join(box.home, "state"), "--ca-store", "none", "--clients", "outlook", "--json"], box);
    expect(outlook.status).toBe(1);
    expect((JSON.parse(outlook.stdout) as StatusJson).items.at(-1)).toMatchObject({ id: "client:outlook", state: "failed", code: "CLIENT_NOT_FOUND" });
  });

  it("the Intune samples read only what status and onboard print (PowerShell cannot run here: the fields they use are checked against the real JSON)", async () => {
    const box = await sandbox();
    const common = ["--config", env.org.files.config, "--trust", env.org.files.trustedKeys, "--state-dir", join(box.home, "state"), "--ca-store", "none"];
    const missing = JSON.parse((await run(process.execPath, [BIN, "status", "--email", env.user.email, ...common, "--json"], box)).stdout) as Record<string, unknown>;
    const failed = JSON.parse((await run(process.execPath, [BIN, "status", ...common, "--clients", "outlook", "--json"], box)).stdout) as Record<string, unknown>;
    const refused = JSON.parse((await run(process.execPath, [BIN, "status", "--config", join(box.home, "none.jws"), "--trust", env.org.files.trustedKeys, "--json"], box)).stdout) as Record<string, unknown>;
    const onboarded = JSON.parse((await run(process.execPath, [BIN, "onboard", "--email", env.user.email, "--yes", "--json", "--log-dir", join(box.home, "logs"), ...common, "--clients", "outlook"], box)).stdout) as Record<string, unknown>;
    const fieldsOf = (text: string, variable: string) => [...text.matchAll(new RegExp(`\\$${variable}\\.([A-Za-z]+)`, "g"))].map((m) => m[1]!);
    const detect = await readFile(join(ROOT, "docs", "samples", "intune-detect.ps1"), "utf8");
    const remediate = await readFile(join(ROOT, "docs", "samples", "intune-remediate.ps1"), "utf8");
    const items = [...(missing["items"] as Array<Record<string, unknown>>), ...(failed["items"] as Array<Record<string, unknown>>)];
    expect([fieldsOf(detect, "_").length, fieldsOf(detect, "status").length, fieldsOf(remediate, "_").length, fieldsOf(remediate, "result").length].every((n) => n > 0)).toBe(true);
    // The states the detection script looks for are the ones status uses, and each has what it prints.
    expect(detect).toContain("$_.state -eq 'missing' -or $_.state -eq 'failed'");
    expect(items.filter((i) => i["state"] === "missing" || i["state"] === "failed").length).toBeGreaterThan(1);
    for (const field of new Set(fieldsOf(detect, "_"))) expect(items.some((i) => field in i), `status items have ${field}`).toBe(true);
    for (const field of new Set(fieldsOf(detect, "status"))) expect(field in missing || field in refused, `status JSON has ${field}`).toBe(true);
    expect(refused).toMatchObject({ code: expect.any(String) as unknown, message: expect.any(String) as unknown });
    const steps = onboarded["steps"] as Array<Record<string, unknown>>;
    expect(steps.some((st) => st["status"] === "failed")).toBe(true);
    for (const field of new Set(fieldsOf(remediate, "_"))) expect(steps.some((st) => field in st), `onboard steps have ${field}`).toBe(true);
    for (const field of new Set(fieldsOf(remediate, "result"))) expect(field in onboarded, `onboard JSON has ${field}`).toBe(true);
  });

  it("the Linux sample onboards a user who is not, and leaves one who is alone", async () => {
    const box = await sandbox();
    const args = `--config ${env.org.files.config} --trust ${env.org.files.trustedKeys} --state-dir ${join(box.home, "state")} --ca-store none`;
    const script = join(ROOT, "docs", "samples", "linux-compliance.sh");
    const first = await run("/bin/sh", [script, env.user.email], box, { RELAY_ONBOARD_ARGS: args });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/is not onboarded yet: onboarding/);
    expect(first.stdout).toMatch(/COMPLIANT/);
    expect(await readFile(join(box.profile, "prefs.js"), "utf8")).toContain(`"mail.smtpserver.smtp1.hostname", "${env.relay.host}"`);
    const second = await run("/bin/sh", [script, env.user.email], box, { RELAY_ONBOARD_ARGS: args });
    expect(second).toMatchObject({ status: 0, stdout: `relay-onboard: ${env.user.email} is onboarded\n` });
  });
});
