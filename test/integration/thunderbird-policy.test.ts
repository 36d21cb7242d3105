// `relay-onboard configure thunderbird-policy`: Thunderbird's enterprise policies as IT's second
// channel for the root. The merge is checked on files (IT's other policies kept, a second run
// byte-identical, a dry run writing nothing, malformed files untouched, a rotation followed); then
// the real Thunderbird is the oracle: started on a private copy of its installation whose
// distribution/ we wrote, its policy engine must report the policy active and a fresh profile must
// trust the organisation's root.
import { copyFile, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { mergePolicies, policiesFileInForce, LINUX_SYSTEM_POLICIES } from "../../src/clients/thunderbird/policies.js";
import { findPrefPolicies } from "../../src/clients/thunderbird/locks.js";
import type { UnsignedPayload } from "../../src/config/schema.js";
import { Marionette } from "../helpers/marionette.js";
import { createRootCa, jwksText, makeKey, signed, tempDir, unsignedPayload, type TestKey } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const THUNDERBIRD_DIR = "/usr/lib/thunderbird";
const hasThunderbird = existsSync(join(THUNDERBIRD_DIR, "thunderbird-bin"));
const systemPoliciesPresent = existsSync(LINUX_SYSTEM_POLICIES);

let dir: string;
let key: TestKey;
let base: UnsignedPayload;
let rootA: Awaited<ReturnType<typeof createRootCa>>;
let rootB: Awaited<ReturnType<typeof createRootCa>>;
const fp = (pem: string) => sha256Hex(singleCertificateDer(pem));
let ver = 0;

/** A signed configuration with these roots; each call a higher version. */
async function configWith(config: Partial<UnsignedPayload["config"]>): Promise<string> {
  const file = join(dir, `config-${++ver}.jws`);
  await writeFile(file, await signed(key, { ver, now: new Date(), payload: { ...base, config: { ...base.config, ...config } } }));
  return file;
}

beforeAll(async () => {
  dir = await tempDir("ro-tbpolicy-");
  key = await makeKey();
  await writeFile(join(dir, "trusted.jwks"), jwksText([key]));
  base = await unsignedPayload();
  rootA = await createRootCa("Policy Root A");
  rootB = await createRootCa("Policy Root B");
});

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  // The command line as it ships (the installers' executable).
  const { status, stdout, stderr } = await runShipped(["configure", "thunderbird-policy", "--trust", join(dir, "trusted.jwks"), "--state-dir", join(dir, "state"), ...args]);
  return { status: status ?? -1, stdout, stderr };
}

const IT_POLICIES = `{
  "policies": {
    "DisableAppUpdate": true,
    "Certificates": { "ImportEnterpriseRoots": true, "Install": ["it-own-root.der"] },
    "Preferences": { "mail.shell.checkDefaultClient": { "Value": false, "Status": "locked" } }
  }
}
`;

