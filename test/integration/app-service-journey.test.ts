// The app service's promises to the window, without a browser: the journey it keeps (and what it
// never keeps), the truthful summary, the reference, cancel, the ports it will test, and the
// Electron-like boundary itself (a thrown error arrives as Electron's message string, nothing more).
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { blackholePort } from "../helpers/blackhole.js";
import { AppService } from "../../src/app/service.js";
import { JOURNEY_FILE } from "../../src/app/journey.js";
import type { Policy } from "../../src/policy/policy.js";
import type { Keychain } from "../../src/secrets/keychain.js";
import { parseTrustedKeys } from "../../src/config/trustedKeys.js";
import { electronBoundary } from "../helpers/electronBoundary.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";

const services: AppService[] = [];
const children: Array<{ kill: () => unknown }> = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
  for (const c of children.splice(0)) c.kill();
});

async function policyFor(port: number, extra: Partial<Policy> = {}): Promise<Policy> {
  const dir = await tempDir("ro-journey-org-");
  const key = await makeKey();
  const payload = await unsignedPayload();
  payload.config.submission = { ...payload.config.submission, host: "127.0.0.1", port };
  await writeFile(join(dir, "c.jws"), await signed(key, { payload, now: new Date() }));
  return { source: "test", configUrl: join(dir, "c.jws"), trustedKeys: await parseTrustedKeys(jwksText([key])), allowDemo: false, ...extra };
}

async function service(options: { policy?: Policy; dir?: string; keychain?: Keychain } = {}) {
  const dir = options.dir ?? (await tempDir("ro-journey-"));
  const s = new AppService({
    version: "test", stateDir: join(dir, "state"), policy: () => Promise.resolve(options.policy), stores: () => Promise.resolve([]),
    thunderbirdRoots: [join(dir, "tb")], bundledOrgFile: join(dir, "none.json"), testTimeoutMs: 30_000, ...(options.keychain ? { keychain: options.keychain } : {}),
  });
  services.push(s);
  return { s, dir };
}

function blackhole(): Promise<number> {
  const { child, port } = blackholePort();
  children.push(child);
  return port;
}

