// The policies.json merge and plan in detail (the end-to-end runs, with the real Thunderbird, are in
// test/integration/thunderbird-policy.test.ts): where the file is looked for on each platform, what
// counts as ours, when files are rewritten, and the limits on what is read.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applyThunderbirdPolicy, LINUX_SYSTEM_POLICIES, mergePolicies, planThunderbirdPolicy, policiesFileInForce,
} from "../../src/clients/thunderbird/policies.js";
import { installDirs } from "../../src/clients/thunderbird/locks.js";
import type { OrgConfig } from "../../src/config/schema.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { createRootCa, tempDir, unsignedPayload } from "../helpers/org.js";

let config: OrgConfig;
let nextPem: string;
const fp = (pem: string) => sha256Hex(singleCertificateDer(pem));
const certName = (pem: string) => `relay-onboard-root-${fp(pem).slice(0, 16)}.pem`;

beforeAll(async () => {
  config = (await unsignedPayload()).config;
  nextPem = (await createRootCa("Policies Next Root")).certPem;
});

describe("where Thunderbird's installation is looked for", () => {
  it("knows the Linux system file, and the installation folders per platform (Windows from ProgramFiles and ProgramFiles(x86))", () => {
    expect(LINUX_SYSTEM_POLICIES).toBe("/etc/thunderbird/policies/policies.json");
    expect(installDirs("win32", { ProgramFiles: "D:\\Apps", "ProgramFiles(x86)": "D:\\Apps86" })).toEqual([join("D:\\Apps", "Mozilla Thunderbird"), join("D:\\Apps86", "Mozilla Thunderbird")]);
    expect(installDirs("win32", {})).toEqual([join("C:\\Program Files", "Mozilla Thunderbird"), join("C:\\Program Files (x86)", "Mozilla Thunderbird")]);
    expect(installDirs("darwin")).toEqual(["/Applications/Thunderbird.app/Contents/Resources"]);
    expect(installDirs("linux")).toContain("/usr/lib/thunderbird");
  });

  it("an existing distribution file wins over creating one; an installation without one gets a new one (not Linux)", async () => {
    const [a, b] = [await tempDir("ro-tb-a-"), await tempDir("ro-tb-b-")];
    await mkdir(join(a, "Mozilla Thunderbird"));
    const env = { ProgramFiles: a, "ProgramFiles(x86)": b };
    // Only the first installation exists: the new file goes there.
    expect(await policiesFileInForce({ platform: "win32", env })).toBe(join(a, "Mozilla Thunderbird", "distribution", "policies.json"));
    // The second has a policies.json already: that is the one in force.
    await mkdir(join(b, "Mozilla Thunderbird", "distribution"), { recursive: true });
    await writeFile(join(b, "Mozilla Thunderbird", "distribution", "policies.json"), "{}");
    expect(await policiesFileInForce({ platform: "win32", env })).toBe(join(b, "Mozilla Thunderbird", "distribution", "policies.json"));
    expect(await policiesFileInForce({ platform: "darwin", installDir: a })).toBe(join(a, "distribution", "policies.json"));
    await expect(policiesFileInForce({ platform: "win32", env: { ProgramFiles: join(a, "x"), "ProgramFiles(x86)": join(a, "y") } })).rejects.toMatchObject({ code: "CLIENT_NOT_FOUND", message: expect.stringMatching(/looked in .*x.Mozilla Thunderbird, .*y.Mozilla Thunderbird/) as unknown });
  });
});

describe("the Linux system file", () => {
  it("wins whenever it exists, on Linux only; without it and without an installation's file it is where a new one goes", async () => {
    const etc = await tempDir("ro-tb-etc-");
    const systemFile = join(etc, "policies.json");
    const install = await tempDir("ro-tb-install-");
    await mkdir(join(install, "distribution"));
    await writeFile(join(install, "distribution", "policies.json"), "{}");
    expect(await policiesFileInForce({ platform: "linux", installDir: install, systemFile })).toBe(join(install, "distribution", "policies.json"));
    await writeFile(systemFile, "{}");
    expect(await policiesFileInForce({ platform: "linux", installDir: install, systemFile })).toBe(systemFile);
    expect(await policiesFileInForce({ platform: "win32", installDir: install, systemFile })).toBe(join(install, "distribution", "policies.json"));
    expect(await policiesFileInForce({ platform: "darwin", installDir: install, systemFile })).toBe(join(install, "distribution", "policies.json"));
    // No file anywhere (the default installation folders have no distribution/policies.json here).
    const none = join(etc, "absent.json");
    const defaults = installDirs("linux").some((d) => existsSync(join(d, "distribution", "policies.json")));
    if (!defaults) expect(await policiesFileInForce({ platform: "linux", systemFile: none })).toBe(none);
  });
});