describe("merging policies.json", () => {
  it("keeps every other policy, adds the root by absolute path, and a second run changes nothing (byte-identical)", async () => {
    const target = join(await tempDir("ro-tbp-"), "policies.json");
    await writeFile(target, IT_POLICIES);
    const config = await configWith({ rootCa: { pem: rootA.certPem, sha256: fp(rootA.certPem) } });
    const first = await cli(["--config", config, "--out", target, "--json"]);
    expect(first.status, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { changed: boolean; certificates: string[]; backup: string };
    const cert = join(target, "..", "certificates", `relay-onboard-root-${fp(rootA.certPem).slice(0, 16)}.pem`);
    expect(report).toMatchObject({ changed: true, certificates: [cert] });
    const merged = JSON.parse(await readFile(target, "utf8")) as { policies: Record<string, any> };
    expect(merged.policies).toEqual({
      DisableAppUpdate: true,
      Certificates: { ImportEnterpriseRoots: true, Install: ["it-own-root.der", cert] },
      Preferences: { "mail.shell.checkDefaultClient": { Value: false, Status: "locked" } },
    });
    expect(fp(await readFile(cert, "utf8"))).toBe(fp(rootA.certPem));
    expect((await stat(cert)).mode & 0o777).toBe(0o644);
    expect(await readFile(report.backup, "utf8")).toBe(IT_POLICIES);

    const bytes = await readFile(target);
    const listing = await readdir(join(target, ".."));
    const second = await cli(["--config", config, "--out", target, "--json"]);
    expect(JSON.parse(second.stdout)).toMatchObject({ changed: false, certificates: [] });
    expect((await readFile(target)).equals(bytes)).toBe(true);
    expect(await readdir(join(target, ".."))).toEqual(listing);
  });

  it("--dry-run shows the merged file and writes nothing", async () => {
    const folder = await tempDir("ro-tbp-");
    const target = join(folder, "policies.json");
    await writeFile(target, IT_POLICIES);
    const config = await configWith({ rootCa: { pem: rootA.certPem, sha256: fp(rootA.certPem) } });
    const dry = await cli(["--config", config, "--out", target, "--dry-run"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/would write .*relay-onboard-root-[0-9a-f]{16}\.pem/);
    expect(dry.stdout).toMatch(/merged file:\n {4}\{\n {6}"policies": \{\n {8}"DisableAppUpdate": true,/);
    expect(dry.stdout).toContain('"it-own-root.der",');
    expect(await readFile(target, "utf8")).toBe(IT_POLICIES);
    expect(await readdir(folder)).toEqual(["policies.json"]);
  });

  it("refuses a file that is not a policies document, leaving it byte-identical and creating nothing", async () => {
    const config = await configWith({ rootCa: { pem: rootA.certPem, sha256: fp(rootA.certPem) } });
    for (const [text, why] of [
      ['{ "policies": { "DisableAppUpdate": true, }', /is not valid JSON/],
      ["[1, 2]", /is not a JSON object/],
      ['{ "policies": [] }', /"policies" member that is not an object/],
      ['{ "policies": { "Certificates": true } }', /"Certificates" policy that is not an object/],
      ['{ "policies": { "Certificates": { "Install": "root.pem" } } }', /"Certificates\.Install" that is not a list/],
      ['{ "policies": { "Certificates": { "Install": [1] } } }', /"Certificates\.Install" that is not a list/],
    ] as const) {
      const folder = await tempDir("ro-tbp-");
      const target = join(folder, "policies.json");
      await writeFile(target, text);
      const r = await cli(["--config", config, "--out", target]);
      expect(r.status, text).toBe(2);
      expect(r.stderr).toMatch(/^BAD_INPUT: /);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toMatch(/left unchanged/);
      expect(await readFile(target, "utf8")).toBe(text);
      expect(await readdir(folder)).toEqual(["policies.json"]);
    }
  });

  it("follows a rotation: both roots during the overlap, then the retired one's file and entry removed", async () => {
    const folder = await tempDir("ro-tbp-");
    const target = join(folder, "policies.json");
    const a = { pem: rootA.certPem, sha256: fp(rootA.certPem) };
    const b = { pem: rootB.certPem, sha256: fp(rootB.certPem) };
    const fileOf = (sha: string) => join(folder, "certificates", `relay-onboard-root-${sha.slice(0, 16)}.pem`);
    expect((await cli(["--config", await configWith({ rootCa: a }), "--out", target])).status).toBe(0);
    expect((await cli(["--config", await configWith({ rootCa: a, additionalRoots: [b] }), "--out", target])).status).toBe(0);
    const install = async () => (JSON.parse(await readFile(target, "utf8")) as { policies: { Certificates: { Install: string[] } } }).policies.Certificates.Install;
    expect(await install()).toEqual([fileOf(a.sha256), fileOf(b.sha256)]);
    const v3 = await cli(["--config", await configWith({ rootCa: b, retiredRoots: [{ sha256: a.sha256 }] }), "--out", target]);
    expect(v3.stdout).toMatch(/removed .* \(a retired root\)/);
    expect(await install()).toEqual([fileOf(b.sha256)]);
    expect(await readdir(join(folder, "certificates"))).toEqual([`relay-onboard-root-${b.sha256.slice(0, 16)}.pem`]);
  });

  it("asks for exactly one destination", async () => {
    const config = await configWith({});
    expect((await cli(["--config", config])).stderr).toMatch(/^USAGE: give --out FILE/);
    expect((await cli(["--config", config, "--out", join(dir, "x.json"), "--install"])).status).toBe(2);
    expect((await cli(["--config", config, "--out", join(dir, "x.json"), "--install-dir", dir])).stderr).toMatch(/--install-dir goes with --install/);
  });

  it("mergePolicies: an empty or missing file becomes a minimal policies document", () => {
    expect(JSON.parse(mergePolicies(undefined, ["/c/r.pem"], () => false))).toEqual({ policies: { Certificates: { Install: ["/c/r.pem"] } } });
    expect(JSON.parse(mergePolicies("  \n", ["/c/r.pem"], () => false))).toEqual({ policies: { Certificates: { Install: ["/c/r.pem"] } } });
    expect(JSON.parse(mergePolicies('{"policies":{}}', ["/c/r.pem"], () => false))).toEqual({ policies: { Certificates: { Install: ["/c/r.pem"] } } });
  });

  it("finds the file in force: the Linux system file when present, else an installation's distribution file", async () => {
    const install = await tempDir("ro-tbinstall-");
    if (!systemPoliciesPresent) {
      expect(await policiesFileInForce({ platform: "linux", installDir: install })).toBe(join(install, "distribution", "policies.json"));
      await expect(policiesFileInForce({ platform: "linux", installDir: join(install, "missing") })).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND" });
    }
    await mkdir(join(install, "distribution"));
    await writeFile(join(install, "distribution", "policies.json"), "{}");
    expect(await policiesFileInForce({ platform: "win32", installDir: install })).toBe(join(install, "distribution", "policies.json"));
    await expect(policiesFileInForce({ platform: "darwin", installDir: join(install, "nowhere") })).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND" });
  });
});

/** A private Thunderbird installation: the program copied (its folder is where it looks for distribution/), the rest linked. */
async function privateInstallation(): Promise<string> {
  const copy = await tempDir("ro-tbcopy-");
  for (const name of await readdir(THUNDERBIRD_DIR)) {
    if (name === "thunderbird-bin" || name === "thunderbird" || name === "distribution") continue;
    await symlink(join(THUNDERBIRD_DIR, name), join(copy, name));
  }
  await copyFile(join(THUNDERBIRD_DIR, "thunderbird-bin"), join(copy, "thunderbird-bin"));
  await copyFile(join(THUNDERBIRD_DIR, "thunderbird-bin"), join(copy, "thunderbird"));
  return copy;
}

describe.skipIf(!hasThunderbird || systemPoliciesPresent)("the real Thunderbird reads the policy (a fresh profile trusts the root)", () => {
  let tb: Marionette | undefined;
  afterAll(async () => tb?.quit());

  it("policy engine active, IT's policies kept, the org root trusted for TLS servers in a profile created after the policy", async () => {
    const install = await privateInstallation();
    expect(await readlink(join(install, "omni.ja"))).toBe(join(THUNDERBIRD_DIR, "omni.ja"));
    await mkdir(join(install, "distribution"));
    await writeFile(join(install, "distribution", "policies.json"), IT_POLICIES);
    const config = await configWith({ rootCa: { pem: rootA.certPem, sha256: fp(rootA.certPem) } });
    const r = await cli(["--config", config, "--install", "--install-dir", install, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: join(install, "distribution", "policies.json"), changed: true });

    const profile = await tempDir("ro-tbpolicy-profile-");
    tb = await Marionette.start(profile, join(install, "thunderbird"));
    const fingerprint = fp(rootA.certPem).toUpperCase().match(/../g)!.join(":");
    // The Install policy adds the certificate asynchronously after start-up: wait for it (bounded).
    type Seen = { status: number; active: Record<string, any>; trusted: boolean[] };
    let seen: Seen | undefined;
    for (let i = 0; i < 40; i++) {
      const now: Seen = await tb.execute<Seen>(`
        const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
        const ours = certdb.getCerts().filter((c) => c.sha256Fingerprint === ${JSON.stringify(fingerprint)});
        return {
          status: Services.policies.status,
          active: Services.policies.getActivePolicies(),
          trusted: ours.map((c) => certdb.isCertTrusted(c, Ci.nsIX509Cert.CA_CERT, Ci.nsIX509CertDB.TRUSTED_SSL)),
        };
      `);
      seen = now;
      if (now.trusted.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen?.status).toBe(1); // nsIEnterprisePolicies.ACTIVE
    expect(seen?.active["DisableAppUpdate"]).toBe(true);
    expect(seen?.active["Certificates"]["Install"]).toEqual(["it-own-root.der", join(install, "distribution", "certificates", `relay-onboard-root-${fp(rootA.certPem).slice(0, 16)}.pem`)]);
    expect(seen?.trusted).toEqual([true]);
  }, 120_000);

  it("reads policies.json as our lock reader does: __proto__ members are data, a byte-order mark voids the file (Thunderbird is the oracle)", async () => {
    const trySsl = "mail.smtpserver.smtp1.try_ssl";
    const text = `{"__proto__": {"x": 1}, "policies": {"constructor": true, "Preferences": {"__proto__": {"Value": 1, "Status": "locked"}, "${trySsl}": {"Value": 3, "Status": "locked"}, "mail.smtpserver.smtp1.port": {"Value": 587, "Status": "user"}}}}`;
    for (const [file, expected, rules] of [
      [text, { status: 1, locked: true, trySsl: 3, port: 587, portLocked: false }, [["__proto__", "locked", 1], [trySsl, "locked", 3], ["mail.smtpserver.smtp1.port", "user", 587]]],
      [`\uFEFF${text}`, { status: 2, locked: false, trySsl: -1, port: -1, portLocked: false }, []],
    ] as const) {
      const install = await privateInstallation();
      await mkdir(join(install, "distribution"));
      await writeFile(join(install, "distribution", "policies.json"), file);
      const ours = (await findPrefPolicies([install], [])).map((p) => [p.name, p.status, p.value]);
      await tb?.quit();
      tb = await Marionette.start(await tempDir("ro-tbpolicy-proto-"), join(install, "thunderbird"));
      const seen = await tb.execute<{ status: number; locked: boolean; trySsl: number; port: number; portLocked: boolean }>(`
        return {
          status: Services.policies.status,
          locked: Services.prefs.prefIsLocked(${JSON.stringify(trySsl)}),
          trySsl: Services.prefs.getIntPref(${JSON.stringify(trySsl)}, -1),
          port: Services.prefs.getIntPref("mail.smtpserver.smtp1.port", -1),
          portLocked: Services.prefs.prefIsLocked("mail.smtpserver.smtp1.port"),
        };
      `);
      // status 1: the policy engine is active; 2: it failed on the file and applies nothing.
      expect(seen).toEqual(expected);
      expect(ours).toEqual(rules);
    }
  }, 180_000);
});
