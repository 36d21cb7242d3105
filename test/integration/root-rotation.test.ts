// Root rotation as IT runs it (DESIGN.md, docs/it-guide.md): v1 trusts root A; v2 adds root B
// (additionalRoots) and the relay moves to a certificate from B; v3 makes B the root and retires A.
// `relay-onboard onboard --yes` runs after each release in a sandbox home as an MDM script would,
// with the real update-ca-certificates (the machine's store: root only), certutil on a Chromium
// NSS database and a Thunderbird profile; `status` is asked before and after. Judged by the tools
// themselves: the system bundle, `certutil -L`, and the relay test's TLS verdict.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import type { UnsignedPayload } from "../../src/config/schema.js";
import { relayTarget } from "../../src/diagnostics/target.js";
import { runCheck } from "../../src/diagnostics/check.js";
import { createRootCa, issueServerCert, jwksText, makeKey, signed, tempDir, unsignedPayload, type TestKey } from "../helpers/org.js";
import { scriptedServers } from "../helpers/fakeSmtp.js";
import { removeTestRootsFromBrowserPolicies } from "../helpers/browserPolicies.js";
import { testClockEnv } from "../helpers/realClock.js";

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js");
const isRoot = process.getuid?.() === 0;
const hasTools = spawnSync("sh", ["-c", "test -x /usr/sbin/update-ca-certificates && command -v certutil"]).status === 0;
const SYSTEM_ANCHORS = "/usr/local/share/ca-certificates";
const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

const fp = (pem: string) => sha256Hex(singleCertificateDer(pem));
const body = (pem: string) => singleCertificateDer(pem).toString("base64");
const rootEntry = (pem: string) => ({ pem, sha256: fp(pem) });

let key: TestKey;
let rootA: Awaited<ReturnType<typeof createRootCa>>;
let rootB: Awaited<ReturnType<typeof createRootCa>>;
let dir: string;
let home: string;
let chromiumDb: string;
let profile: string;
const releases: Record<"v1" | "v2" | "v3", string> = { v1: "", v2: "", v3: "" };
let base: UnsignedPayload;

async function release(name: "v1" | "v2" | "v3", ver: number, config: Partial<UnsignedPayload["config"]>): Promise<void> {
  const payload: UnsignedPayload = { ...base, config: { ...base.config, ...config } };
  const file = join(dir, `${name}.jws`);
  await writeFile(file, await signed(key, { ver, now: new Date(), payload }));
  releases[name] = file;
}

