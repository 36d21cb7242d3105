// The real browsers are the oracle of `ca install`: Firefox ESR (over Marionette) and Chromium
// (headless) load an HTTPS page whose certificate the organisation's root signed — refused
// before, loaded after, refused again after `ca remove`. Two ways people meet it:
// - a user's own run, with a Firefox profile where Firefox 153 ESR makes new ones
//   (~/.config/mozilla/firefox) and a Chromium never started (its database is made for it);
// - root's run for the whole computer, and browsers first started afterwards by a user who never
//   had a profile: the enterprise policies reach them (the system store alone does not).
// The shipped executable does the installing.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:https";
import { chown, lchown, lstat, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { removeTestRootsFromBrowserPolicies } from "../helpers/browserPolicies.js";
import { Marionette } from "../helpers/marionette.js";
import { createRootCa, issueServerCert, tempDir, TEST_CA_VALIDITY } from "../helpers/org.js";
import { realClockEnv } from "../helpers/realClock.js";
import { runShipped } from "../helpers/shipped.js";

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const browsers = has("firefox-esr") && has("chromium") && has("certutil") && process.getuid?.() === 0;

let server: Server;
let url: string;
let base: string;
let rootFile: string;
let sha256: string;
let user: { uid: number; gid: number };

beforeAll(async () => {
  if (!browsers) return;
  base = await tempDir("ro-browsers-");
  await chown(base, 0, 0);
  const { chmod } = await import("node:fs/promises");
  await chmod(base, 0o755);
  // Real-clock browsers and a test clock a year ahead both fall inside these dates.
  const root = await createRootCa("Browser Trust Test Root", TEST_CA_VALIDITY);
  const leaf = await issueServerCert(root, ["localhost", "127.0.0.1"], TEST_CA_VALIDITY);
  rootFile = join(base, "root.pem");
  await writeFile(rootFile, root.certPem, { mode: 0o644 });
  sha256 = sha256Hex(singleCertificateDer(root.certPem));
  server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_req, res) => res.end("<html><head><title>intranet</title></head><body>org-signed page</body></html>"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://localhost:${(server.address() as { port: number }).port}/`;
  if (spawnSync("id", ["-u", "ro-browser"]).status !== 0) execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "ro-browser"]);
  const id = (flag: string) => Number(execFileSync("id", [flag, "ro-browser"], { encoding: "utf8" }).trim());
  user = { uid: id("-u"), gid: id("-g") };
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (!browsers) return;
  // Whatever happened, nothing of the test's root stays on the machine — cleaned with plain file
  // edits and the platform's own tool, never the code under test.
  await removeTestRootsFromBrowserPolicies([sha256]);
  await rm(`/usr/local/share/ca-certificates/relay-onboard-${sha256.slice(0, 16)}.crt`, { force: true });
  execFileSync("/usr/sbin/update-ca-certificates", ["--fresh"], { stdio: "ignore" });
}, 120_000);

/** A home of the test user's own (empty: no browser ever started in it). */
async function freshHome(name: string, who: { uid: number; gid: number } | undefined): Promise<string> {
  const home = join(base, name);
  await mkdir(home, { recursive: true });
  if (who) await chown(home, who.uid, who.gid);
  return home;
}

const as = (who: { uid: number; gid: number } | undefined) => (who ? { uid: who.uid, gid: who.gid } : {});

