// Finding 2: root configuring another user's Thunderbird profile (the MDM case) must not follow the
// user's links nor leave root-owned files behind. Reproduced for real as root with a profile owned
// by another account (uid 65534) that plants a link at the backup's predictable name.
import { spawnSync } from "node:child_process";
import { chmod, chown, lchown, lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { cliEntry } from "../../src/privilege/forUser.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";

const isRoot = process.getuid?.() === 0;
const OWNER = 65534;
const hasCertutil = spawnSync("sh", ["-c", "command -v certutil"]).status === 0;

/** Whether the account OWNER can run this checkout's command (every folder searchable, files readable). */
function runnableByOthers(): boolean {
  for (let p = dirname(cliEntry()); p !== dirname(p); p = dirname(p)) {
    const r = spawnSync("stat", ["-c", "%a", p], { encoding: "utf8" });
    if (r.status !== 0 || (parseInt(r.stdout.trim(), 8) & 0o001) === 0) return false;
  }
  return true;
}
const runnable = isRoot && runnableByOthers();
if (isRoot && !runnable) console.warn("profile-as-owner.test.ts skipped: this checkout is not readable by other accounts, so a child process as uid 65534 cannot run it");

describe.skipIf(!runnable || !hasCertutil)("root writing into another user's profile (finding 2)", () => {
  it("runs the Thunderbird step as the home's owner: no link followed, every file still the owner's", async () => {
    const base = await tempDir("ro-owner-");
    await chmod(base, 0o755);
    const profile = join(base, "home", ".thunderbird", "x.default");
    await mkdir(profile, { recursive: true });
    const prefs = join(profile, "prefs.js");
    await writeFile(prefs, 'user_pref("mail.root.none", "/home/someone/Mail");\n', { mode: 0o600 });
    // The owner plants a link where root would have written the backup, at a name it can predict.
    const victim = join(await tempDir("ro-victim-"), "root-file");
    await writeFile(victim, "root only\n", { mode: 0o600 });
    const now = new Date("2026-11-30T12:00:00Z");
    await symlink(victim, `${prefs}.relay-onboard-20261130T120000Z.bak`);
    await lchown(`${prefs}.relay-onboard-20261130T120000Z.bak`, OWNER, OWNER);
    for (const p of [join(base, "home"), join(base, "home", ".thunderbird"), profile, prefs]) await chown(p, OWNER, OWNER);
    await chmod(join(base, "home"), 0o755);

    const dir = await tempDir("ro-owner-org-");
    const key = await makeKey();
    await writeFile(join(dir, "c.jws"), await signed(key, { payload: await unsignedPayload(), now }));
    await writeFile(join(dir, "t.json"), jwksText([key]));
    let out = "";
    const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: {}, now: () => now, policy: () => Promise.resolve(undefined) };
    // Root acting for the user: HOME is the user's home (the MDM way); the command decides from it.
    const savedHome = process.env["HOME"];
    process.env["HOME"] = join(base, "home");
    const status = await run(["configure", "thunderbird", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "state"), "--email", "alice@internal.test", "--profile", profile, "--json"], io).finally(() => {
      process.env["HOME"] = savedHome;
    });
    expect(status, out).toBe(0);
    const report = JSON.parse(out) as { changed: boolean; backup: string; ca: { installed: boolean } };
    expect(report.changed).toBe(true);
    expect(report.ca.installed).toBe(true);
    // Nothing was written through the link; the backup went to a fresh name instead.
    expect(await readFile(victim, "utf8")).toBe("root only\n");
    expect(report.backup).toMatch(/prefs\.js\.relay-onboard-20261130T120000Z-[0-9a-f]{8}\.bak$/);
    expect(await readFile(report.backup, "utf8")).toBe('user_pref("mail.root.none", "/home/someone/Mail");\n');
    // Every file in the profile belongs to its owner, with the modes it had.
    for (const name of await readdir(profile)) {
      const s = await lstat(join(profile, name));
      expect(s.uid, name).toBe(OWNER);
    }
    expect((await lstat(prefs)).mode & 0o777).toBe(0o600);
    expect(await readFile(prefs, "utf8")).toContain('user_pref("mail.smtpserver.smtp1.hostname", "relay.internal.test");');
  }, 60_000);
});
