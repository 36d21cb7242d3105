// The Linux system store with the real update-ca-certificates (first in temporary directories,
// then once for real as root), and NSS databases with the real certutil. Success is judged by
// `openssl verify` and `certutil -V` accepting a certificate the org CA issued.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { acceptCa } from "../../src/truststore/accept.js";
import { FAMILIES, LinuxSystemStore, type LinuxFamily } from "../../src/truststore/linux.js";
import { NssStore, nssNickname, parseTrust } from "../../src/truststore/nss.js";
import { createRootCa, issueServerCert, tempDir } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

/** `relay-onboard …` as it ships (the installers' executable): its exit status and stdout. */
async function shipped(args: string[]): Promise<{ status: number | null; out: string }> {
  const ran = await runShipped(args);
  return { status: ran.status, out: ran.stdout };
}

const isRoot = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const hasUpdateCa = spawnSync("sh", ["-c", "test -x /usr/sbin/update-ca-certificates"]).status === 0;

/** Every certificate a test made, so the clean-up can find it whatever the tool under test did. */
const made: string[] = [];
/** Every NSS database a test made. */
const databases: string[] = [];

async function orgPki(name: string) {
  const ca = await createRootCa(`${name} Root CA`);
  const leaf = await issueServerCert(ca, ["relay.internal.test"]);
  made.push(ca.certPem, leaf.certPem);
  const accepted = acceptCa(ca.certPem, sha256Hex(singleCertificateDer(ca.certPem)), `${name} Org`);
  return { ca, leaf, accepted };
}

const SYSTEM_ANCHORS = "/usr/local/share/ca-certificates";
const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const base64Of = (pem: string) => singleCertificateDer(pem).toString("base64");

/** The test certificates still in the machine's store: as anchors, or in the generated bundle. */
async function testRootsInSystemStore(): Promise<string[]> {
  const found: string[] = [];
  const fingerprints = new Set(made.map((pem) => sha256Hex(singleCertificateDer(pem))));
  for (const name of await readdir(SYSTEM_ANCHORS, { recursive: true }).catch(() => [] as string[])) {
    if (!name.endsWith(".crt")) continue;
    const pem = await readFile(join(SYSTEM_ANCHORS, name), "utf8").catch(() => "");
    try {
      if (fingerprints.has(sha256Hex(singleCertificateDer(pem)))) found.push(join(SYSTEM_ANCHORS, name));
    } catch {
      // Not a single certificate: not one of ours.
    }
  }
  const bundle = (await readFile(SYSTEM_BUNDLE, "utf8").catch(() => "")).replace(/\s/g, "");
  for (const pem of made) if (bundle.includes(base64Of(pem))) found.push(`${SYSTEM_BUNDLE}: ${sha256Hex(singleCertificateDer(pem)).slice(0, 16)}`);
  return found;
}

