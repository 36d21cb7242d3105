// The Thunderbird step of asOwner.ts in this process: the job itself, the child's stdin/stdout side
// (privilege/userJob.ts), and the decision to stay in-process (the child run as another account is in
// test/integration/profile-as-owner.test.ts).
import { spawnSync } from "node:child_process";
import { chmod, chown, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runProfileJob, runProfileJobAsOwner, type ProfileJob } from "../../src/clients/thunderbird/asOwner.js";
import { cliEntry, reasonFrom, selfArgs } from "../../src/privilege/forUser.js";
import { userJobFromStdin } from "../../src/privilege/userJob.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

const hasCertutil = spawnSync("sh", ["-c", "command -v certutil"]).status === 0;

async function job(extra: Partial<ProfileJob> = {}): Promise<ProfileJob> {
  const config = (await unsignedPayload()).config;
  return { profile: await tempDir("ro-job-"), config, email: "alice@internal.test", fullName: "Alice", now: "2026-11-30T12:00:00.000Z", ...extra };
}

function chunks(...parts: string[]): AsyncIterable<Buffer> {
  return (async function* () {
    for (const p of parts) yield await Promise.resolve(Buffer.from(p));
  })();
}

describe("the Thunderbird step, in this process", () => {
  it("writes the profile, with the given name and time, and leaves the store alone without a CA", async () => {
    const j = await job();
    const { result, nss, ranAs } = await runProfileJob(j);
    expect([result.changed, nss, ranAs]).toEqual([true, undefined, undefined]);
    const prefs = await readFile(join(j.profile, "prefs.js"), "utf8");
    expect(prefs).toContain('user_pref("mail.identity.id1.fullName", "Alice");');
    expect(await readdir(j.profile)).toEqual(["prefs.js"]);
  });

  it("a dry run writes nothing, not even the certificate store", async () => {
    const j = await job({ dryRun: true });
    const { result, nss } = await runProfileJob({ ...j, trustRoots: true });
    expect([result.changed, nss]).toEqual([true, undefined]);
    expect(await readdir(j.profile)).toEqual([]);
  });

  it.skipIf(!hasCertutil)("adds the pinned root to the profile's store, and reports a store failure instead of throwing", async () => {
    const j = await job();
    const ok = await runProfileJob({ ...j, trustRoots: true });
    expect(ok.nss).toMatchObject({ store: "nss", installed: true, changed: true });
    // A profile folder that cannot hold a database: the step still reports, with the code.
    const broken = await job();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(broken.profile, "cert9.db"), "not a database");
    const failed = await runProfileJob({ ...broken, trustRoots: true });
    expect(failed.nss).toMatchObject({ store: "nss", location: broken.profile, installed: false, changed: false, code: "CA_INSTALL_FAILED" });
    // A root that is not the pinned one is refused before anything is written to the store.
    const other = await job();
    const notPinned = { ...other.config, rootCa: { ...other.config.rootCa, sha256: "0".repeat(64) } };
    await expect(runProfileJob({ ...other, config: notPinned, trustRoots: true })).rejects.toMatchObject({ code: "CA_REJECTED" });
    expect(await readdir(other.profile)).not.toContain("cert9.db");
  });

  it("judges the roots at the job's time: a root expired by then is refused before the store is touched", async () => {
    const j = await job({ now: "2099-01-01T00:00:00.000Z" });
    await expect(runProfileJob({ ...j, trustRoots: true })).rejects.toMatchObject({ code: "CA_REJECTED", message: expect.stringMatching(/expired/) as unknown });
    expect(await readdir(j.profile)).not.toContain("cert9.db");
  });

  it("names the backup after the job's time", async () => {
    const j = await job();
    await writeFile(join(j.profile, "prefs.js"), 'user_pref("mail.root.none", "/x");\n');
    const { result } = await runProfileJob(j);
    expect(result.backup).toBe(join(j.profile, "prefs.js.relay-onboard-20261130T120000Z.bak"));
  });

  it.skipIf(!hasCertutil)("says which retired roots it took out of the profile's store", async () => {
    const j = await job();
    const { createRootCa } = await import("../helpers/org.js");
    const { acceptCa } = await import("../../src/truststore/accept.js");
    const { NssStore } = await import("../../src/truststore/nss.js");
    const { sha256Hex, singleCertificateDer } = await import("../../src/certs/pem.js");
    const olds = [await createRootCa("Retired One"), await createRootCa("Retired Two")];
    const shas = olds.map((o) => sha256Hex(singleCertificateDer(o.certPem)));
    const store = new NssStore(j.profile, { create: true });
    for (const [i, o] of olds.entries()) await store.install(acceptCa(o.certPem, shas[i]!, j.config.organization.name));
    const { nss } = await runProfileJob({ ...j, config: { ...j.config, retiredRoots: shas.map((sha256) => ({ sha256 })) }, trustRoots: true });
    expect(nss).toEqual({ store: "nss", location: j.profile, installed: true, changed: true, message: `retired root(s) removed: ${shas[0]!.slice(0, 8)}, ${shas[1]!.slice(0, 8)}` });
    const again = await runProfileJob({ ...j, config: { ...j.config, retiredRoots: shas.map((sha256) => ({ sha256 })) }, trustRoots: true });
    expect(again.nss).toEqual({ store: "nss", location: j.profile, installed: true, changed: false });
  });

  it("stays in this process when not root, or when root works in its own home on its own profile", async () => {
    const j = await job();
    expect((await runProfileJobAsOwner(j, { uid: 1000 })).ranAs).toBeUndefined();
    const rootsHome = await tempDir("ro-roots-home-");
    const mine = await runProfileJobAsOwner(await job(), { uid: 0, home: rootsHome });
    expect(mine.ranAs).toBeUndefined();
    expect(mine.result.changed).toBe(true);
  });

  it("finds the command next to its modules", () => {
    expect(cliEntry()).toBe(join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js"));
    expect(selfArgs()).toEqual([cliEntry()]);
  });

  it("cliEntry: the nearest package.json that is ours, up to five folders above the module, skipping others", async () => {
    const root = await tempDir("ro-entry-");
    const { mkdir } = await import("node:fs/promises");
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "relay-onboard" }));
    await mkdir(join(root, "node_modules", "dep", "lib"), { recursive: true });
    await writeFile(join(root, "node_modules", "dep", "package.json"), JSON.stringify({ name: "dep" }));
    await writeFile(join(root, "node_modules", "dep", "lib", "package.json"), "{ not json"); // unreadable: looked past
    const url = (p: string) => new URL(`file://${p}`).href;
    expect(cliEntry(url(join(root, "node_modules", "dep", "lib", "m.js")))).toBe(join(root, "bin", "relay-onboard.js"));
    // Ours five folders above the module's folder: found; six: not.
    const deep = join(root, "a", "b", "c", "d", "e");
    await mkdir(join(deep, "f"), { recursive: true });
    expect(cliEntry(url(join(deep, "m.js")))).toBe(join(root, "bin", "relay-onboard.js"));
    expect(() => cliEntry(url(join(deep, "f", "m.js")))).toThrow(expect.objectContaining({ code: "INTERNAL", message: "the relay-onboard command was not found next to its modules" }));
  });
});

