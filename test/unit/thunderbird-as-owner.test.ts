// The Thunderbird step of asOwner.ts in this process: the job itself, the child's stdin/stdout side,
// and the decision to stay in-process (the child run as another account is in
// test/integration/profile-as-owner.test.ts).
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliEntry, profileJobFromStdin, runProfileJob, runProfileJobAsOwner, type ProfileJob } from "../../src/clients/thunderbird/asOwner.js";
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

  it("stays in this process when not root, or when the profile belongs to root", async () => {
    const j = await job();
    expect((await runProfileJobAsOwner(j, { uid: 1000 })).ranAs).toBeUndefined();
    const mine = await runProfileJobAsOwner(await job(), { uid: 0 });
    expect(mine.ranAs).toBeUndefined(); // a temp folder made by this (root) test process
    expect(mine.result.changed).toBe(true);
  });

  it("finds the command next to its modules", () => {
    expect(cliEntry()).toBe(join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js"));
  });
});

describe("the child's side: a job on stdin, the answer on stdout", () => {
  it("answers the outcome as JSON, and exit 0", async () => {
    const j = await job();
    let out = "";
    const text = JSON.stringify(j);
    const status = await profileJobFromStdin(chunks(text.slice(0, 10), text.slice(10)), (t) => void (out += t));
    expect(status).toBe(0);
    const answer = JSON.parse(out) as { ok: boolean; outcome: { result: { changed: boolean; profile: string } } };
    expect(answer.ok).toBe(true);
    expect(answer.outcome.result).toMatchObject({ changed: true, profile: j.profile });
  });

  it("answers a coded failure for a job it cannot use, and exit 1", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ["{ not json", "INTERNAL", /unexpected error/],
      [JSON.stringify({ ...(await job()), config: { organization: {} } }), "INTERNAL", /./],
      [JSON.stringify({ ...(await job()), profile: "/nonexistent/profile" }), "CLIENT_NOT_FOUND", /does not exist/],
    ];
    for (const [input, code, message] of cases) {
      let out = "";
      expect(await profileJobFromStdin(chunks(input), (t) => void (out += t)), input.slice(0, 20)).toBe(1);
      const answer = JSON.parse(out) as { ok: boolean; code: string; message: string };
      expect([answer.ok, answer.code], input.slice(0, 20)).toEqual([false, code]);
      expect(answer.message).toMatch(message);
    }
  });
});
