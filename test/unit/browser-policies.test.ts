// The browsers' enterprise-policy stores (truststore/mozillaPolicy.ts, chromiumPolicy.ts) in a
// folder standing in for "/": which are chosen, what they write, that IT's own policies stay, and
// that a file the browser would not read is refused and left byte-identical. The real Firefox ESR
// and Chromium reading what they write are in test/integration/browser-trust.test.ts.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { browserPolicyStores } from "../../src/truststore/browserPolicies.js";
import { acceptCa } from "../../src/truststore/accept.js";
import type { AcceptedCa, TrustStore } from "../../src/truststore/types.js";
import { createRootCa, tempDir, TEST_CA_VALIDITY } from "../helpers/org.js";

async function ca(name: string): Promise<AcceptedCa> {
  const root = await createRootCa(name, TEST_CA_VALIDITY);
  return acceptCa(root.certPem, sha256Hex(singleCertificateDer(root.certPem)), "Example Org", new Date("2026-12-01T00:00:00Z"));
}

/** A stand-in for "/" with the given installations. */
async function machine(installed: string[]): Promise<string> {
  const root = await tempDir("ro-policies-");
  for (const dir of installed) await mkdir(join(root, dir), { recursive: true });
  return root;
}

const byStore = (stores: TrustStore[], name: string) => stores.find((s) => s.store === name)!;