/** The request the parent sends for a profile job; the home is the profile itself (a temp folder of this test's). */
const request = (j: ProfileJob): string => JSON.stringify({ kind: "profile", home: j.profile, job: j });

describe("the child's side: a job on stdin, the answer on stdout", () => {
  it("answers the outcome as JSON, and exit 0", async () => {
    const j = await job();
    let out = "";
    const text = request(j);
    const status = await userJobFromStdin(chunks(text.slice(0, 10), text.slice(10)), (t) => void (out += t));
    expect(status).toBe(0);
    const answer = JSON.parse(out) as { ok: boolean; outcome: { result: { changed: boolean; profile: string } } };
    expect(answer.ok).toBe(true);
    expect(answer.outcome.result).toMatchObject({ changed: true, profile: j.profile });
  });

  it("reads at most 1 MiB of job: a larger one is refused, exactly 1 MiB then more is read whole", async () => {
    const text = request(await job());
    const MiB = 1024 * 1024;
    const padded = (size: number) => `{"pad":"${"x".repeat(size - text.length - 9)}",${text.slice(1)}`;
    let out = "";
    const big = padded(MiB + 100);
    expect(await userJobFromStdin(chunks(big.slice(0, MiB + 1), big.slice(MiB + 1)), (t) => void (out = t))).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ ok: false, code: "INTERNAL" });
    const exact = padded(MiB + 50);
    expect(await userJobFromStdin(chunks(exact.slice(0, MiB), exact.slice(MiB)), (t) => void (out = t))).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true });
  });

  it("takes string chunks as well as bytes", async () => {
    const text = request(await job());
    let out = "";
    const strings = (async function* () {
      yield await Promise.resolve(text.slice(0, 5));
      yield await Promise.resolve(text.slice(5));
    })();
    expect(await userJobFromStdin(strings, (t) => void (out = t))).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true });
  });

  it("answers a coded failure for a job it cannot use, and exit 1", async () => {
    const j = await job();
    const elsewhere = await job();
    const cases: Array<[string, string, RegExp]> = [
      ["{ not json", "INTERNAL", /unexpected error/],
      [JSON.stringify({ kind: "profile", home: j.profile, job: { ...j, config: { organization: {} } } }), "INTERNAL", /./],
      [JSON.stringify({ kind: "profile", home: "/nonexistent", job: { ...j, profile: "/nonexistent/profile" } }), "BAD_INPUT", /profile \/nonexistent\/profile cannot be reached/],
      // A profile outside the home the parent acts for is refused before anything is read there.
      [JSON.stringify({ kind: "profile", home: j.profile, job: elsewhere }), "BAD_INPUT", /is outside the user's home/],
      [JSON.stringify({ kind: "format-disk", home: j.profile }), "USAGE", /unknown user job/],
    ];
    for (const [input, code, message] of cases) {
      let out = "";
      expect(await userJobFromStdin(chunks(input), (t) => void (out += t)), input.slice(0, 20)).toBe(1);
      const answer = JSON.parse(out) as { ok: boolean; code: string; message: string };
      expect([answer.ok, answer.code], input.slice(0, 40)).toEqual([false, code]);
      expect(answer.message).toMatch(message);
    }
    expect(await readdir(elsewhere.profile)).toEqual([]);
  });
});

