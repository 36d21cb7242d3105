// A full or read-only disk is the machine's state, not a bug (issue 24): on a small tmpfs filled to
// the last byte, and on one remounted read-only, `onboard` exits 4 with STATE_WRITE_FAILED naming the
// state or log folder and the cause in words, or with the Thunderbird step failed as
// CLIENT_WRITE_FAILED while the other steps are still reported — and the profile's files are left
// exactly as they were, with no temporary file behind. Needs root (mount); CI runs as root.
import { execFile, execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js");
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("disk-faults.test.ts skipped: mounting a small tmpfs needs root (CI runs as root)");

const mounts: string[] = [];
let org: { config: string; trust: string };
const PREFS = 'user_pref("mail.smtpservers", "smtp1");\nuser_pref("mail.smtpserver.smtp1.hostname", "smtp.home.test");\n';

/** A 1 MiB tmpfs at a new folder, prepared by `fill`, then made full or read-only. */
async function disk(state: "full" | "read-only", fill: (dir: string) => Promise<unknown> = () => Promise.resolve()): Promise<string> {
  const dir = await tempDir("ro-disk-");
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", dir]);
  mounts.push(dir);
  await fill(dir);
  if (state === "read-only") execFileSync("mount", ["-o", "remount,ro", dir]);
  else {
    // Every block taken: a 2 MiB write stops at the limit.
    await writeFile(join(dir, "filler"), Buffer.alloc(2 * 1024 * 1024)).catch((err: NodeJS.ErrnoException) => expect(err.code).toBe("ENOSPC"));
  }
  return dir;
}

async function sandbox(profileDir?: string): Promise<{ home: string; profile: string }> {
  const home = await tempDir("ro-disk-home-");
  const profile = profileDir ?? join(home, "p.default");
  await mkdir(join(home, ".thunderbird"), { recursive: true });
  if (!profileDir) {
    await mkdir(profile);
    await writeFile(join(profile, "prefs.js"), PREFS);
  }
  await writeFile(join(home, ".thunderbird", "profiles.ini"), `[Profile0]\nName=default\nIsRelative=0\nPath=${profile}\nDefault=1\n`);
  return { home, profile };
}

interface Outcome { status: number; json: { ok: boolean; code: string; message?: string; steps?: Array<{ id: string; status: string; code?: string; message: string }> } }

async function onboard(home: string, state: string, logs: string): Promise<Outcome> {
  const args = [BIN, "onboard", "--config", org.config, "--trust", org.trust, "--email", "alice@internal.test", "--clients", "thunderbird", "--ca-store", "none", "--state-dir", state, "--log-dir", logs, "--yes", "--json"];
  const r = await exec(process.execPath, args, { env: { PATH: process.env["PATH"], HOME: home, ...testClockEnv() } }).then(
    (ok) => ({ status: 0, stdout: ok.stdout }),
    (err: { code: number; stdout: string }) => ({ status: err.code, stdout: err.stdout }),
  );
  return { status: r.status, json: JSON.parse(r.stdout) as Outcome["json"] };
}

beforeAll(async () => {
  if (!isRoot) return;
  const dir = await tempDir("ro-disk-org-");
  const key = await makeKey();
  org = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json") };
  await writeFile(org.config, await signed(key, { payload: await unsignedPayload(), now: new Date() }));
  await writeFile(org.trust, jwksText([key]));
});

afterAll(async () => {
  for (const dir of mounts) {
    execFileSync("umount", ["-l", dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!isRoot)("onboard on a full or read-only disk", () => {
  for (const state of ["full", "read-only"] as const) {
    const cause = state === "full" ? /the disk is full \(ENOSPC\)/ : /the disk is read-only \(EROFS\)/;

    it(`the state folder on a ${state} disk: STATE_WRITE_FAILED naming it, exit 4`, async () => {
      const box = await sandbox();
      const dir = await disk(state, (d) => mkdir(join(d, "state")));
      const out = await onboard(box.home, join(dir, "state"), join(box.home, "logs"));
      expect(out.status, JSON.stringify(out.json)).toBe(4);
      expect(out.json.code).toBe("STATE_WRITE_FAILED");
      expect(out.json.message).toContain(join(dir, "state"));
      expect(out.json.message).toMatch(cause);
      expect(await readFile(join(box.profile, "prefs.js"), "utf8")).toBe(PREFS);
    });

    it(`the log folder on a ${state} disk: STATE_WRITE_FAILED naming it, exit 4`, async () => {
      const box = await sandbox();
      const dir = await disk(state, (d) => mkdir(join(d, "logs")));
      const out = await onboard(box.home, join(box.home, "state"), join(dir, "logs"));
      expect(out.status, JSON.stringify(out.json)).toBe(4);
      expect(out.json.code).toBe("STATE_WRITE_FAILED");
      expect(out.json.message).toContain(join(dir, "logs"));
      expect(out.json.message).toMatch(cause);
    });

    it(`the Thunderbird profile on a ${state} disk: its step is CLIENT_WRITE_FAILED, the others are reported, the profile is as it was`, async () => {
      const dir = await disk(state, async (d) => {
        await mkdir(join(d, "p.default"));
        await writeFile(join(d, "p.default", "prefs.js"), PREFS);
      });
      const box = await sandbox(join(dir, "p.default"));
      const out = await onboard(box.home, join(box.home, "state"), join(box.home, "logs"));
      expect(out.status, JSON.stringify(out.json)).toBe(4);
      expect(out.json.steps?.map((s) => s.id)).toEqual(expect.arrayContaining(["config", "ca", "client:thunderbird"]));
      const step = out.json.steps?.find((s) => s.id === "client:thunderbird");
      expect(step).toMatchObject({ status: "failed", code: "CLIENT_WRITE_FAILED" });
      expect(step?.message).toContain(join(dir, "p.default"));
      expect(step?.message).toMatch(cause);
      expect(await readFile(join(dir, "p.default", "prefs.js"), "utf8")).toBe(PREFS);
      expect((await readdir(join(dir, "p.default"))).filter((f) => f !== "prefs.js")).toEqual([]);
    });
  }
});

describe.skipIf(!isRoot)("the browsers' policies on a full or read-only /etc", () => {
  const IT = '{"policies": {"DisableTelemetry": true}}\n';
  for (const state of ["full", "read-only"] as const) {
    const cause = state === "full" ? /the disk is full \(ENOSPC\)/ : /the disk is read-only \(EROFS\)/;
    it(`CA_INSTALL_FAILED naming the folder and the cause; IT's policies.json byte-identical, nothing half-written (${state})`, async () => {
      const root = await disk(state, async (d) => {
        for (const dir of ["usr/lib/firefox-esr", "usr/lib/chromium", "etc/firefox/policies"]) await mkdir(join(d, dir), { recursive: true });
        await writeFile(join(d, "etc/firefox/policies/policies.json"), IT);
      });
      const { browserPolicyStores } = await import("../../src/truststore/browserPolicies.js");
      const { acceptCa } = await import("../../src/truststore/accept.js");
      const { sha256Hex, singleCertificateDer } = await import("../../src/certs/pem.js");
      const { testCa } = await import("../helpers/org.js");
      const pem = (await testCa()).certPem;
      const ca = acceptCa(pem, sha256Hex(singleCertificateDer(pem)), "Example Org", new Date("2026-12-01T00:00:00Z"));
      const stores = await browserPolicyStores(root);
      expect(stores.map((s) => s.store)).toEqual(["firefox-policy", "chromium-policy"]);
      for (const store of stores) {
        const refused = await store.install(ca).then(() => undefined, (err: unknown) => err as { code?: string; message?: string });
        expect(refused, store.store).toMatchObject({ code: "CA_INSTALL_FAILED" });
        expect(refused?.message).toMatch(cause);
        expect(refused?.message).toContain(root);
      }
      expect(await readFile(join(root, "etc/firefox/policies/policies.json"), "utf8")).toBe(IT);
      const left = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true })).map(String).filter((n) => !/^(filler|usr.*|etc|etc\/firefox|etc\/firefox\/policies|etc\/firefox\/policies\/policies\.json)$/.test(n));
      // At most an empty folder on the full disk (its entry fits where a file's bytes do not).
      expect((await left(root)).filter((n) => !/^etc\/(firefox\/policies\/certificates|chromium(\/policies(\/managed)?)?)$/.test(n))).toEqual([]);
    });
  }
});