beforeAll(async () => {
  key = await makeKey();
  rootA = await createRootCa("Rotation Old Root A");
  rootB = await createRootCa("Rotation Next Root B");
  dir = await tempDir("ro-rotation-");
  await writeFile(join(dir, "trusted.jwks"), jwksText([key]));
  base = await unsignedPayload();
  await release("v1", 1, { rootCa: rootEntry(rootA.certPem) });
  await release("v2", 2, { rootCa: rootEntry(rootA.certPem), additionalRoots: [rootEntry(rootB.certPem)] });
  await release("v3", 3, { rootCa: rootEntry(rootB.certPem), retiredRoots: [{ sha256: fp(rootA.certPem), subject: "CN=Rotation Old Root A" }] });

  home = await tempDir("ro-rotation-home-");
  chromiumDb = join(home, ".pki", "nssdb");
  await mkdir(chromiumDb, { recursive: true });
  if (hasTools) execFileSync("certutil", ["-N", "--empty-password", "-d", `sql:${chromiumDb}`]);
  profile = join(home, ".thunderbird", "rot.default-release");
  await mkdir(profile, { recursive: true });
  await writeFile(join(home, ".thunderbird", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=rot.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
});

/** Test roots still in the machine's store (anchor files or the bundle), by the platform's own files. */
async function testRootsInSystem(): Promise<string[]> {
  const bundle = (await readFile(SYSTEM_BUNDLE, "utf8").catch(() => "")).replace(/\s/g, "");
  const found: string[] = [];
  for (const [name, pem] of [["A", rootA.certPem], ["B", rootB.certPem]] as const) {
    if (bundle.includes(body(pem))) found.push(name);
  }
  return found;
}

async function anchorFilesOf(pem: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(SYSTEM_ANCHORS).catch(() => [] as string[])) {
    const text = await readFile(join(SYSTEM_ANCHORS, name), "utf8").catch(() => "");
    try {
      if (fp(text) === fp(pem)) out.push(join(SYSTEM_ANCHORS, name));
    } catch {
      // not a single certificate
    }
  }
  return out;
}

/** Which test roots an NSS database holds, by the certificates themselves (certutil -L -a per nickname). */
function testRootsInNss(db: string): string[] {
  const listing = spawnSync("certutil", ["-L", "-d", `sql:${db}`], { encoding: "utf8" }).stdout ?? "";
  const nicknames = listing.split("\n").map((l) => /^(.+?)\s+[A-Za-z]*,[A-Za-z]*,[A-Za-z]*\s*$/.exec(l)?.[1]).filter((n): n is string => Boolean(n));
  const found: string[] = [];
  for (const nick of nicknames) {
    const pem = spawnSync("certutil", ["-L", "-d", `sql:${db}`, "-n", nick, "-a"], { encoding: "utf8" }).stdout;
    if (pem.includes(body(rootA.certPem).slice(0, 64))) found.push("A");
    if (pem.includes(body(rootB.certPem).slice(0, 64))) found.push("B");
  }
  return found.sort();
}

afterAll(async () => {
  if (!isRoot || !hasTools) return;
  // Clean up with the platform's own tools, whatever the code under test did.
  for (const pem of [rootA.certPem, rootB.certPem]) for (const file of await anchorFilesOf(pem)) await rm(file, { force: true });
  await rm(join(SYSTEM_ANCHORS, "ro-test-corp"), { recursive: true, force: true });
  execFileSync("/usr/sbin/update-ca-certificates", ["--fresh"], { stdio: "ignore" });
  expect(await testRootsInSystem(), "test roots left in the system store").toEqual([]);
  await removeTestRootsFromBrowserPolicies([fp(rootA.certPem), fp(rootB.certPem)]);
}, 120_000);

interface Outcome {
  status: number;
  json: { ok: boolean; code: string; changed?: boolean; compliant?: boolean; steps?: Array<{ id: string; status: string; message: string }>; items?: Array<{ id: string; state: string; message: string }> };
}

async function cli(args: string[]): Promise<Outcome> {
  const r = await exec(process.execPath, [BIN, ...args, "--json"], { env: { PATH: process.env["PATH"], HOME: home, ...testClockEnv() } }).then(
    (ok) => ({ status: 0, stdout: ok.stdout }),
    (err: { code: number; stdout: string; stderr: string }) => ({ status: err.code, stdout: err.stdout || err.stderr }),
  );
  return { status: r.status, json: JSON.parse(r.stdout) as Outcome["json"] };
}

const common = (file: string) => ["--config", file, "--trust", join(dir, "trusted.jwks"), "--email", "rotation.user@internal.test", "--state-dir", join(home, "state"), "--ca-store", "auto", "--clients", "thunderbird"];
const onboard = (file: string) => cli(["onboard", ...common(file), "--yes", "--log-dir", join(home, "logs")]);
const status = (file: string) => cli(["status", ...common(file)]);

describe.skipIf(!isRoot || !hasTools)("root rotation v1 → v2 → v3 (system store, NSS, a Thunderbird profile)", () => {
  it("leaves exactly the new root everywhere, with status following each release and a second run changing nothing", async () => {
    expect((await status(releases.v1)).status).toBe(1);

    const v1 = await onboard(releases.v1);
    expect(v1.status, JSON.stringify(v1.json.steps)).toBe(0);
    expect(await testRootsInSystem()).toEqual(["A"]);
    expect(testRootsInNss(chromiumDb)).toEqual(["A"]);
    expect(testRootsInNss(profile)).toEqual(["A"]);
    expect((await status(releases.v1)).status).toBe(0);

    // v2 is published: the machine lacks root B until it runs again.
    const before2 = await status(releases.v2);
    expect(before2.status).toBe(1);
    expect(before2.json.items?.find((i) => i.id.startsWith("ca:linux-system"))?.message).toMatch(new RegExp(`root\\(s\\) ${fp(rootB.certPem).slice(0, 8)}… not in`));
    const v2 = await onboard(releases.v2);
    expect(v2.status, JSON.stringify(v2.json.steps)).toBe(0);
    expect(await testRootsInSystem()).toEqual(["A", "B"]);
    expect(testRootsInNss(chromiumDb)).toEqual(["A", "B"]);
    expect(testRootsInNss(profile)).toEqual(["A", "B"]);
    expect((await status(releases.v2)).status).toBe(0);

    // v3 retires A: status says it is still trusted; onboarding takes it out of every store.
    const before3 = await status(releases.v3);
    expect(before3.status).toBe(1);
    expect(before3.json.items?.filter((i) => i.state === "missing").map((i) => i.message).join("\n")).toMatch(/retired root\(s\) [0-9a-f]{8}… still trusted/);
    // `ca status` tells the same: every current root there, the retired one still trusted.
    const caStatus = await cli(["ca", "status", "--config", releases.v3, "--trust", join(dir, "trusted.jwks"), "--state-dir", join(home, "state"), "--nss-db", chromiumDb]);
    expect(caStatus.status).toBe(1);
    expect(caStatus.json).toMatchObject({ ok: false, code: "NOT_ONBOARDED", retiredRoots: [fp(rootA.certPem)], stores: [{ store: "nss", installed: false, retiredPresent: [fp(rootA.certPem)] }] });
    expect((caStatus.json as unknown as { stores: Array<{ missing?: unknown }> }).stores[0]!.missing).toBeUndefined();
    const v3 = await onboard(releases.v3);
    expect(v3.status, JSON.stringify(v3.json.steps)).toBe(0);
    expect(v3.json.steps?.find((s) => s.id === "ca")?.message).toMatch(/linux-system: already there, retired root [0-9a-f]{8}… removed/);
    expect(await testRootsInSystem()).toEqual(["B"]);
    expect(await anchorFilesOf(rootA.certPem)).toEqual([]);
    expect(testRootsInNss(chromiumDb)).toEqual(["B"]);
    expect(testRootsInNss(profile)).toEqual(["B"]);
    const after3 = await status(releases.v3);
    expect(after3.status, JSON.stringify(after3.json.items)).toBe(0);

    const again = await onboard(releases.v3);
    expect(again.status).toBe(0);
    expect(again.json.changed).toBe(false);
    expect(again.json.steps?.find((s) => s.id === "ca")?.status).toBe("unchanged");
  }, 180_000);

  // Goes on from the machine the test above left (v3 applied: B everywhere, A nowhere).
  it("a retired root an administrator installed (an anchor file, a copy in a subfolder) is left, named, and keeps status not compliant; offboard takes only B", async () => {
    const mine = join(SYSTEM_ANCHORS, "other-org-root.crt");
    const sub = join(SYSTEM_ANCHORS, "ro-test-corp", "old-root.crt");
    await mkdir(join(SYSTEM_ANCHORS, "ro-test-corp"), { recursive: true });
    await writeFile(mine, rootA.certPem);
    await writeFile(sub, rootA.certPem);
    execFileSync("/usr/sbin/update-ca-certificates", [], { stdio: "ignore" });
    expect(await testRootsInSystem()).toEqual(["A", "B"]);

    const seen = await status(releases.v3);
    expect(seen.status).toBe(1);
    const system = seen.json.items?.find((i) => i.id.startsWith("ca:linux-system"));
    expect(system?.state).toBe("missing");
    expect(system?.message).toContain(mine);
    expect(system?.message).toContain(sub);

    const run = await onboard(releases.v3);
    expect(run.status, JSON.stringify(run.json.steps)).toBe(0);
    expect(run.json.steps?.find((s) => s.id === "ca")?.message).toMatch(/also installed by someone else: left in place/);
    expect(await readFile(mine, "utf8")).toBe(rootA.certPem);
    expect(await readFile(sub, "utf8")).toBe(rootA.certPem);
    expect((await status(releases.v3)).status).toBe(1);

    const off = await cli(["offboard", ...common(releases.v3), "--ca-store", "auto", "--yes"]);
    expect(off.status, JSON.stringify(off.json.steps)).toBe(0);
    const systemStep = off.json.steps?.find((s) => s.id.startsWith("ca:linux-system"));
    expect(systemStep?.status).toBe("done");
    expect(systemStep?.message).toMatch(new RegExp(`removed ${fp(rootB.certPem).slice(0, 8)}…`));
    expect(systemStep?.message).toMatch(/also installed by someone else: left in place/);
    expect(await testRootsInSystem()).toEqual(["A"]);
    expect(await anchorFilesOf(rootB.certPem)).toEqual([]);
    expect(testRootsInNss(chromiumDb)).toEqual([]);
    expect(testRootsInNss(profile)).toEqual([]);
    // The browsers' policies (root's run) are taken back too: B was the tool's there.
    const policySteps = off.json.steps?.filter((s) => /^ca:(firefox|chromium)-policy:/.test(s.id)) ?? [];
    expect(policySteps.map((s) => [s.id.split(":")[1], s.status]), JSON.stringify(off.json.steps)).toEqual([["firefox-policy", "done"], ["chromium-policy", "done"]]);
    expect((await status(releases.v3)).status).toBe(1);
    await rm(join(SYSTEM_ANCHORS, "ro-test-corp"), { recursive: true, force: true });
  }, 180_000);
});

describe("the relay's certificate during the overlap", () => {
  const servers = scriptedServers();

  async function verdict(config: UnsignedPayload["config"], port: number) {
    const target = { ...relayTarget({ ...config, submission: { ...config.submission, host: "127.0.0.1", port } }) };
    return runCheck({ ...target, gridPorts: [], version: "test", timeoutMs: 5000 });
  }

  it("is accepted from either root while both are current, and from the old one no longer after v3", async () => {
    const leafB = await issueServerCert(rootB, ["127.0.0.1"]);
    const onB = await servers.serve({}, leafB);
    const v1 = { ...base.config, rootCa: rootEntry(rootA.certPem) };
    const v2 = { ...v1, additionalRoots: [rootEntry(rootB.certPem)] };
    const v3 = { ...v1, rootCa: rootEntry(rootB.certPem), retiredRoots: [{ sha256: fp(rootA.certPem) }] };

    const untrusted = await verdict(v1, onB.port);
    expect(untrusted.checks.find((c) => c.id === "certificate")).toMatchObject({ status: "fail", code: "CERT_UNTRUSTED" });
    const overlap = await verdict(v2, onB.port);
    expect(overlap.checks.find((c) => c.id === "certificate")?.status).toBe("pass");
    expect(overlap.trustAnchor?.sha256).toBe(fp(rootB.certPem));
    expect((await verdict(v3, onB.port)).checks.find((c) => c.id === "certificate")?.status).toBe("pass");

    // A relay still on the old root: fine during the overlap, refused once A is retired.
    const onA = await servers.serve({}, await issueServerCert(rootA, ["127.0.0.1"]));
    const old = await verdict(v2, onA.port);
    expect(old.checks.find((c) => c.id === "certificate")?.status).toBe("pass");
    expect(old.trustAnchor?.sha256).toBe(fp(rootA.certPem));
    expect((await verdict(v3, onA.port)).checks.find((c) => c.id === "certificate")).toMatchObject({ status: "fail", code: "CERT_UNTRUSTED" });
  });
});