describe("the child's other requests: find and pending (what root asks as the user)", () => {
  const answer = async (request: unknown): Promise<{ ok: boolean; outcome?: any; code?: string; message?: string }> => {
    let out = "";
    await userJobFromStdin(chunks(JSON.stringify(request)), (t) => void (out += t));
    return JSON.parse(out) as { ok: boolean };
  };

  it("find: the profiles under the roots given, and the home's NSS databases — one leading elsewhere refused, naming where", async () => {
    const home = await tempDir("ro-find-home-");
    const elsewhere = await tempDir("ro-find-elsewhere-");
    await mkdir(join(home, ".thunderbird", "a.default"), { recursive: true });
    await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=main\nIsRelative=1\nPath=a.default\nDefault=1\n");
    await writeFile(join(home, ".thunderbird", "a.default", "cert9.db"), "");
    await writeFile(join(elsewhere, "cert9.db"), "");
    await mkdir(join(home, ".pki"));
    await symlink(elsewhere, join(home, ".pki", "nssdb"));
    const found = await answer({ kind: "find", home, thunderbirdRoots: [join(home, ".thunderbird")] });
    expect(found).toEqual({
      ok: true,
      outcome: {
        thunderbird: [{ name: "main", path: join(home, ".thunderbird", "a.default"), isDefault: true }],
        nss: [
          { dir: join(home, ".thunderbird", "a.default") },
          { dir: join(home, ".pki", "nssdb"), refused: `the NSS database ${join(home, ".pki", "nssdb")} is outside the user's home ${home} (it leads to ${elsewhere}): refused` },
        ],
      },
    });
    // Databases named by the caller (--nss-db) are checked, not looked for; none listed: none.
    expect((await answer({ kind: "find", home, thunderbirdRoots: [], nssDbs: [elsewhere] })).outcome).toEqual({
      thunderbird: [], nss: [{ dir: elsewhere, refused: `the NSS database ${elsewhere} is outside the user's home ${home}: refused` }],
    });
    expect((await answer({ kind: "find", home, thunderbirdRoots: [], nssDbs: [] })).outcome).toEqual({ thunderbird: [], nss: [] });
  });

  it("pending: the profile's state as status reads it, and a profile outside the home refused", async () => {
    const j = await job();
    const pending = await answer({ kind: "pending", home: j.profile, profile: j.profile, config: j.config, email: j.email, enterpriseRoots: true });
    expect(pending.ok).toBe(true);
    expect(pending.outcome).toEqual(expect.arrayContaining(["security.enterprise_roots.enabled"]));
    await runProfileJob({ ...j, trustRoots: true }, "win32");
    expect(await answer({ kind: "pending", home: j.profile, profile: j.profile, config: j.config, email: j.email, enterpriseRoots: true })).toEqual({ ok: true, outcome: [] });
    const other = await job();
    expect(await answer({ kind: "pending", home: other.profile, profile: j.profile, config: j.config, enterpriseRoots: false })).toMatchObject({
      ok: false, code: "BAD_INPUT", message: `the Thunderbird profile ${j.profile} is outside the user's home ${other.profile}: refused`,
    });
  });

  it("a profile in the home that another account owns is refused, naming both accounts", async () => {
    const j = await job();
    expect(await answer({ kind: "pending", home: j.profile, profile: j.profile, config: j.config, enterpriseRoots: false }).then((a) => a.ok)).toBe(true);
    const { requireInHome } = await import("../../src/privilege/forUser.js");
    await expect(requireInHome(j.profile, j.profile, "the Thunderbird profile", 4242)).rejects.toMatchObject({
      code: "BAD_INPUT", message: `the Thunderbird profile ${j.profile} belongs to another account (uid ${process.getuid?.() ?? 0}), not to the user (uid 4242): refused`,
    });
    await expect(requireInHome(join(j.profile, "missing"), j.profile, "the NSS database")).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/cannot be reached by the user it belongs to/) as unknown });
  });
});