describe("the app's journey and summary", () => {
  it("remembers email, results and reference in a private file, never the password; a damaged file starts afresh", async () => {
    const saved = new Map<string, string>();
    const keychain: Keychain = { save: (a, p) => Promise.resolve(void saved.set(a, p)), load: (a) => Promise.resolve(saved.get(a)), remove: () => Promise.resolve(true) };
    const { s, dir } = await service({ keychain });
    await s.state();
    await s.useDemo();
    const login = s.demoUser()!;
    const outcome = await s.test({ email: login.email, password: login.password, remember: true });
    expect(outcome.report).toMatchObject({ verdict: "pass", reference: s.reference, account: { email: login.email, login: login.email }, os: { platform: process.platform } });
    const reportId = outcome.report!.reportId!;
    expect(reportId).toMatch(/^\d{8}T\d{6}Z-[0-9A-HJKMNP-TV-Z]{4}$/);
    const file = join(dir, "state", JOURNEY_FILE);
    const text = await readFile(file, "utf8");
    expect(JSON.parse(text)).toMatchObject({ email: login.email, reference: s.reference, test: { verdict: "pass", code: "OK", reference: s.reference } });
    for (const form of [login.password, Buffer.from(login.password).toString("base64")]) expect(text).not.toContain(form);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The report saved under this reference, and the support summary naming it, hold no secret either.
    const reports = await readdir(join(dir, "state", "reports"));
    expect(reports.sort()).toEqual([`relay-onboard-${s.reference}-${reportId}.html`, `relay-onboard-${s.reference}-${reportId}.json`]);
    const summary = await s.supportSummary();
    expect(summary.reportPath).toBe(join(dir, "state", "reports", `relay-onboard-${s.reference}-${reportId}.json`));
    for (const f of reports) expect(await readFile(join(dir, "state", "reports", f), "utf8")).not.toContain(login.password);
    expect(summary.text).not.toContain(login.password);

    // A new run reads it back under the same reference (one per installation and user), and a new
    // check is a report of its own beside the first; a damaged journey is a fresh start, not a crash.
    const { s: again } = await service({ dir });
    expect((await again.state()).journey).toMatchObject({ email: login.email, test: { verdict: "pass" } });
    expect(again.reference).toBe(s.reference);
    await again.useDemo();
    const second = await again.test({ email: again.demoUser()!.email, password: again.demoUser()!.password, remember: false });
    expect(second.report!.reportId).not.toBe(reportId);
    expect((await readdir(join(dir, "state", "reports"))).filter((f) => f.endsWith(".json"))).toHaveLength(2);
    await writeFile(file, '{"startedAt": "yesterday", "email": "x@y.z\\r\\nRCPT TO:<a@b>"}');
    const { s: third } = await service({ dir });
    expect((await third.state()).journey).toEqual({ startedAt: expect.any(String) as unknown, updatedAt: expect.any(String) as unknown });
  });

  it("says “All set” only when every required step is done, and each missing one by name", async () => {
    const { s } = await service();
    await s.state();
    await s.useDemo();
    let summary = await s.summary();
    expect(summary.allSet).toBe(false);
    expect(summary.items.map((i) => `${i.id}:${i.status}`)).toEqual(["organisation:done", "trust:todo", "test:todo", "clients:manual"]);
    // Skipping the root is refused without policy: the summary stays honest.
    await expect(s.skipCa()).rejects.toMatchObject({ code: "USAGE" });
    const login = s.demoUser()!;
    await s.test({ email: login.email, password: "wrong", remember: false });
    summary = await s.summary();
    expect(summary.items.find((i) => i.id === "test")).toMatchObject({ status: "failed", code: "AUTH_FAILED" });
    expect(summary.allSet).toBe(false);
    expect((await s.state()).journey.finishedAt).toBeUndefined();
  });

  it("with caStore none, the certificate is IT's: done, and “All set” once the test passed and an app is set up", async () => {
    const relay = await import("../helpers/fakeSmtp.js").then(async ({ fakeSmtp }) => fakeSmtp({}, await import("../helpers/org.js").then(async (o) => o.issueServerCert(await o.testCa(), ["127.0.0.1"]))));
    try {
      const { s } = await service({ policy: await policyFor(relay.port, { caStore: "none", allowSkipCa: false }) });
      await s.state();
      expect((await s.caDetails()).managedByIt).toBe(true);
      expect((await s.test({ email: "user@internal.test", password: "correct horse", remember: false })).report?.verdict).toBe("pass");
      // No client was set up: not "All set" — the user must still enter the settings.
      expect((await s.summary()).allSet).toBe(false);
      (s as unknown as { journey: { clients: unknown[] } }).journey.clients = [{ client: "thunderbird", status: "done", message: "set up" }];
      const summary = await s.summary();
      expect(summary.items.find((i) => i.id === "trust")).toEqual({ id: "trust", status: "done", reason: "managed" });
      expect(summary.allSet).toBe(true);
      expect((await s.state()).journey.finishedAt).toEqual(expect.any(String));
    } finally {
      await relay.close();
    }
  });
});

describe("the relay test from the window", () => {
  it("cancel ends a test stuck on a blocked port at once; nothing is saved", async () => {
    const port = await blackhole();
    const { s, dir } = await service({ policy: await policyFor(port) });
    await s.state();
    const running = s.test({ email: "user@internal.test", password: "x", remember: false });
    await new Promise((r) => setTimeout(r, 300));
    // One test at a time: a second one is refused with its code while the first runs.
    await expect(s.test({ email: "user@internal.test", password: "x", remember: false })).rejects.toMatchObject({ code: "ALREADY_RUNNING" });
    expect(await s.cancel()).toBe(true);
    await expect(running).resolves.toEqual({ cancelled: true });
    expect(await s.cancel()).toBe(false);
    expect(await readdir(join(dir, "state")).catch(() => [])).not.toContain("reports");
    expect((await s.state()).journey.test).toBeUndefined();
  });

  it("tests only the configured port or the standard other one — never a port the window makes up", async () => {
    const { s } = await service({ policy: await policyFor(2525) });
    await s.state();
    for (const port of [25, 2526, 8080]) {
      await expect(s.test({ email: "user@internal.test", password: "x", remember: false, port })).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining(`port ${port}`) as unknown });
    }
  });
});