describe("the browsers' enterprise policies as trust stores", () => {
  it("are chosen for the browsers installed — Firefox's policies.json, Chromium's and Chrome's managed folders — and none without a browser", async () => {
    expect(await browserPolicyStores(await machine([]))).toEqual([]);
    const root = await machine(["usr/lib/firefox-esr", "usr/lib/chromium", "opt/google/chrome", "usr/lib/thunderbird"]);
    const stores = await browserPolicyStores(root);
    expect(stores.map((s) => [s.store, s.location])).toEqual([
      ["firefox-policy", join(root, "etc/firefox/policies/policies.json")],
      ["chromium-policy", join(root, "etc/chromium/policies/managed/relay-onboard.json")],
      ["chromium-policy", join(root, "etc/opt/chrome/policies/managed/relay-onboard.json")],
    ]);
    // An installation's own distribution file is the one in force while no system file exists.
    const dist = await machine(["usr/lib/firefox-esr/distribution"]);
    await writeFile(join(dist, "usr/lib/firefox-esr/distribution/policies.json"), "{}");
    expect((await browserPolicyStores(dist)).map((s) => s.location)).toEqual([join(dist, "usr/lib/firefox-esr/distribution/policies.json")]);
  });

  it("Firefox: the root listed in Certificates.Install beside IT's policies, once; removed again, and a file that held only ours goes", async () => {
    const root = await machine(["usr/lib/firefox-esr"]);
    const firefox = byStore(await browserPolicyStores(root), "firefox-policy");
    const [a, b] = [await ca("Root A"), await ca("Root B")];
    expect((await firefox.status(a)).installed).toBe(false);
    const added = await firefox.install(a);
    expect(added).toMatchObject({ installed: true, changed: true, handle: join(root, `etc/firefox/policies/certificates/relay-onboard-root-${a.sha256.slice(0, 16)}.pem`) });
    expect(await readFile(added.handle!, "utf8")).toBe(a.pem.trim() + "\n");
    expect(JSON.parse(await readFile(firefox.location, "utf8"))).toEqual({ policies: { Certificates: { Install: [added.handle] } } });
    expect(await firefox.install(a)).toMatchObject({ installed: true, changed: false });
    await firefox.install(b); // a rotation's second root: both listed
    expect((JSON.parse(await readFile(firefox.location, "utf8")) as { policies: { Certificates: { Install: string[] } } }).policies.Certificates.Install).toHaveLength(2);
    expect(await firefox.find(a.sha256, "Example Org")).toMatchObject({ sha256: a.sha256 });
    expect(await firefox.remove(a)).toMatchObject({ installed: false, changed: true });
    expect(await firefox.find(a.sha256, "Example Org")).toBeUndefined();
    // The other root stays listed (a rotation retiring A keeps B).
    expect(await firefox.status(b)).toMatchObject({ installed: true });
    expect(JSON.parse(await readFile(firefox.location, "utf8"))).toEqual({ policies: { Certificates: { Install: [join(root, `etc/firefox/policies/certificates/relay-onboard-root-${b.sha256.slice(0, 16)}.pem`)] } } });
    await firefox.remove(b);
    await expect(readFile(firefox.location)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await readdir(join(root, "etc/firefox/policies/certificates"))).filter((n) => n.endsWith(".pem"))).toEqual([]);
    expect(await readdir(join(root, "etc/firefox/policies"))).toEqual(["certificates"]); // no backups of a file that was only ours
  });

  it("Firefox: IT's own policies and its own copy of the root stay; a file Firefox would not read is refused and left as it was", async () => {
    const root = await machine(["usr/lib/firefox-esr", "etc/firefox/policies"]);
    const a = await ca("Root A");
    const file = join(root, "etc/firefox/policies/policies.json");
    await writeFile(join(root, "etc/firefox/policies/it-root.pem"), a.pem);
    const its = { policies: { DisableTelemetry: true, Certificates: { Install: [join(root, "etc/firefox/policies/it-root.pem")] } } };
    await writeFile(file, JSON.stringify(its));
    const firefox = byStore(await browserPolicyStores(root), "firefox-policy");
    // IT already installs this very root: trusted, nothing to add — and never removed by us.
    expect(await firefox.install(a)).toMatchObject({ installed: true, changed: false });
    expect(await firefox.find(a.sha256, "Example Org")).toBeUndefined();
    expect(await firefox.remove(a)).toMatchObject({ installed: true, changed: false, message: expect.stringContaining("also installed by someone else") as unknown });
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(its);
    // Another root of ours is added beside IT's, and taken out leaving IT's file as its policies were.
    const b = await ca("Root B");
    await firefox.install(b);
    expect((JSON.parse(await readFile(file, "utf8")) as typeof its).policies).toMatchObject({ DisableTelemetry: true, Certificates: { Install: [its.policies.Certificates.Install[0], expect.stringMatching(/relay-onboard-root-/)] } });
    await firefox.remove(b);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(its);
    // IT's file as it was is kept beside (once per change of it), never a copy of one only ours.
    const backups = (await readdir(join(root, "etc/firefox/policies"))).filter((n) => n.startsWith("policies.json."));
    expect(backups).toHaveLength(2);
    for (const name of backups) expect(name).toMatch(/^policies\.json\.relay-onboard-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z(-[0-9a-f]{8})?\.bak$/);
    for (const bad of ["\uFEFF{}", "{ not json", '{"policies": {"Certificates": {"Install": "one.pem"}}}']) {
      await writeFile(file, bad);
      await expect(firefox.install(b)).rejects.toMatchObject({ code: "BAD_INPUT" });
      expect(await readFile(file, "utf8")).toBe(bad);
    }
  });

  it("Chromium: CACertificates in a file of our own; IT's CACertificates elsewhere is never shadowed — refused, nothing written", async () => {
    const root = await machine(["usr/lib/chromium"]);
    const chromium = byStore(await browserPolicyStores(root), "chromium-policy");
    const [a, b] = [await ca("Root A"), await ca("Root B")];
    expect(await chromium.install(a)).toMatchObject({ installed: true, changed: true });
    await chromium.install(b);
    expect(JSON.parse(await readFile(chromium.location, "utf8"))).toEqual({ CACertificates: [a.der.toString("base64"), b.der.toString("base64")] });
    expect(await chromium.install(a)).toMatchObject({ changed: false });
    expect(await chromium.find(b.sha256, "Example Org")).toMatchObject({ sha256: b.sha256 });
    await chromium.remove(a);
    expect(JSON.parse(await readFile(chromium.location, "utf8"))).toEqual({ CACertificates: [b.der.toString("base64")] });
    await chromium.remove(b);
    await expect(readFile(chromium.location)).rejects.toMatchObject({ code: "ENOENT" });

    const managed = join(root, "etc/chromium/policies/managed");
    await writeFile(join(managed, "it.json"), JSON.stringify({ CACertificates: [a.der.toString("base64")], HomepageLocation: "https://intranet" }));
    expect(await chromium.status(a)).toMatchObject({ installed: true }); // IT's list trusts it
    await expect(chromium.install(b)).rejects.toMatchObject({ code: "CA_INSTALL_FAILED", message: expect.stringContaining(`${join(managed, "it.json")} already sets Chromium's CACertificates policy`) as unknown });
    expect(await readdir(managed)).toEqual(["it.json"]);
    expect(await chromium.remove(a)).toMatchObject({ installed: true, changed: false });
    expect(await chromium.trustedCopies(a.sha256)).toEqual([`${join(managed, "it.json")} (CACertificates)`]);
  });

  it("Firefox reads what IT lists as Firefox does: a name in certificates/, a DER file, a missing file; an oversized or odd policies file is refused", async () => {
    const root = await machine(["usr/lib/firefox-esr", "etc/firefox/policies/certificates"]);
    const a = await ca("Root A");
    const file = join(root, "etc/firefox/policies/policies.json");
    const certs = join(root, "etc/firefox/policies/certificates");
    await writeFile(join(certs, "it-root.der"), a.der);
    await writeFile(file, JSON.stringify({ policies: { Certificates: { Install: ["gone.pem", "it-root.der"] } } }));
    const firefox = byStore(await browserPolicyStores(root), "firefox-policy");
    expect(await firefox.status(a)).toMatchObject({ installed: true });
    expect(await firefox.trustedCopies(a.sha256)).toEqual([`${file} (Certificates.Install: it-root.der)`]);
    expect(await firefox.trustedCopies((await ca("Root B")).sha256)).toEqual([]);
    // A root of ours whose file someone deleted is still taken out of the list; a file of ours no list names goes too.
    const b = await ca("Root B2");
    const added = await firefox.install(b);
    const { rm: remove, stat } = await import("node:fs/promises");
    expect((await stat(added.handle!)).mode & 0o777).toBe(0o644);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await remove(added.handle!);
    // A recorded handle that is not ours is never followed: a canary of the test's own stands for a
    // system file (never a real one: a mutant that followed it would delete it).
    const canary = join(root, "etc/canary");
    await writeFile(canary, "keep me");
    expect(await firefox.remove(b, canary)).toMatchObject({ changed: true, installed: false, handle: added.handle });
    expect(await readFile(canary, "utf8")).toBe("keep me");
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ policies: { Certificates: { Install: ["gone.pem", "it-root.der"] } } });
    await writeFile(added.handle!, b.pem);
    expect(await firefox.remove(b)).toMatchObject({ changed: true });
    await expect(readFile(added.handle!)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await firefox.remove(b)).toMatchObject({ changed: false, installed: false });
    // Files Firefox would not read as a policies file: refused, named.
    await writeFile(file, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    await expect(firefox.status(a)).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining(file) as unknown });
    await remove(file);
    await mkdir(file);
    await expect(firefox.install(a)).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining("not a regular file") as unknown });
  });

  it("Firefox: a policies file without policies or Certificates takes ours beside what it has; only our own file names are ours", async () => {
    const root = await machine(["usr/lib/firefox-esr", "etc/firefox/policies"]);
    const file = join(root, "etc/firefox/policies/policies.json");
    const a = await ca("Root A");
    const ours = join(root, `etc/firefox/policies/certificates/relay-onboard-root-${a.sha256.slice(0, 16)}.pem`);
    for (const [before, after] of [
      ["{}", { policies: { Certificates: { Install: [ours] } } }],
      ['{"policies": {}}', { policies: { Certificates: { Install: [ours] } } }],
      ['{"policies": {"Certificates": {"ImportEnterpriseRoots": true}}}', { policies: { Certificates: { ImportEnterpriseRoots: true, Install: [ours] } } }],
    ] as const) {
      await writeFile(file, before);
      const firefox = byStore(await browserPolicyStores(root), "firefox-policy");
      expect(await firefox.status(a)).toMatchObject({ installed: false });
      await firefox.install(a);
      expect(JSON.parse(await readFile(file, "utf8"))).toEqual(after);
      await firefox.remove(a);
    }
    // Look-alikes are IT's: our name in another folder, another name in our folder, a name with more around it.
    const certs = join(root, "etc/firefox/policies/certificates");
    const lookalikes = [join(root, `etc/relay-onboard-root-${a.sha256.slice(0, 16)}.pem`), join(certs, "it-root.pem"), join(certs, `x-relay-onboard-root-${a.sha256.slice(0, 16)}.pem`), join(certs, `relay-onboard-root-${a.sha256.slice(0, 16)}.pem.old`)];
    await writeFile(file, JSON.stringify({ policies: { Certificates: { Install: lookalikes } } }));
    const firefox = byStore(await browserPolicyStores(root), "firefox-policy");
    await firefox.install(a);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ policies: { Certificates: { Install: [...lookalikes, ours] } } });
    expect(await firefox.find(a.sha256, "Example Org", lookalikes[0])).toMatchObject({ sha256: a.sha256 }); // a recorded handle not ours is not followed
    await firefox.remove(a, lookalikes[0]);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ policies: { Certificates: { Install: lookalikes } } });
  });

  it("the policies file in force: the system file whenever it exists, else an installation's; none without Firefox", async () => {
    const { mozillaPolicyFile } = await import("../../src/truststore/mozillaPolicy.js");
    const root = await machine(["usr/lib/firefox-esr/distribution", "etc/firefox/policies"]);
    const options = { etc: join(root, "etc"), installDirs: [join(root, "usr/lib/firefox-esr")] };
    expect(await mozillaPolicyFile("firefox", options)).toBe(join(root, "etc/firefox/policies/policies.json"));
    await writeFile(join(root, "usr/lib/firefox-esr/distribution/policies.json"), "{}");
    expect(await mozillaPolicyFile("firefox", options)).toBe(join(root, "usr/lib/firefox-esr/distribution/policies.json"));
    await writeFile(join(root, "etc/firefox/policies/policies.json"), "{}");
    expect(await mozillaPolicyFile("firefox", options)).toBe(join(root, "etc/firefox/policies/policies.json"));
    expect(await mozillaPolicyFile("firefox", { etc: join(root, "none"), installDirs: [join(root, "nowhere")] })).toBeUndefined();
  });

  it("Chromium reads what Chromium reads: only *.json files that are JSON objects with a CACertificates list; others are no conflict", async () => {
    const root = await machine(["usr/lib/chromium", "etc/chromium/policies/managed/folder.json"]);
    const managed = join(root, "etc/chromium/policies/managed");
    const a = await ca("Root A");
    const b64 = a.der.toString("base64");
    await writeFile(join(managed, "notes.txt"), JSON.stringify({ CACertificates: [b64] }));
    await writeFile(join(managed, "broken.json"), "{ CACertificates");
    await writeFile(join(managed, "list.json"), JSON.stringify([{ CACertificates: [b64] }]));
    await writeFile(join(managed, "null.json"), "null");
    await writeFile(join(managed, "string.json"), JSON.stringify({ CACertificates: b64 }));
    await writeFile(join(managed, "huge.json"), JSON.stringify({ CACertificates: [b64], pad: "x".repeat(1024 * 1024) }));
    const chromium = byStore(await browserPolicyStores(root), "chromium-policy");
    expect(await chromium.status(a)).toMatchObject({ installed: false });
    const { stat } = await import("node:fs/promises");
    expect(await chromium.install(a)).toMatchObject({ installed: true, changed: true, handle: chromium.location });
    expect((await stat(chromium.location)).mode & 0o777).toBe(0o644);
    // A non-string entry in IT's list is not a certificate; a string one is.
    await writeFile(join(managed, "mixed.json"), JSON.stringify({ CACertificates: [42, b64] }));
    expect(await chromium.trustedCopies(a.sha256)).toEqual([`${join(managed, "mixed.json")} (CACertificates)`, `${chromium.location} (CACertificates)`]);
    expect(await chromium.remove(a)).toMatchObject({ installed: true, changed: true, message: `also installed by someone else: left in place (${join(managed, "mixed.json")} (CACertificates))` });
    expect(await chromium.remove(a)).toMatchObject({ changed: false });
    expect(await chromium.find(a.sha256, "Example Org")).toBeUndefined();
  });

  it("the Chromium browsers installed: each folder once, whichever of its installations is there", async () => {
    const { chromiumPolicyDirs } = await import("../../src/truststore/chromiumPolicy.js");
    const root = await machine(["usr/lib/chromium-browser", "usr/lib64/chromium"]);
    expect(await chromiumPolicyDirs([{ dir: "/c", installed: [join(root, "usr/lib/chromium"), join(root, "usr/lib64/chromium"), join(root, "usr/lib/chromium-browser")] }, { dir: "/g", installed: [join(root, "opt/google/chrome")] }])).toEqual(["/c"]);
  });

  // Only root's writes need the check (a non-root run is held to its rights by the kernel).
  it.skipIf(process.getuid?.() !== 0)("as root, a policy folder along a link or a user's folder is refused (a user must not steer root's writes)", async () => {
    const root = await machine(["usr/lib/chromium", "etc/chromium/policies"]);
    const { chown, rm, symlink } = await import("node:fs/promises");
    await chown(join(root, "etc/chromium/policies"), 65534, 65534);
    const chromium = byStore(await browserPolicyStores(root), "chromium-policy");
    await expect(chromium.install(await ca("Root A"))).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining("belongs to another account") as unknown });
    await rm(join(root, "etc/chromium/policies"), { recursive: true });
    await mkdir(join(root, "elsewhere"));
    await symlink(join(root, "elsewhere"), join(root, "etc/chromium/policies"));
    await expect(chromium.install(await ca("Root A"))).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining("is a link") as unknown });
    expect(await readdir(join(root, "elsewhere"))).toEqual([]);
    // Firefox: a root of ours listed before a user took the folder is not taken out through it;
    // nothing to take out needs no write, so nothing is refused.
    const ff = await machine(["usr/lib/firefox-esr"]);
    const firefox = byStore(await browserPolicyStores(ff), "firefox-policy");
    const [a, b] = [await ca("Root A"), await ca("Root B")];
    await firefox.install(a);
    await chown(join(ff, "etc/firefox/policies"), 65534, 65534);
    await expect(firefox.remove(a)).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining("belongs to another account") as unknown });
    expect(await firefox.remove(b)).toMatchObject({ changed: false });
    await expect(firefox.install(b)).rejects.toMatchObject({ code: "BAD_INPUT" });
  });
});