describe("which account root acts for", () => {
  it("the home's owner when root and the home is another's; nobody otherwise (the synchronous form agrees)", async () => {
    const { actingFor, actingForSync } = await import("../../src/privilege/forUser.js");
    const home = await tempDir("ro-acting-");
    const mine = (await import("node:fs")).statSync(home).uid;
    expect(await actingFor(home, 1000)).toBeUndefined();
    expect(actingForSync(home, 1000)).toBeUndefined();
    expect(await actingFor(join(home, "missing"), 0)).toBeUndefined();
    expect(actingForSync(join(home, "missing"), 0)).toBeUndefined();
    const { accountFor } = await import("../../src/privilege/forUser.js");
    expect(await accountFor(home, home, 1000)).toBeUndefined();
    if (mine === 0) {
      // Root for itself on a folder another account owns drops to that owner, confined to the folder;
      // acting for a user, the home's owner decides whoever owns the folder.
      const theirs = await tempDir("ro-acting-theirs-");
      await chown(theirs, 4242, 4343);
      expect(await accountFor(theirs, home, 0)).toEqual({ uid: 4242, gid: 4343, home: theirs });
      expect(await accountFor(home, home, 0)).toBeUndefined();
      expect(await actingFor(home, 0)).toBeUndefined();
      expect(actingForSync(home, 0)).toBeUndefined();
      await chown(home, 65534, 65534);
      expect(await actingFor(home, 0)).toEqual({ uid: 65534, gid: 65534, home });
      expect(actingForSync(home, 0)).toBe(65534);
      expect(await accountFor(theirs, home, 0)).toEqual({ uid: 65534, gid: 65534, home });
    }
  });
});

