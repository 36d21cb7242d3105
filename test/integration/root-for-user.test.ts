// Root acting for a user (the MDM way: HOME set to the user's home) against a hostile user. NSS loads
// the modules a database's pkcs11.txt names, and a libnssckbi.so beside it: a user who plants a
// shared library there must never have it run as root — not from the read-only `status`, not from
// `ca status`, not from `ca install`. The library here is built in the test with the C compiler and
// records the uid it runs with. (Issue 22, first attack; the rest of that issue is still open.)
import { execFileSync, spawnSync } from "node:child_process";
import { appendFile, chmod, chown, copyFile, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { jwksText, makeKey, signed, tempDir, testCa } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const USER = 65534;
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

  beforeAll(async () => {
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
});