describe("what browsers started later will trust, said in one sentence", () => {
  const store = (name: string, location: string) => ({ store: name, location }) as unknown as TrustStore;
  it("names the browsers whose policies hold the root; says nothing off Linux", async () => {
    const { laterProfilesSentence } = await import("../../src/truststore/browserPolicies.js");
    const policies = [store("linux-system", "/usr/local/share/ca-certificates"), store("firefox-policy", "/etc/firefox/policies/policies.json"), store("chromium-policy", "/etc/chromium/policies/managed/relay-onboard.json"), store("chromium-policy", "/etc/opt/chrome/policies/managed/relay-onboard.json")];
    expect(await laterProfilesSentence(policies, "linux")).toBe("browser profiles made later trust the root too: Firefox and Chromium and Google Chrome read it from their enterprise policies");
    expect(await laterProfilesSentence(policies.slice(2, 3), "linux")).toBe("browser profiles made later trust the root too: Chromium read it from their enterprise policies");
    expect(await laterProfilesSentence(policies, "win32")).toBeUndefined();
    expect(await laterProfilesSentence(policies, "darwin")).toBeUndefined();
    // Without policies the sentence depends on the browsers installed here (this machine: both, provisioned).
    const user = await laterProfilesSentence([store("nss", "/home/u/.pki/nssdb")], "linux");
    expect(user).toBe("Chromium started later trusts the root (its certificate store was made ready); a Firefox profile made later does not: start Firefox once and run this again, or ask IT to install the root for the whole computer (as root: Firefox's enterprise policy)");
  });
});