describe("reasonFrom: why a child failed, from its stderr", () => {
  it("prefers the last error line over Node's closing version line, else the last line", () => {
    const crash = "node:internal/x:1\n  throw err;\n  ^\n\nError: Cannot find module '/x.mjs'\n    at Module._resolveFilename\n  code: 'MODULE_NOT_FOUND'\n}\n\nNode.js v20.20.2\n";
    expect(reasonFrom(crash)).toBe("Error: Cannot find module '/x.mjs'");
    expect(reasonFrom("TypeError: a\nRangeError: b\nNode.js v20\n")).toBe("RangeError: b");
    expect(reasonFrom("first\n  the reason  \n\n")).toBe("the reason");
    expect(reasonFrom("an Error happened without a colon\n")).toBe("an Error happened without a colon");
    // Only lines that start with the error's name count as error lines.
    expect(reasonFrom("Error: the cause\nnote: an Error: quoted later\n")).toBe("Error: the cause");
    expect(reasonFrom("")).toBe("");
  });
});

describe.skipIf(process.getuid?.() !== 0)("the parent's side, as root: what the child gets and what its answers become", () => {
  /**
   * A stand-in for `relay-onboard __user-job` (the real one is run in test/integration/profile-as-owner.test.ts):
   * it reports who it runs as, where, with what environment, arguments and stdin — or answers `reply` verbatim.
   */
  async function probeEntry(reply?: string, stderr = ""): Promise<string> {
    const dir = await tempDir("ro-probe-");
    await chmod(dir, 0o755);
    const file = join(dir, "probe.mjs");
    const body = reply !== undefined
      ? `process.stderr.write(${JSON.stringify(stderr)}); process.stdout.write(${JSON.stringify(reply)}); process.exitCode = 7;`
      : `let input = ""; for await (const c of process.stdin) input += c;
         const probe = { uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), env: { ...process.env }, argv: process.argv.slice(2), job: JSON.parse(input) };
         process.stdout.write(JSON.stringify({ ok: true, outcome: { result: { probe } } }));`;
    await writeFile(file, body, { mode: 0o644 });
    return file;
  }

  /** A home owned by uid/gid with the job's profile inside; `home` is what the parent acts for. */
  async function ownedProfile(uid: number, gid: number): Promise<ProfileJob & { home: string }> {
    const home = await tempDir("ro-owned-home-");
    await chmod(home, 0o755);
    await chown(home, uid, gid);
    const j = await job();
    return { ...j, home };
  }

  it("runs the child as the home's owner and group, in /, with only PATH, HOME (the home) and LANG, the request on stdin", async () => {
    const { home, ...j } = await ownedProfile(65534, 65534);
    const outcome = await runProfileJobAsOwner(j, { home, entry: await probeEntry() });
    expect(outcome.ranAs).toBe(65534);
    const probe = (outcome.result as unknown as { probe: { uid: number; gid: number; cwd: string; env: Record<string, string>; argv: string[]; job: unknown } }).probe;
    expect([probe.uid, probe.gid, probe.cwd, probe.argv]).toEqual([65534, 65534, "/", ["__user-job"]]);
    expect(probe.env).toEqual({ PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: home, LANG: "C.UTF-8" });
    expect(probe.job).toEqual({ kind: "profile", home, job: JSON.parse(JSON.stringify(j)) as unknown });
  });

  it("root in its own home on a profile another account owns drops to that owner, confined to the profile", async () => {
    const rootsHome = await tempDir("ro-roots-home-");
    const j = await job();
    await chmod(j.profile, 0o755);
    await chown(j.profile, 65534, 65534);
    const outcome = await runProfileJobAsOwner(j, { home: rootsHome, entry: await probeEntry() });
    expect(outcome.ranAs).toBe(65534);
    const probe = (outcome.result as unknown as { probe: { env: Record<string, string>; job: { home: string } } }).probe;
    expect([probe.env["HOME"], probe.job.home]).toEqual([j.profile, j.profile]);
  });

  it("when root acts for a user, the profile folder's owner decides nothing: a root-owned profile in the home still runs as the user", async () => {
    const { home, ...j } = await ownedProfile(65534, 65534);
    expect((await runProfileJobAsOwner(j, { home, entry: await probeEntry() })).ranAs).toBe(65534);
  });

  it("not root (uid given), a home owned by someone else is still done in this process", async () => {
    const { home, ...j } = await ownedProfile(65534, 65534);
    const outcome = await runProfileJobAsOwner(j, { home, uid: 1000, entry: await probeEntry() });
    expect(outcome.ranAs).toBeUndefined();
    expect(outcome.result.changed).toBe(true);
  });

  it("a child killed by a signal reports exit -1, and so does one that cannot start", async () => {
    const { home, ...j } = await ownedProfile(65534, 65534);
    const dir = await tempDir("ro-probe-kill-");
    await chmod(dir, 0o755);
    const entry = join(dir, "kill.mjs");
    await writeFile(entry, 'process.kill(process.pid, "SIGKILL");', { mode: 0o644 });
    const failed = { code: "CLIENT_WRITE_FAILED", message: "the Thunderbird step as the home's owner (uid 65534) failed (exit -1): " };
    await expect(runProfileJobAsOwner(j, { home, entry })).rejects.toMatchObject(failed);
    await expect(runProfileJobAsOwner(j, { home, entry, executable: join(dir, "no-such-node") })).rejects.toMatchObject(failed);
    // A request larger than the pipe holds, to a child that dies unread: the broken pipe is that same failure, not a crash.
    await expect(runProfileJobAsOwner({ ...j, fullName: "x".repeat(1_000_000) }, { home, entry })).rejects.toMatchObject(failed);
  });

  it("an owner with no /etc/passwd entry still gets the home it acts for as HOME", async () => {
    const { home, ...j } = await ownedProfile(424242, 424242);
    const outcome = await runProfileJobAsOwner(j, { home, entry: await probeEntry() });
    const probe = (outcome.result as unknown as { probe: { env: Record<string, string>; uid: number; gid: number } }).probe;
    expect([probe.uid, probe.gid, probe.env["HOME"]]).toEqual([424242, 424242, home]);
  });

  it("turns the child's answers into results or coded failures", async () => {
    const { home, ...j } = await ownedProfile(65534, 65534);
    const run = async (reply: string, stderr = "") => runProfileJobAsOwner(j, { home, entry: await probeEntry(reply, stderr) });
    await expect(run("not json", "first line\nthe real reason\n")).rejects.toMatchObject({
      code: "CLIENT_WRITE_FAILED", message: "the Thunderbird step as the home's owner (uid 65534) failed (exit 7): the real reason",
    });
    await expect(run("", "")).rejects.toMatchObject({ code: "CLIENT_WRITE_FAILED", message: "the Thunderbird step as the home's owner (uid 65534) failed (exit 7): " });
    await expect(run(JSON.stringify({ ok: false, code: "CLIENT_RUNNING", message: "Thunderbird is open" }))).rejects.toMatchObject({ code: "CLIENT_RUNNING", message: "Thunderbird is open" });
    await expect(run(JSON.stringify({ ok: false, code: "NOT_A_CODE", message: "odd" }))).rejects.toMatchObject({ code: "CLIENT_WRITE_FAILED", message: "odd" });
    await expect(run(JSON.stringify({ ok: false }))).rejects.toMatchObject({ code: "CLIENT_WRITE_FAILED", message: "the Thunderbird step failed" });
    await expect(run(JSON.stringify({ ok: true }))).rejects.toMatchObject({ code: "CLIENT_WRITE_FAILED" });
    const fine = await run(JSON.stringify({ ok: true, outcome: { result: { changed: false } }, ranAs: 1 }));
    expect(fine).toEqual({ result: { changed: false }, ranAs: 65534 });
  });

  it("a child that cannot start is a coded failure, not a crash", async () => {
    const { home, ...j } = await ownedProfile(65534, 65534);
    // An entry the owner may not read: node exits with an error and says why on stderr.
    const secret = join(await tempDir("ro-probe-secret-"), "entry.mjs");
    await writeFile(secret, "process.stdout.write('{}')", { mode: 0o600 });
    await expect(runProfileJobAsOwner(j, { home, entry: secret })).rejects.toMatchObject({ code: "CLIENT_WRITE_FAILED", message: expect.stringMatching(/\(uid 65534\) failed \(exit 1\): Error: (Cannot find module|EACCES)/) as unknown });
  });
});