describe("mergePolicies", () => {
  const ours = (e: string) => e.startsWith("/ours/");

  it("replaces only our entries, keeps IT's in order, and appends ours", () => {
    const before = JSON.stringify({ policies: { Certificates: { Install: ["/it/a.der", "/ours/old.pem", "b.pem"] }, Other: 1 } });
    expect(JSON.parse(mergePolicies(before, ["/ours/new.pem"], ours))).toEqual({ policies: { Certificates: { Install: ["/it/a.der", "b.pem", "/ours/new.pem"] }, Other: 1 } });
  });

  it("adds Certificates to a file without it, and policies to a document without them", () => {
    expect(JSON.parse(mergePolicies('{"policies":{"DisableAppUpdate":true}}', ["/ours/r.pem"], ours))).toEqual({ policies: { DisableAppUpdate: true, Certificates: { Install: ["/ours/r.pem"] } } });
    expect(JSON.parse(mergePolicies('{"comment":"IT"}', ["/ours/r.pem"], ours))).toEqual({ comment: "IT", policies: { Certificates: { Install: ["/ours/r.pem"] } } });
  });

  it("writes two-space JSON ending in one newline", () => {
    expect(mergePolicies(undefined, ["/ours/r.pem"], ours)).toBe('{\n  "policies": {\n    "Certificates": {\n      "Install": [\n        "/ours/r.pem"\n      ]\n    }\n  }\n}\n');
  });

  it("names the file in every refusal and says it was left unchanged", () => {
    for (const bad of ["nope", "null", "true", '"text"', '{"policies": null}', '{"policies": "x"}', '{"policies": {"Certificates": []}}', '{"policies": {"Certificates": {"Install": {}}}}', '{"policies": {"Certificates": null}}', '{"policies": {"Certificates": {"Install": null}}}']) {
      expect(() => mergePolicies(bad, [], ours, "/etc/x/policies.json"), bad).toThrow(/^\/etc\/x\/policies\.json .*; it was left unchanged — correct it \(or move it away\) and run again$/);
    }
    expect(() => mergePolicies("{", [], ours, "f.json")).toThrow(expect.objectContaining({ code: "BAD_INPUT" }));
    // Without a name, the message still says which kind of file.
    expect(() => mergePolicies("[]", [], ours)).toThrow(/^policies\.json is not a JSON object/);
  });
});