/** Nicknames in an NSS database, from `certutil -L` (each line ends with the trust triple). The tests' databases hold only test certificates. */
function nssEntries(db: string): string[] {
  const listing = spawnSync("certutil", ["-L", "-d", `sql:${db}`], { encoding: "utf8" }).stdout ?? "";
  return listing
    .split("\n")
    .filter((l) => /\s[a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*\s*$/.test(l) && !/Trust Attributes/.test(l))
    .map((l) => l.replace(/\s+[a-zA-Z]*,[a-zA-Z]*,[a-zA-Z]*\s*$/, ""));
}

// Clean up with the platform's own tools, not the code under test, whatever happened in the tests:
// remove our anchors, rebuild with update-ca-certificates --fresh, delete our entries from every
// NSS database with certutil -D; then assert that nothing of ours is left.
afterAll(async () => {
  if (isRoot && hasUpdateCa && (await testRootsInSystemStore()).length > 0) {
    for (const file of await testRootsInSystemStore()) if (file.startsWith(SYSTEM_ANCHORS)) await rm(file, { force: true });
    execFileSync("/usr/sbin/update-ca-certificates", ["--fresh"], { stdio: "ignore" });
  }
  for (const db of databases) for (const nick of nssEntries(db)) spawnSync("certutil", ["-D", "-d", `sql:${db}`, "-n", nick]);
  expect(await testRootsInSystemStore(), "test roots left in the system store").toEqual([]);
  for (const db of databases) expect(nssEntries(db), `certificates left in ${db}`).toEqual([]);
}, 120_000);

/** A Debian-family store whose directories are all temporary (update-ca-certificates' own options). */
async function tempDebian(): Promise<{ family: LinuxFamily; etc: string }> {
  const dir = await tempDir("ro-ca-");
  const [local, etc, certs] = [join(dir, "local"), join(dir, "etc"), join(dir, "share")];
  for (const d of [local, etc, certs]) await mkdir(d, { recursive: true });
  // Like a real system, the distribution ships roots of its own: with none at all,
  // update-ca-certificates leaves a stale bundle behind when the last local root goes.
  const conf = join(dir, "ca-certificates.conf");
  await mkdir(join(certs, "distro"));
  await writeFile(join(certs, "distro", "Distro_Root.crt"), (await createRootCa("Distro Root")).certPem);
  await writeFile(conf, "distro/Distro_Root.crt\n");
  const options = ["--certsconf", conf, "--certsdir", certs, "--localcertsdir", local, "--etccertsdir", etc, "--hooksdir", join(dir, "hooks")];
  return {
    family: { ...FAMILIES.debian, anchorsDir: local, bundle: join(etc, "ca-certificates.crt"), refresh: (removing) => ["/usr/sbin/update-ca-certificates", [...options, ...(removing ? ["--fresh"] : [])]] },
    etc,
  };
}

function opensslVerify(caPath: string, leafPem: string): boolean {
  // With no file argument openssl verify reads the certificate from standard input.
  return spawnSync("openssl", ["verify", "-CApath", caPath], { input: leafPem }).status === 0;
}

describe.skipIf(!hasUpdateCa)("Linux system store (Debian family), in temporary directories", () => {
  it("install → openssl verify accepts the org's leaf; twice changes nothing; remove → it fails again", async () => {
    const { leaf, accepted } = await orgPki("Temp");
    const { family, etc } = await tempDebian();
    const store = new LinuxSystemStore({ family });
    expect(opensslVerify(etc, leaf.certPem)).toBe(false);

    const installed = await store.install(accepted);
    expect(installed).toMatchObject({ installed: true, changed: true });
    expect(installed.location).toBe(join(family.anchorsDir, `${accepted.label}.crt`));
    expect(opensslVerify(etc, leaf.certPem)).toBe(true);
    expect(await store.status(accepted)).toMatchObject({ installed: true });
    expect(await store.install(accepted)).toMatchObject({ installed: true, changed: false });

    expect(await store.remove(accepted)).toMatchObject({ installed: false, changed: true });
    expect(opensslVerify(etc, leaf.certPem)).toBe(false);
    expect(await readdir(family.anchorsDir)).toEqual([]);
    expect(await store.remove(accepted)).toMatchObject({ installed: false, changed: false });
  });

  it("removes only the certificate with that fingerprint", async () => {
    const [a, b] = [await orgPki("Keep"), await orgPki("Drop")];
    const { family, etc } = await tempDebian();
    const store = new LinuxSystemStore({ family });
    await store.install(a.accepted);
    await store.install(b.accepted);
    await store.remove(b.accepted);
    expect(opensslVerify(etc, a.leaf.certPem)).toBe(true);
    expect(opensslVerify(etc, b.leaf.certPem)).toBe(false);
  });

  it("checks the result itself: a refresh that does not add the certificate is a failure, and leaves nothing behind", async () => {
    const { accepted } = await orgPki("Broken");
    const { family } = await tempDebian();
    // A refresh that "succeeds" without doing anything, as update-ca-certificates does for bad input.
    const store = new LinuxSystemStore({ family: { ...family, refresh: () => ["true", []] } });
    await expect(store.install(accepted)).rejects.toMatchObject({ code: "CA_INSTALL_FAILED", message: expect.stringMatching(/does not contain/) as unknown });
    expect(await readdir(family.anchorsDir)).toEqual([]);
  });
});

describe.skipIf(!isRoot || !hasUpdateCa)("Linux system store, for real as root", () => {
  it("relay-onboard ca install/status/remove on /etc/ssl/certs, judged by openssl verify", async () => {
    const { ca, leaf } = await orgPki("Real");
    const dir = await tempDir("ro-real-");
    const certFile = join(dir, "root.pem");
    await writeFile(certFile, ca.certPem);
    const sha = sha256Hex(singleCertificateDer(ca.certPem));
    const cli = async (args: string[]) => {
      const { status, out } = await shipped(["ca", ...args, "--cert", certFile, "--sha256", sha, "--store", "system", "--json"]);
      return { status, report: JSON.parse(out) as { ok: boolean; code: string; stores: Array<{ installed: boolean; changed: boolean }> } };
    };
    // If this test fails halfway, the file's afterAll removes the root with update-ca-certificates.
    expect(opensslVerify("/etc/ssl/certs", leaf.certPem)).toBe(false);
    const first = await cli(["install", "--yes"]);
    expect(first.status).toBe(0);
    expect(first.report.stores[0]).toMatchObject({ installed: true, changed: true });
    expect(opensslVerify("/etc/ssl/certs", leaf.certPem)).toBe(true);
    expect((await cli(["status"])).status).toBe(0);
    expect((await cli(["install", "--yes"])).report.stores[0]).toMatchObject({ installed: true, changed: false });
    const removed = await cli(["remove", "--yes"]);
    expect(removed.report.stores[0]).toMatchObject({ installed: false, changed: true });
    expect(opensslVerify("/etc/ssl/certs", leaf.certPem)).toBe(false);
    const status = await cli(["status"]);
    expect(status.status).toBe(1);
    expect(status.report.stores[0]?.installed).toBe(false);
    // ok and code agree (it used to say ok: false with code OK).
    expect(status.report).toMatchObject({ ok: false, code: "NOT_ONBOARDED" });
  });

  it("refuses a leaf, an expired CA and a mismatched fingerprint with CA_REJECTED, changing nothing", async () => {
    const { ca, leaf } = await orgPki("Refused");
    const expired = await createRootCa("Expired Root", { notBefore: new Date("2020-01-01"), notAfter: new Date("2021-01-01") });
    made.push(expired.certPem);
    const dir = await tempDir("ro-refused-");
    const before = { anchors: await readdir("/usr/local/share/ca-certificates"), bundle: await readFile("/etc/ssl/certs/ca-certificates.crt", "utf8") };
    for (const [name, pem, sha] of [
      ["leaf", leaf.certPem, sha256Hex(singleCertificateDer(leaf.certPem))],
      ["expired", expired.certPem, sha256Hex(singleCertificateDer(expired.certPem))],
      ["mismatch", ca.certPem, sha256Hex(singleCertificateDer(expired.certPem))],
    ] as const) {
      const file = join(dir, `${name}.pem`);
      await writeFile(file, pem);
      const { status, out } = await shipped(["ca", "install", "--cert", file, "--sha256", sha, "--store", "system", "--yes", "--json"]);
      expect(status, name).toBe(3);
      expect(JSON.parse(out), name).toMatchObject({ ok: false, code: "CA_REJECTED" });
    }
    expect(await readdir("/usr/local/share/ca-certificates")).toEqual(before.anchors);
    expect(await readFile("/etc/ssl/certs/ca-certificates.crt", "utf8")).toBe(before.bundle);
  });
});

describe.skipIf(!has("certutil"))("NSS databases with the real certutil", () => {
  async function newDb(): Promise<string> {
    const dir = await tempDir("ro-nss-");
    execFileSync("certutil", ["-N", "-d", `sql:${dir}`, "--empty-password"]);
    databases.push(dir);
    return dir;
  }
  const verifyLeaf = (dir: string, leafPem: string) => {
    // certutil -V checks a certificate against the database's trust: import the leaf, validate for SSL server use.
    spawnSync("certutil", ["-A", "-d", `sql:${dir}`, "-n", "leaf", "-t", ",,", "-a"], { input: leafPem });
    const r = spawnSync("certutil", ["-V", "-d", `sql:${dir}`, "-n", "leaf", "-u", "V"], { encoding: "utf8" });
    spawnSync("certutil", ["-D", "-d", `sql:${dir}`, "-n", "leaf"]);
    return r.status === 0 && /certificate is valid/i.test(r.stdout);
  };

  it("install with server-auth trust (C,,), idempotent, remove; certutil -V judges the org's leaf", async () => {
    const { leaf, accepted } = await orgPki("Nss");
    const dir = await newDb();
    const store = new NssStore(dir);
    expect(verifyLeaf(dir, leaf.certPem)).toBe(false);
    expect(await store.install(accepted)).toMatchObject({ installed: true, changed: true, message: "trust C,," });
    const listing = execFileSync("certutil", ["-L", "-d", `sql:${dir}`], { encoding: "utf8" });
    expect(parseTrust(listing, nssNickname(accepted))).toBe("C,,");
    expect(listing).toContain(nssNickname(accepted));
    expect(verifyLeaf(dir, leaf.certPem)).toBe(true);
    expect(await store.install(accepted)).toMatchObject({ installed: true, changed: false });
    expect(await store.remove(accepted)).toMatchObject({ installed: false, changed: true });
    expect(verifyLeaf(dir, leaf.certPem)).toBe(false);
    expect(await store.remove(accepted)).toMatchObject({ installed: false, changed: false });
    expect(await store.status(accepted)).toMatchObject({ installed: false });
  });

  it("refuses a directory without a database unless asked to create one (Chromium's nssdb)", async () => {
    const { accepted } = await orgPki("Create");
    const empty = await tempDir("ro-nss-empty-");
    databases.push(empty);
    await expect(new NssStore(empty).install(accepted)).rejects.toMatchObject({ code: "CA_INSTALL_FAILED" });
    expect(await readdir(empty)).toEqual([]);
    expect(await new NssStore(empty, { create: true }).install(accepted)).toMatchObject({ installed: true, changed: true });
  });

  it("without --yes and without a terminal, install refuses (exit 2) and changes nothing", async () => {
    const { ca } = await orgPki("Consent");
    const dir = await newDb();
    const file = join(await tempDir("ro-consent-"), "root.pem");
    await writeFile(file, ca.certPem);
    const before = execFileSync("certutil", ["-L", "-d", `sql:${dir}`], { encoding: "utf8" });
    const { status, out } = await shipped(["ca", "install", "--cert", file, "--sha256", sha256Hex(singleCertificateDer(ca.certPem)), "--nss-db", dir, "--json"]);
    expect(status).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ ok: false, code: "USAGE", message: expect.stringMatching(/--yes/) as unknown });
    expect(execFileSync("certutil", ["-L", "-d", `sql:${dir}`], { encoding: "utf8" })).toBe(before);
  });

  it("takes the CA from the verified configuration", async () => {
    const { createDemoOrg } = await import("../../src/demo/org.js");
    const org = await createDemoOrg(await tempDir("ro-ca-org-"), new Date());
    const dir = await newDb();
    const args = ["--config", org.files.config, "--trust", org.files.trustedKeys, "--state-dir", join(org.dir, "state"), "--nss-db", dir, "--json"];
    const { status, out } = await shipped(["ca", "install", "--yes", ...args]);
    expect(status).toBe(0);
    const report = JSON.parse(out) as { ca: { organization: string; sha256: string } };
    expect(report.ca.organization).toBe("Relay Onboard Demo Org");
    expect(report.ca.sha256).toBe(sha256Hex(singleCertificateDer(org.ca.certPem)));
  });

  it("relay-onboard ca install --nss-db works end to end and reports per store", async () => {
    const { ca } = await orgPki("Cli");
    const dir = await newDb();
    const file = join(dir, "..", `${Date.now()}-root.pem`);
    await writeFile(file, ca.certPem);
    const { status, out } = await shipped(["ca", "install", "--cert", file, "--sha256", sha256Hex(singleCertificateDer(ca.certPem)), "--nss-db", dir, "--yes", "--json"]);
    expect(status).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, stores: [{ store: "nss", location: dir, installed: true, changed: true }] });
  });
});
