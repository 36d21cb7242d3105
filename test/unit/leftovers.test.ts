// What a killed run leaves (src/fs/leftovers.ts): the next run removes only files and folders of
// the tool's own temporary naming, made by a process that is gone, owned by this account — a link
// as a link — and leaves everything else, including a live run's files.
import { spawnSync } from "node:child_process";
import { chownSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanLeftovers, leftoverPid } from "../../src/fs/leftovers.js";
import { tempDir } from "../helpers/org.js";

/** The PID of a process that has exited. */
function deadPid(): number {
  const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  return Number(r.stdout.trim());
}

describe("leftoverPid: the tool's temporary names", () => {
  it("reads the PID from each kind of name the tool makes, and from nothing else", () => {
    expect(leftoverPid(".prefs.js.4242.0123456789ab.tmp")).toBe(4242); // an atomic write
    expect(leftoverPid("onboard.lock.77.89abcdef.tmp")).toBe(77); // a lock's PID file
    expect(leftoverPid(".relay-onboard-nss.9.a1b2c3d4e5f6.tmp")).toBe(9); // an NSS database being made
    expect(leftoverPid("relay-onboard-ca-31337-AbC123")).toBe(31337); // a certificate folder in $TMPDIR
    for (const name of ["prefs.js", "prefs.js.tmp", ".prefs.js.4242.tmp", ".prefs.js.x.0123456789ab.tmp", ".prefs.js.4242.0123456789ab.tmpx", ".prefs.js.4242.XYZ456789abc.tmp", ".prefs.js.0.0123456789ab.tmp", "relay-onboard-ca-12-toolong7", "relay-onboard-ca--AbC123", "onboard.lock"]) {
      expect(leftoverPid(name), name).toBeUndefined();
    }
  });
});

describe("cleanLeftovers", () => {
  it("removes a dead run's files and folders, keeps a live run's, other files, and what a link points to", async () => {
    const dir = await tempDir("ro-leftovers-");
    const outside = await tempDir("ro-leftovers-outside-");
    await writeFile(join(outside, "precious"), "keep");
    const dead = deadPid();
    const live = process.ppid;
    await writeFile(join(dir, `.prefs.js.${dead}.0123456789ab.tmp`), "half");
    await writeFile(join(dir, `onboard.lock.${dead}.89abcdef.tmp`), String(dead));
    await mkdir(join(dir, `.relay-onboard-nss.${dead}.a1b2c3d4e5f6.tmp`));
    await writeFile(join(dir, `.relay-onboard-nss.${dead}.a1b2c3d4e5f6.tmp`, "cert9.db"), "db");
    await symlink(outside, join(dir, `relay-onboard-ca-${dead}-AbC123`));
    await writeFile(join(dir, `.user.js.${live}.0123456789ab.tmp`), "a live run's");
    await writeFile(join(dir, `.user.js.${process.pid}.0123456789ab.tmp`), "this run's own");
    await writeFile(join(dir, "prefs.js"), "the user's");
    await writeFile(join(dir, `notes.${dead}.tmp`), "not our naming");

    const removed = await cleanLeftovers(dir);
    expect(removed.sort()).toEqual([`.prefs.js.${dead}.0123456789ab.tmp`, `.relay-onboard-nss.${dead}.a1b2c3d4e5f6.tmp`, `onboard.lock.${dead}.89abcdef.tmp`, `relay-onboard-ca-${dead}-AbC123`].sort());
    expect((await readdir(dir)).sort()).toEqual([`.user.js.${live}.0123456789ab.tmp`, `.user.js.${process.pid}.0123456789ab.tmp`, `notes.${dead}.tmp`, "prefs.js"].sort());
    expect(await readFile(join(outside, "precious"), "utf8")).toBe("keep");
    expect(await cleanLeftovers(dir)).toEqual([]);
  });

  // chown needs root; CI runs as root.
  it.skipIf(process.getuid?.() !== 0)("leaves another account's file of our naming (a hostile user's, or another user's run) alone", async () => {
    const dir = await tempDir("ro-leftovers-other-");
    const name = `.prefs.js.${deadPid()}.0123456789ab.tmp`;
    await writeFile(join(dir, name), "theirs");
    chownSync(join(dir, name), 65534, 65534);
    expect(await cleanLeftovers(dir)).toEqual([]);
    expect(await readdir(dir)).toEqual([name]);
  });

  it("a folder it cannot read is no failure: nothing to clean", async () => {
    expect(await cleanLeftovers(join(await tempDir("ro-leftovers-none-"), "missing"))).toEqual([]);
  });
});