/** Chromium, headless, as `who` with this home: "loaded", or the network error it gave. */
async function chromiumLoads(home: string, who: { uid: number; gid: number } | undefined): Promise<string> {
  const profile = join(home, `chromium-${Math.random().toString(16).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn("chromium", ["--headless", "--no-sandbox", "--disable-gpu", `--user-data-dir=${profile}`, "--dump-dom", url], { env: { ...realClockEnv(), HOME: home }, stdio: ["ignore", "pipe", "pipe"], ...as(who) });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(out.includes("org-signed page") ? "loaded" : (/net::(ERR_[A-Z_]+)/.exec(err)?.[1] ?? `no page: ${err.slice(-300)}`));
    });
  });
}

/** Firefox ESR over Marionette on `profile`, as `who` with this home: "loaded" or "insecure certificate". */
async function firefoxLoads(home: string, profile: string, who: { uid: number; gid: number } | undefined): Promise<string> {
  await mkdir(profile, { recursive: true });
  if (who) await chownTree(profile, who);
  const m = await Marionette.start(profile, "firefox-esr", { online: true, env: { HOME: home }, ...as(who) });
  try {
    return await m.load(url);
  } finally {
    await m.quit();
  }
}

async function chownTree(path: string, who: { uid: number; gid: number }): Promise<void> {
  await lchown(path, who.uid, who.gid);
  if ((await lstat(path)).isDirectory()) for (const n of await readdir(path)) await chownTree(join(path, n), who);
}

const ca = (action: "install" | "remove", store: string, extra: { home?: string; who?: { uid: number; gid: number } } = {}) =>
  runShipped(["ca", action, "--cert", rootFile, "--sha256", sha256, "--store", store, "--yes", "--json", "--state-dir", join(extra.home ?? base, "state")], {
    ...(extra.home ? { env: { HOME: extra.home } } : {}), ...as(extra.who), timeoutMs: 120_000,
  });

describe.skipIf(!browsers)("real browsers trust the organisation's root after `ca install`", () => {
  it("a user's own run: Firefox's profile in ~/.config/mozilla/firefox and a Chromium never started trust it; `ca remove` takes it back", { timeout: 300_000 }, async () => {
    const home = await freshHome("user-home", user);
    // Firefox 153 ESR makes its first profile in the XDG folder.
    const first = spawnSync("firefox-esr", ["--headless", "--screenshot", join(home, "first.png"), "about:blank"], { env: { ...realClockEnv(), HOME: home }, ...as(user), timeout: 90_000 });
    expect(first.status, String(first.stderr)).toBe(0);
    const profiles = join(home, ".config/mozilla/firefox");
    const profile = join(profiles, (await readdir(profiles)).find((n) => n.endsWith(".default-esr"))!);
    expect(await readdir(profile)).toContain("cert9.db");
    await expect(readdir(join(home, ".mozilla"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await firefoxLoads(home, profile, user)).toBe("insecure certificate");
    // Chromium was never started here: it has no database yet (the one it will read is made for it).
    await expect(readdir(join(home, ".local/share/pki"))).rejects.toMatchObject({ code: "ENOENT" });

    const installed = await ca("install", "user", { home, who: user });
    expect(installed.status, installed.stdout + installed.stderr).toBe(0);
    const report = JSON.parse(installed.stdout) as { stores: Array<{ store: string; location: string; installed: boolean }>; laterProfiles?: string };
    expect(report.stores).toEqual(expect.arrayContaining([
      expect.objectContaining({ store: "nss", location: profile, installed: true }),
      expect.objectContaining({ store: "nss", location: join(home, ".local/share/pki/nssdb"), installed: true }),
    ]));
    // Said plainly: Chromium later yes; a Firefox profile made later no (no policy without root).
    expect(report.laterProfiles).toMatch(/^Chromium started later trusts the root .*; a Firefox profile made later does not: start Firefox once and run this again/);
    expect(await firefoxLoads(home, profile, user)).toBe("loaded");
    expect(await chromiumLoads(home, user)).toBe("loaded");

    const removed = await ca("remove", "user", { home, who: user });
    expect(removed.status, removed.stdout + removed.stderr).toBe(0);
    expect(await firefoxLoads(home, profile, user)).toBe("insecure certificate");
    expect(await chromiumLoads(home, user)).toBe("ERR_CERT_AUTHORITY_INVALID");
  });

  it("root for the whole computer: browsers first started afterwards, by a user with no profile yet, trust it through their policies; `ca remove` takes it back", { timeout: 300_000 }, async () => {
    const policyFiles = async () => {
      const firefox = await readFile("/etc/firefox/policies/policies.json", "utf8").catch(() => "");
      const chromium = await readFile("/etc/chromium/policies/managed/relay-onboard.json", "utf8").catch(() => "");
      return { firefox: firefox.includes(`relay-onboard-root-${sha256.slice(0, 16)}.pem`), chromium: chromium.includes(singleCertificateDer(await readFile(rootFile, "utf8")).toString("base64")) };
    };
    expect(await policyFiles()).toEqual({ firefox: false, chromium: false });
    const installed = await ca("install", "system");
    expect(installed.status, installed.stdout + installed.stderr).toBe(0);
    const report = JSON.parse(installed.stdout) as { stores: Array<{ store: string; installed: boolean }>; laterProfiles?: string };
    expect(report.stores.map((s) => [s.store, s.installed])).toEqual([["linux-system", true], ["firefox-policy", true], ["chromium-policy", true]]);
    expect(report.laterProfiles).toBe("browser profiles made later trust the root too: Firefox and Chromium read it from their enterprise policies");
    expect(await policyFiles()).toEqual({ firefox: true, chromium: true });
    // Readable by every user's browser.
    expect((await lstat("/etc/firefox/policies/policies.json")).mode & 0o777).toBe(0o644);
    expect((await lstat("/etc/chromium/policies/managed/relay-onboard.json")).mode & 0o777).toBe(0o644);

    const home = await freshHome("later-home", user);
    expect(await firefoxLoads(home, join(home, "ff-new"), user)).toBe("loaded");
    expect(await chromiumLoads(home, user)).toBe("loaded");

    const removed = await ca("remove", "system");
    expect(removed.status, removed.stdout + removed.stderr).toBe(0);
    expect(await policyFiles()).toEqual({ firefox: false, chromium: false });
    const again = await freshHome("later-home-2", user);
    expect(await firefoxLoads(again, join(again, "ff-new"), user)).toBe("insecure certificate");
    expect(await chromiumLoads(again, user)).toBe("ERR_CERT_AUTHORITY_INVALID");
  });
});