describe("the Electron-like boundary of the tests", () => {
  it("passes a Result through the structured clone, and reduces a thrown error to Electron's message string", async () => {
    const { s } = await service();
    const app = "http://127.0.0.1:1/index.html";
    const deps = { openExternal: () => Promise.resolve(), openPath: () => Promise.resolve(undefined), showInFolder: () => undefined, chooseSavePath: () => Promise.resolve(undefined), sendProgress: () => undefined };
    const boundary = electronBoundary(s, deps, app);
    expect(await boundary.invoke("app:state", undefined, app)).toMatchObject({ value: { ok: true, value: { demoOffered: true, reference: s.reference } } });
    expect(await boundary.invoke("ca:details", undefined, app)).toMatchObject({ value: { ok: false, problem: { code: "CONFIG_FETCH_FAILED" } } });
    // The one thing that still throws — a foreign sender — arrives as a string without its name's properties.
    expect(await boundary.invoke("app:state", undefined, "https://evil.example/")).toEqual({ thrown: "Error invoking remote method 'app:state': IpcRefused: IPC from an unexpected sender refused (app:state)" });
    expect(await boundary.invoke("no:such", undefined, app)).toEqual({ thrown: "Error invoking remote method 'no:such': Error: No handler registered for 'no:such'" });
  });

  it("the mail apps' plan says which Thunderbird account setting up adds — beside the user's own, named — and writes nothing", async () => {
    const { s, dir } = await service({ policy: await policyFor(587) });
    const profile = join(dir, "tb", "p.default");
    await mkdir(profile, { recursive: true });
    await writeFile(join(dir, "tb", "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\nDefault=1\n");
    const mine = [
      ["mail.accountmanager.accounts", "account1"], ["mail.account.account1.server", "server1"], ["mail.account.account1.identities", "id1"],
      ["mail.server.server1.type", "pop3"], ["mail.server.server1.hostname", "pop.old.test"], ["mail.server.server1.userName", "user"], ["mail.server.server1.name", "My old mail"],
      ["mail.identity.id1.useremail", "User@Internal.test"],
    ].map(([n, v]) => `user_pref("${n}", "${v}");\n`).join("");
    await writeFile(join(profile, "prefs.js"), mine);
    await s.state();
    const app = "http://127.0.0.1:1/index.html";
    const deps = { openExternal: () => Promise.resolve(), openPath: () => Promise.resolve(undefined), showInFolder: () => undefined, chooseSavePath: () => Promise.resolve(undefined), sendProgress: () => undefined };
    const boundary = electronBoundary(s, deps, app);
    const listed = (await boundary.invoke("clients:list", { email: "user@internal.test" }, app)) as { value: { ok: true; value: Array<{ client: string; account?: unknown }> } };
    const incoming = (await unsignedPayload()).config.incoming!;
    expect(listed.value.value.find((c) => c.client === "thunderbird")?.account).toEqual({ action: "added", protocol: incoming.protocol, host: incoming.host, beside: [{ name: "My old mail", protocol: "pop3", host: "pop.old.test" }] });
    expect(await readFile(join(profile, "prefs.js"), "utf8")).toBe(mine); // a plan changes nothing
    // Without the address, the list is as before; a malformed one is refused at the boundary.
    expect(((await boundary.invoke("clients:list", undefined, app)) as { value: { value: Array<{ account?: unknown }> } }).value.value.every((c) => c.account === undefined)).toBe(true);
    expect(await boundary.invoke("clients:list", { email: "not an address" }, app)).toMatchObject({ value: { ok: false, problem: { code: "BAD_INPUT" } } });
  });

  it("opens Apple Mail's profile only when this run wrote one that still exists", async () => {
    const { s, dir } = await service();
    const app = "http://127.0.0.1:1/index.html";
    const opened: string[] = [];
    const deps = { openExternal: () => Promise.resolve(), openPath: (p: string) => Promise.resolve(void opened.push(p)), showInFolder: () => undefined, chooseSavePath: () => Promise.resolve(undefined), sendProgress: () => undefined };
    const boundary = electronBoundary(s, deps, app);
    expect(await boundary.invoke("clients:open-profile", undefined, app)).toEqual({ value: { ok: true, value: false } });
    const profile = join(dir, "relay-onboard.mobileconfig");
    await writeFile(profile, "<plist/>");
    (s as unknown as { appleProfile: string }).appleProfile = profile;
    expect(await boundary.invoke("clients:open-profile", undefined, app)).toEqual({ value: { ok: true, value: true } });
    await rm(profile);
    expect(await boundary.invoke("clients:open-profile", undefined, app)).toEqual({ value: { ok: true, value: false } });
    expect(opened).toEqual([profile]);
  });
});