describe("planThunderbirdPolicy and applyThunderbirdPolicy", () => {
  it("a missing file: planned as new, the certificate written, no backup", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const file = join(dir, "policies.json");
    const plan = await planThunderbirdPolicy(file, config);
    expect(plan).toMatchObject({ file, certDir: join(dir, "certificates"), before: undefined, remove: [], changed: true });
    expect(plan.write).toEqual([{ path: join(dir, "certificates", certName(config.rootCa.pem)), pem: `${config.rootCa.pem.trim()}\n` }]);
    expect(await applyThunderbirdPolicy(plan)).toBeUndefined();
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(["certificates", "policies.json"]);
  });

  it("a certificate file that differs is rewritten without touching the unchanged policies file", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const file = join(dir, "policies.json");
    await applyThunderbirdPolicy(await planThunderbirdPolicy(file, config));
    const policies = await readFile(file, "utf8");
    const cert = join(dir, "certificates", certName(config.rootCa.pem));
    await writeFile(cert, "tampered\n");
    const plan = await planThunderbirdPolicy(file, config);
    expect(plan).toMatchObject({ changed: true, after: policies, before: policies, remove: [] });
    expect(plan.write.map((w) => w.path)).toEqual([cert]);
    expect(await applyThunderbirdPolicy(plan, new Date("2026-11-30T10:00:00.000Z"))).toBeUndefined();
    expect(await readFile(cert, "utf8")).toBe(`${config.rootCa.pem.trim()}\n`);
    expect(await readdir(dir)).toEqual(["certificates", "policies.json"]);
  });

  it("IT's differently formatted file that already lists our roots is left byte for byte", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const file = join(dir, "policies.json");
    const cert = join(dir, "certificates", certName(config.rootCa.pem));
    const text = `{"policies":{"Certificates":{"Install":[${JSON.stringify(cert)}]}}}`;
    await writeFile(file, text);
    await mkdir(join(dir, "certificates"));
    await writeFile(cert, `${config.rootCa.pem.trim()}\n`);
    const plan = await planThunderbirdPolicy(file, config);
    expect(plan).toMatchObject({ changed: false, after: text, write: [], remove: [] });
  });

  it("only our own file names in our folder are removed; others there and ours elsewhere stay", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const file = join(dir, "policies.json");
    const certs = join(dir, "certificates");
    await mkdir(certs);
    const stale = join(certs, "relay-onboard-root-0123456789abcdef.pem");
    const elsewhere = join(dir, "relay-onboard-root-fedcba9876543210.pem");
    for (const f of [stale, join(certs, "it-root.pem"), join(certs, "relay-onboard-root-XYZ.pem"), elsewhere]) await writeFile(f, "x");
    await writeFile(file, JSON.stringify({ policies: { Certificates: { Install: [stale, join(certs, "it-root.pem"), elsewhere] } } }));
    const plan = await planThunderbirdPolicy(file, { ...config, additionalRoots: [{ pem: nextPem, sha256: fp(nextPem) }] });
    expect(plan.remove).toEqual([stale]);
    expect((JSON.parse(plan.after) as { policies: { Certificates: { Install: string[] } } }).policies.Certificates.Install).toEqual([
      join(certs, "it-root.pem"), elsewhere, join(certs, certName(config.rootCa.pem)), join(certs, certName(nextPem)),
    ]);
    const backup = await applyThunderbirdPolicy(plan, new Date("2026-11-30T10:11:12.345Z"));
    expect(backup).toBe(`${file}.relay-onboard-2026-11-30T10-11-12-345Z.bak`);
    expect((await readdir(certs)).sort()).toEqual([certName(config.rootCa.pem), certName(nextPem), "it-root.pem", "relay-onboard-root-XYZ.pem"].sort());
    expect(await readFile(elsewhere, "utf8")).toBe("x");
  });

  it("a root's PEM is written trimmed, ending in exactly one newline", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const padded = { ...config, rootCa: { ...config.rootCa, pem: `\n${config.rootCa.pem.trim()}\n\n\n` } };
    const plan = await planThunderbirdPolicy(join(dir, "policies.json"), padded);
    expect(plan.write[0]!.pem).toBe(`${config.rootCa.pem.trim()}\n`);
  });

  it("a stale root file alone is a change (removed), even when the list is already right", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const file = join(dir, "policies.json");
    await applyThunderbirdPolicy(await planThunderbirdPolicy(file, config));
    const stale = join(dir, "certificates", "relay-onboard-root-0123456789abcdef.pem");
    await writeFile(stale, "old root");
    // Names that only look like ours are not ours.
    for (const lookalike of ["xrelay-onboard-root-0123456789abcdef.pem", "relay-onboard-root-0123456789abcdef.pem.bak"]) await writeFile(join(dir, "certificates", lookalike), "IT's");
    const plan = await planThunderbirdPolicy(file, config);
    expect(plan).toMatchObject({ changed: true, write: [], remove: [stale] });
    await applyThunderbirdPolicy(plan);
    expect((await readdir(join(dir, "certificates"))).sort()).toEqual([certName(config.rootCa.pem), "relay-onboard-root-0123456789abcdef.pem.bak", "xrelay-onboard-root-0123456789abcdef.pem"].sort());
  });

  it("a backup name already taken (a file or link someone put there) is left alone: a fresh name is used", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    const file = join(dir, "policies.json");
    await writeFile(file, '{"policies": {}}');
    const taken = `${file}.relay-onboard-2026-11-30T10-11-12-345Z.bak`;
    await writeFile(taken, "someone else's");
    const backup = await applyThunderbirdPolicy(await planThunderbirdPolicy(file, config), new Date("2026-11-30T10:11:12.345Z"));
    expect(backup).toMatch(/policies\.json\.relay-onboard-2026-11-30T10-11-12-345Z-[0-9a-f]{8}\.bak$/);
    expect(await readFile(backup!, "utf8")).toBe('{"policies": {}}');
    expect(await readFile(taken, "utf8")).toBe("someone else's");
  });

  it("refuses what is not a regular file, and a file over 4 MiB, before reading it", async () => {
    const dir = await tempDir("ro-tbp-unit-");
    await mkdir(join(dir, "policies.json"));
    await expect(planThunderbirdPolicy(join(dir, "policies.json"), config)).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/is not a regular file/) as unknown });
    const big = join(await tempDir("ro-tbp-unit-"), "policies.json");
    await writeFile(big, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    await expect(planThunderbirdPolicy(big, config)).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/larger than 4194304 bytes/) as unknown });
    const edge = join(await tempDir("ro-tbp-unit-"), "policies.json");
    await writeFile(edge, Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect((await planThunderbirdPolicy(edge, config)).changed).toBe(true);
  });
});