describe("the Thunderbird step where Thunderbird has no certutil (Windows, macOS)", () => {
  for (const platform of ["win32", "darwin"] as const) {
    it(`${platform}: tells Thunderbird to read the OS store and never touches an NSS store`, async () => {
      const j = await job();
      const outcome = await runProfileJob({ ...j, trustRoots: true }, platform);
      expect([outcome.rootTrust, outcome.nss]).toEqual(["os-store", undefined]);
      const prefs = await readFile(join(j.profile, "prefs.js"), "utf8");
      expect(prefs).toContain('user_pref("security.enterprise_roots.enabled", true);');
      expect(await readdir(j.profile)).toEqual(["prefs.js"]);
      // A second run changes nothing.
      expect((await runProfileJob({ ...j, trustRoots: true }, platform)).result.changed).toBe(false);
    });
  }

  it("on Linux the preference is not set: the profile's own store is used", async () => {
    const j = await job();
    const outcome = await runProfileJob({ ...j, trustRoots: true, dryRun: true }, "linux");
    expect(outcome.rootTrust).toBe("profile-store");
    expect(outcome.result.changes.map((c) => c.name)).not.toContain("security.enterprise_roots.enabled");
  });

  it("without the root step the preference is left alone", async () => {
    const j = await job();
    const outcome = await runProfileJob(j, "win32");
    expect(outcome.rootTrust).toBeUndefined();
    expect(await readFile(join(j.profile, "prefs.js"), "utf8")).not.toContain("enterprise_roots");
  });

  it("status applies the deployment's rules as configure does: values a rule sets count, a rule against a needed value fails", async () => {
    const { thunderbirdPending } = await import("../../src/clients/thunderbird/configure.js");
    const { parsePrefs } = await import("../../src/clients/thunderbird/prefs.js");
    const done = await job();
    const { result } = await runProfileJob(done);
    const file = "/etc/thunderbird/policies/policies.json";
    // Every value configure wrote, as a deployment would lock it.
    const locks = parsePrefs(await readFile(join(done.profile, "prefs.js"))).entries.map((e) => ({ name: e.name, status: "locked" as const, value: e.value, file }));
    const fresh = await job();
    expect((await thunderbirdPending(fresh.profile, fresh.config, fresh.email, { policies: [] })).length).toBeGreaterThan(0);
    expect(await thunderbirdPending(fresh.profile, fresh.config, fresh.email, { policies: locks })).toEqual([]);
    // "default" counts only where the profile sets nothing; "clear" takes the profile's value away.
    const trySsl = `mail.smtpserver.${result.smtpKey}.try_ssl`;
    const needed = locks.find((l) => l.name === trySsl)!.value;
    expect(await thunderbirdPending(fresh.profile, fresh.config, fresh.email, { policies: locks.map((l) => ({ ...l, status: "default" as const })) })).toEqual([]);
    expect(await thunderbirdPending(done.profile, done.config, done.email, { policies: [{ name: trySsl, status: "default", value: 0, file }] })).toEqual([]);
    // A profile holding a wrong value that a rule sets right: the rule's value is the one Thunderbird uses.
    await writeFile(join(done.profile, "user.js"), `user_pref("${trySsl}", 0);\n`);
    expect(await thunderbirdPending(done.profile, done.config, done.email, { policies: [] })).toEqual([trySsl]);
    for (const status of ["locked", "user"] as const) expect(await thunderbirdPending(done.profile, done.config, done.email, { policies: [{ name: trySsl, status, value: needed, file }] }), status).toEqual([]);
    expect(await thunderbirdPending(done.profile, done.config, done.email, { policies: [{ name: trySsl, status: "default", value: needed, file }] })).toEqual([trySsl]);
    await writeFile(join(done.profile, "user.js"), "");
    // Without an address, a rule clearing the server's security leaves no server pointing at the relay.
    expect(await thunderbirdPending(done.profile, done.config, undefined, { policies: [] })).toEqual([]);
    expect((await thunderbirdPending(done.profile, done.config, undefined, { policies: [{ name: trySsl, status: "clear", file }] })).length).toBe(1);
    await expect(thunderbirdPending(done.profile, done.config, done.email, { policies: [{ name: trySsl, status: "clear", file }] })).rejects.toMatchObject({
      code: "CLIENT_LOCKED_BY_POLICY", message: `${file} clears ${trySsl}; Relay Onboard needs ${JSON.stringify(needed)}`,
    });
    await expect(thunderbirdPending(done.profile, done.config, done.email, { policies: [{ name: trySsl, status: "locked", value: 0, file }] })).rejects.toMatchObject({
      code: "CLIENT_LOCKED_BY_POLICY", message: `${file} locks ${trySsl} to 0; Relay Onboard needs ${JSON.stringify(needed)}`,
    });
    await expect(thunderbirdPending(done.profile, done.config, done.email, { enterpriseRoots: true, policies: [{ name: "security.enterprise_roots.enabled", status: "user", value: false, file }] })).rejects.toMatchObject({
      code: "CLIENT_LOCKED_BY_POLICY", message: `${file} sets security.enterprise_roots.enabled to false; Relay Onboard needs true`,
    });
  });

  it("status asks for the preference where the OS store is used, and is satisfied once it is in effect (user.js over prefs.js)", async () => {
    const { thunderbirdPending } = await import("../../src/clients/thunderbird/configure.js");
    const j = await job();
    await runProfileJob(j, "win32");
    expect(await thunderbirdPending(j.profile, j.config, j.email, { enterpriseRoots: true })).toEqual(["security.enterprise_roots.enabled"]);
    expect(await thunderbirdPending(j.profile, j.config, j.email)).toEqual([]);
    await runProfileJob({ ...j, trustRoots: true }, "win32");
    expect(await thunderbirdPending(j.profile, j.config, j.email, { enterpriseRoots: true })).toEqual([]);
    await writeFile(join(j.profile, "user.js"), 'user_pref("security.enterprise_roots.enabled", false);\n');
    expect(await thunderbirdPending(j.profile, j.config, j.email, { enterpriseRoots: true })).toEqual(["security.enterprise_roots.enabled"]);
    // configure puts it right in user.js too, as for the relay's own preferences.
    const fixed = await runProfileJob({ ...j, trustRoots: true }, "win32");
    expect(fixed.result.userJsChanges.map((c) => c.name)).toEqual(["security.enterprise_roots.enabled"]);
    expect(await thunderbirdPending(j.profile, j.config, j.email, { enterpriseRoots: true })).toEqual([]);
  });

  it("a deployment lock that keeps Thunderbird off the OS store is refused, naming it", async () => {
    const { configureThunderbird } = await import("../../src/clients/thunderbird/configure.js");
    const j = await job();
    const policies = [{ file: "/etc/thunderbird/policies/policies.json", name: "security.enterprise_roots.enabled", status: "locked" as const, value: false }];
    await expect(configureThunderbird({ profile: j.profile, config: j.config, email: j.email, policies, enterpriseRoots: true })).rejects.toMatchObject({
      code: "CLIENT_LOCKED_BY_POLICY",
      message: expect.stringMatching(/locks security\.enterprise_roots\.enabled to false/) as unknown,
    });
    expect(await readdir(j.profile)).toEqual([]);
  });
});
