// `relay-onboard support serve` as IT runs it — the shipped executable, over real TLS — against
// hostile clients: a valid report is stored once, by reference; oversized (declared or streamed),
// malformed, mistyped, path-escaping and flooding requests are refused and store nothing; a slow
// client is cut off without holding up others. The helpdesk page sits behind Basic auth (scrypt
// users from `support add-user`), renders a hostile report as inert text, and a real browser
// (Chromium) finds the report by the reference as a person types it. `support show` prints the same.
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import { connect } from "node:tls";
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, stat, utimes, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootCa, issueServerCert } from "../../src/certs/generate.js";
import type { UnsignedPayload } from "../../src/config/schema.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { axeViolations, launchChromium } from "../helpers/appHarness.js";
import { jwksText, makeKey, signed, tempDir, TEST_CA_VALIDITY, testCa, unsignedPayload } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";
import { runShipped, SEA } from "../helpers/shipped.js";
import { AppService } from "../../src/app/service.js";
import { loadConfig } from "../../src/config/load.js";
import type { Policy } from "../../src/policy/policy.js";

const REF = "RO-7K2Q-0A1B";
const PASSWORD = "correct horse battery staple";
let dir: string;
let store: string;
let port: number;
let server: ChildProcess;

function submission(overrides: Record<string, unknown> = {}, reportId = "20261207T101500Z-AB12"): Record<string, unknown> {
  return {
    reference: REF, reportId, sentAt: "2026-12-07T10:15:02+01:00",
    tool: { name: "relay-onboard", version: "0.1.0" }, os: { platform: "linux", type: "Linux", release: "6.1.0", arch: "x64" },
    report: {
      tool: { name: "relay-onboard", version: "0.1.0" }, reference: REF, reportId, account: { email: "alice@example.org", login: "alice" },
      startedAt: "2026-12-07T10:15:00+01:00", finishedAt: "2026-12-07T10:15:01+01:00",
      target: { host: "relay.example.org", port: 587, security: "starttls" }, verdict: "fail", code: "AUTH_FAILED",
      checks: [{ id: "auth", title: "Login", status: "fail", code: "AUTH_FAILED", message: "the server said <script>alert('x')</script> 535", startMs: 10, durationMs: 5 }],
      transcript: [{ t: 0, dir: "server", text: "220 <img src=x onerror=alert(1)> ready" }, { t: 3, dir: "client", text: "AUTH PLAIN ****" }],
    },
    ...overrides,
  };
}

interface Answer { status: number; body: string; headers: Record<string, string | string[] | undefined> }

/** One HTTPS request from a loopback address of the test's choosing (each test floods only itself). */
function call(method: string, path: string, options: { body?: string | Buffer; type?: string; from?: string; auth?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, method, path, rejectUnauthorized: false, localAddress: options.from ?? "127.0.0.1", agent: false,
      headers: { ...(options.type ? { "Content-Type": options.type } : {}), ...(options.auth ? { Authorization: `Basic ${Buffer.from(options.auth).toString("base64")}` } : {}), ...options.headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (t: string) => (body += t)).on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
const post = (body: unknown, from?: string) => call("POST", "/relay-onboard/reports", { body: JSON.stringify(body), type: "application/json", ...(from ? { from } : {}) });
const stored = async () => (await readdir(store, { recursive: true })).filter((f) => f.endsWith(".json")).sort();

beforeAll(async () => {
  dir = await tempDir("ro-receiver-");
  store = join(dir, "store");
  // The receiver's certificate comes from the organisation's root (the one its signed configuration pins).
  const leaf = await issueServerCert(await testCa(), ["localhost", "127.0.0.1"], TEST_CA_VALIDITY);
  await writeFile(join(dir, "cert.pem"), leaf.certPem);
  await writeFile(join(dir, "key.pem"), leaf.keyPem);
  const added = await runShipped(["support", "add-user", "agent1", "--users", join(dir, "users"), "--password-env", "AGENT_PASSWORD"], { env: { AGENT_PASSWORD: PASSWORD } });
  expect(added.status, added.stderr).toBe(0);
  expect(await readFile(join(dir, "users"), "utf8")).toMatch(/^agent1:scrypt:131072:8:1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+\n$/);
  expect(await readFile(join(dir, "users"), "utf8")).not.toContain(PASSWORD);
  // A report older than the retention period, already in the store: pruned when the receiver starts.
  await mkdir(join(store, "RO-0000-0000"), { recursive: true });
  await writeFile(join(store, "RO-0000-0000", "20250101T000000Z-0000.json"), "{}");
  const old = new Date(Date.now() - 3 * 86_400_000);
  await utimes(join(store, "RO-0000-0000", "20250101T000000Z-0000.json"), old, old);
  server = spawn(SEA, ["support", "serve", "--listen", "127.0.0.1:0", "--tls-cert", join(dir, "cert.pem"), "--tls-key", join(dir, "key.pem"), "--store", store, "--helpdesk-users", join(dir, "users"), "--keep-days", "2"], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: dir, ...testClockEnv() }, stdio: ["ignore", "pipe", "pipe"],
  });
  port = await new Promise<number>((resolve, reject) => {
    let out = "";
    server.stdout!.setEncoding("utf8").on("data", (t: string) => {
      out += t;
      const m = /Receiving reports at https:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    server.once("exit", (code) => reject(new Error(`support serve exited ${code}: ${out}`)));
  });
}, 120_000);
afterAll(() => void server?.kill());

describe("support serve: the report POST", () => {
  it("stores a valid report once, by reference, privately; the same report again changes nothing", async () => {
    expect(await stored()).toEqual([]); // the expired one was pruned at start
    const first = await post(submission(), "127.0.0.2");
    expect(first.status, first.body).toBe(201);
    expect(JSON.parse(first.body)).toEqual({ reference: REF, reportId: "20261207T101500Z-AB12", received: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown });
    expect(first.headers["x-content-type-options"]).toBe("nosniff");
    const file = join(store, REF, "20261207T101500Z-AB12.json");
    const kept = await readFile(file, "utf8");
    expect(JSON.parse(kept)).toMatchObject({ reference: REF, report: { code: "AUTH_FAILED" }, received: expect.any(String) as unknown });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await post(submission(), "127.0.0.2");
    expect(again.status).toBe(200);
    expect(await readFile(file, "utf8")).toBe(kept);
  });

  it("refuses what is not a report, and stores nothing: wrong type, not JSON, wrong shape, a reference that is a path, too big", async () => {
    const before = await stored();
    const from = "127.0.0.3";
    expect((await call("POST", "/", { body: JSON.stringify(submission()), type: "text/plain", from })).status).toBe(415);
    expect((await call("POST", "/", { body: "{not json", type: "application/json", from })).status).toBe(400);
    for (const bad of [{ reference: "../../etc" }, { reference: "RO-0000-000U" }, { reportId: "../x" }, { report: { verdict: "fail" } }, { sentAt: "yesterday" }]) {
      const r = await post(submission(bad), from);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(JSON.parse(r.body).error).toMatch(/^not a Relay Onboard report: /);
    }
    const huge = JSON.stringify(submission({ padding: "x".repeat(300 * 1024) }));
    expect((await call("POST", "/", { body: huge, type: "application/json", from })).status).toBe(413);
    // Declared small, streamed big (chunked): cut off at the cap.
    expect((await call("POST", "/", { body: Buffer.from(huge), type: "application/json", from: "127.0.0.4", headers: { "Transfer-Encoding": "chunked" } })).status).toBe(413);
    expect((await call("GET", "/", { from: "127.0.0.4" })).status).toBe(405);
    expect((await call("DELETE", `/helpdesk/${REF}`, { from: "127.0.0.4" })).status).toBe(405);
    expect(await stored()).toEqual(before);
  });

  it("a flooding address gets 429 after 20 requests a minute; another address is still served", async () => {
    const answers = [];
    for (let i = 0; i < 25; i++) answers.push((await post(submission({}, `20261207T1016${String(i).padStart(2, "0")}Z-FX00`), "127.0.0.5")).status);
    expect(answers.filter((s) => s === 201)).toHaveLength(20);
    expect(answers.slice(20)).toEqual([429, 429, 429, 429, 429]);
    expect((await post(submission({}, "20261207T101700Z-0K00"), "127.0.0.6")).status).toBe(201);
  });

  it("a client that trickles its headers is cut off, and holds up nobody meanwhile", { timeout: 40_000 }, async () => {
    const slow = connect({ socket: netConnect({ host: "127.0.0.1", port, localAddress: "127.0.0.7" }), rejectUnauthorized: false });
    await new Promise((r) => slow.once("secureConnect", r));
    slow.write("POST / HTTP/1.1\r\nHost: x\r\n");
    let answer = "";
    slow.setEncoding("utf8").on("data", (t: string) => (answer += t)); // read, so the server's close is seen
    const closed = new Promise<number>((r) => { const t = Date.now(); slow.once("close", () => r(Date.now() - t)); });
    expect((await post(submission({}, "20261207T101800Z-SW00"), "127.0.0.8")).status).toBe(201);
    expect(await closed).toBeLessThan(30_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe("support serve: the helpdesk page", () => {
  it("asks for a helpdesk sign-in, refuses a wrong password, and shows the reference's reports newest first, inert", async () => {
    const from = "127.0.0.9";
    const none = await call("GET", `/helpdesk/${REF}`, { from });
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic realm="Relay Onboard helpdesk"/);
    expect((await call("GET", `/helpdesk/${REF}`, { from, auth: "agent1:wrong password!" })).status).toBe(401);
    expect((await call("GET", `/helpdesk/${REF}`, { from, auth: "nobody:whatever" })).status).toBe(401);
    const page = await call("GET", `/helpdesk/${REF}`, { from, auth: `agent1:${PASSWORD}` });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.body).not.toMatch(/<script|<img/i);
    expect(page.body).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    const ids = [...page.body.matchAll(/Report (\d{8}T\d{6}Z-[0-9A-Z]{4})/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(2);
    expect(ids).toEqual([...ids].sort().reverse());
    // As a person types it: lower case, O for 0 — redirected to the one spelling.
    const typed = await call("GET", "/helpdesk?reference=ro-7k2q-oa1b", { from, auth: `agent1:${PASSWORD}` });
    expect([typed.status, typed.headers.location]).toEqual([303, `/helpdesk/${REF}`]);
    expect((await call("GET", "/helpdesk/not-a-reference", { from, auth: `agent1:${PASSWORD}` })).status).toBe(404);
  });

  it("a real browser signs in, finds the report by the reference typed into the form, and the page is axe-clean", { timeout: 90_000 }, async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, httpCredentials: { username: "agent1", password: PASSWORD } });
      const page = await context.newPage();
      await page.goto(`https://127.0.0.1:${port}/helpdesk`);
      await page.getByLabel("Reference the user reads out (RO-…)").fill("ro 7k2q oa1b");
      await page.getByRole("button", { name: "Show reports" }).click();
      await page.getByRole("heading", { name: `Reports for ${REF}` }).waitFor();
      expect(page.url()).toBe(`https://127.0.0.1:${port}/helpdesk/${REF}`);
      await expect(page.getByText("AUTH_FAILED").first().isVisible()).resolves.toBe(true);
      await expect(page.locator("script, img").count()).resolves.toBe(0);
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe("support show", () => {
  it("prints the reference's reports from the store; none is exit 1; a non-reference is a usage error", async () => {
    const text = await runShipped(["support", "show", "ro-7k2q-0a1b", "--store", store]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${REF} report 20261207T101500Z-AB12: FAIL AUTH_FAILED`);
    expect(text.stdout).toContain("account alice@example.org (login alice)");
    const json = await runShipped(["support", "show", REF, "--store", store, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, reference: REF });
    expect((await runShipped(["support", "show", "RO-ZZZZ-ZZZZ", "--store", store])).status).toBe(1);
    expect((await runShipped(["support", "show", "../etc", "--store", store])).status).toBe(2);
  });
});

describe("report send: the user's side of the loop", () => {
  async function orgFiles(change: (p: UnsignedPayload) => void): Promise<string[]> {
    const key = await makeKey();
    const payload = await unsignedPayload();
    change(payload);
    const at = await tempDir("ro-report-send-org-");
    await writeFile(join(at, "config.jws"), await signed(key, { payload, now: new Date() }));
    await writeFile(join(at, "trust.json"), jwksText([key]));
    return ["--config", join(at, "config.jws"), "--trust", join(at, "trust.json")];
  }
  const reportUrl = () => `https://127.0.0.1:${port}/relay-onboard/reports`;

  it("sends the app's last saved report under the installation's reference; the helpdesk finds it by that reference", async () => {
    const org = await orgFiles((p) => (p.config.organization.support = { ...p.config.organization.support, reportUrl: reportUrl() }));
    const state = join(await tempDir("ro-report-send-"), "state");
    await mkdir(join(state, "reports"), { recursive: true });
    const saved = (submission().report as Record<string, unknown>);
    await writeFile(join(state, "reports", "relay-onboard-RO-0000-0000-20261207T090000Z-0000.json"), JSON.stringify({ ...saved, reportId: "20261207T090000Z-0000", code: "OLDER" }));
    await writeFile(join(state, "reports", "relay-onboard-RO-0000-0000-20261207T100000Z-NEW0.json"), JSON.stringify({ ...saved, reportId: "20261207T100000Z-NEW0" }));
    const sent = await runShipped(["report", "send", ...org, "--state-dir", state, "--json"]);
    expect(sent.status, sent.stdout + sent.stderr).toBe(0);
    const receipt = JSON.parse(sent.stdout) as { reference: string; reportId: string; received: string };
    const reference = (JSON.parse(await readFile(join(state, "reference.json"), "utf8")) as { reference: string }).reference;
    expect(receipt).toMatchObject({ ok: true, reference, reportId: "20261207T100000Z-NEW0" });
    const kept = JSON.parse(await readFile(join(store, reference, "20261207T100000Z-NEW0.json"), "utf8")) as { report: { code: string; reference: string } };
    expect(kept.report).toMatchObject({ code: "AUTH_FAILED", reference });
    const page = await call("GET", `/helpdesk/${reference}`, { from: "127.0.0.10", auth: `agent1:${PASSWORD}` });
    expect(page.body).toContain("Report 20261207T100000Z-NEW0");
    // A second send of the same report is the same receipt, stored once.
    expect((await runShipped(["report", "send", ...org, "--state-dir", state, "--json"])).status).toBe(0);
    expect((await readdir(join(store, reference))).length).toBe(1);
  });

  it("check --send-report: a real diagnosis (here, a relay that refuses connections) reaches the helpdesk, schema and all", { timeout: 60_000 }, async () => {
    const org = await orgFiles((p) => {
      p.config.organization.support = { reportUrl: reportUrl() };
      p.config.submission = { ...p.config.submission, host: "127.0.0.1", port: 1 };
    });
    const state = join(await tempDir("ro-check-send-"), "state");
    const ran = await runShipped(["check", ...org, "--state-dir", state, "--no-login", "--ports", "none", "--timeout-ms", "5000", "--send-report", "--json"]);
    expect(ran.status, ran.stdout + ran.stderr).toBe(1); // the relay failed; the report went through
    const out = JSON.parse(ran.stdout) as { reference: string; reportId: string; verdict: string; code: string; os: { platform: string }; sent: { ok: boolean; reportId: string } };
    expect(out).toMatchObject({ verdict: "fail", code: "CONNECT_REFUSED", os: { platform: "linux" }, sent: { ok: true, reportId: out.reportId } });
    const kept = JSON.parse(await readFile(join(store, out.reference, `${out.reportId}.json`), "utf8")) as { report: { code: string; checks: unknown[] } };
    expect(kept.report.code).toBe("CONNECT_REFUSED");
    expect(kept.report.checks.length).toBeGreaterThan(1);
  });

  it("onboard --send-report (MDM): the relay test's report reaches the helpdesk under the installation's reference; a send that fails is a failed step, exit 4", { timeout: 60_000 }, async () => {
    const home = await tempDir("ro-onboard-send-home-");
    const state = join(home, "state");
    const onboard = async (url: string, extra: string[] = []) => {
      const org = await orgFiles((p) => {
        p.config.organization.support = { reportUrl: url };
        p.config.submission = { ...p.config.submission, host: "127.0.0.1", port: 1 };
      });
      return runShipped(["onboard", ...org, "--email", "alice@internal.test", "--password-env", "RELAY_PASSWORD", "--ca-store", "none", "--clients", "", "--state-dir", state, "--log-dir", join(home, "logs"), "--yes", "--send-report", "--json", ...extra], { env: { RELAY_PASSWORD: "s3cret-Pass", HOME: home } });
    };
    const ran = await onboard(reportUrl());
    expect(ran.status, ran.stdout + ran.stderr).toBe(1); // the relay refused; the report still went to the helpdesk
    const out = JSON.parse(ran.stdout) as { steps: Array<{ id: string; status: string; message: string; code?: string }> };
    const step = out.steps.find((s) => s.id === "report")!;
    expect(step.status).toBe("done");
    const reference = (JSON.parse(await readFile(join(state, "reference.json"), "utf8")) as { reference: string }).reference;
    const [reportId] = new RegExp(`reference ${reference}, report (\\S+)$`).exec(step.message)!.slice(1);
    const kept = await readFile(join(store, reference, `${reportId}.json`), "utf8");
    expect(JSON.parse(kept)).toMatchObject({ report: { code: "CONNECT_REFUSED", account: { email: "alice@internal.test", login: "alice@internal.test" } } });
    expect(kept).not.toContain("s3cret-Pass");
    // The helpdesk unreachable: the step fails with its code, the run is exit 4.
    const failed = await onboard("https://127.0.0.1:1/reports");
    expect(failed.status).toBe(4);
    expect((JSON.parse(failed.stdout) as typeof out).steps.find((s) => s.id === "report")).toMatchObject({ status: "failed", code: "REPORT_SEND_FAILED" });
    // No password source: no test, so no report to send — refused before anything changes.
    const org = await orgFiles((p) => (p.config.organization.support = { reportUrl: reportUrl() }));
    const refused = await runShipped(["onboard", ...org, "--email", "alice@internal.test", "--ca-store", "none", "--clients", "", "--state-dir", join(home, "other"), "--yes", "--send-report", "--json"], { env: { HOME: home } });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toContain("--send-report sends the relay test's report");
  });

  it("says REPORT_SEND_FAILED (exit 4) when the address is unreachable or its certificate is not trusted, naming the saved report; no address is exit 2", async () => {
    const state = join(await tempDir("ro-report-send-fail-"), "state");
    const file = join(state, "report.json");
    await mkdir(state, { recursive: true });
    await writeFile(file, JSON.stringify(submission().report));
    const closed = await orgFiles((p) => (p.config.organization.support = { reportUrl: "https://127.0.0.1:1/reports" }));
    const unreachable = await runShipped(["report", "send", file, ...closed, "--state-dir", state, "--json"]);
    expect(unreachable.status).toBe(4);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ code: "REPORT_SEND_FAILED", message: expect.stringContaining(`the report is still saved at ${file}`) as unknown });
    // The organisation's configuration pins another root: the receiver's certificate is trusted by nothing.
    const other = await createRootCa("Another Org Root", TEST_CA_VALIDITY);
    const untrusted = await orgFiles((p) => {
      p.config.organization.support = { reportUrl: reportUrl() };
      p.config.rootCa = { pem: other.certPem, sha256: sha256Hex(singleCertificateDer(other.certPem)) };
    });
    const refused = await runShipped(["report", "send", file, ...untrusted, "--state-dir", state, "--json"]);
    expect(refused.status, refused.stdout).toBe(4);
    expect(JSON.parse(refused.stdout)).toMatchObject({ code: "REPORT_SEND_FAILED", message: expect.stringMatching(/certificate of 127\.0\.0\.1:\d+ is not trusted/) as unknown });
    const none = await orgFiles((p) => delete p.config.organization.support);
    const noAddress = await runShipped(["report", "send", file, ...none, "--state-dir", state, "--json"]);
    expect(noAddress.status).toBe(2);
    expect(noAddress.stdout).toContain("needs a configuration that names a report address");
  });
});

describe("the app's side: Send to my helpdesk (service and IPC surface)", () => {
  async function appWith(org: string[], policy?: Policy) {
    const dir = await tempDir("ro-app-send-");
    const s = new AppService({ version: "test", stateDir: join(dir, "state"), policy: () => Promise.resolve(policy), stores: () => Promise.resolve([]), bundledOrgFile: join(dir, "none.json") });
    await s.state();
    (s as unknown as { loaded: unknown }).loaded = await loadConfig({ config: org[1]!, trust: org[3]!, stateDir: join(dir, "state") });
    return { s, dir };
  }
  const orgWith = async (reportUrl: string | undefined) => {
    const key = await makeKey();
    const payload = await unsignedPayload();
    if (reportUrl) payload.config.organization.support = { reportUrl };
    payload.config.submission = { ...payload.config.submission, host: "127.0.0.1", port: 1 };
    const at = await tempDir("ro-app-send-org-");
    await writeFile(join(at, "config.jws"), await signed(key, { payload, now: new Date() }));
    await writeFile(join(at, "trust.json"), jwksText([key]));
    return ["--config", join(at, "config.jws"), "--trust", join(at, "trust.json")];
  };

  it("shows exactly what goes before sending, sends on the user's word, and says what the helpdesk received", { timeout: 60_000 }, async () => {
    const { s } = await appWith(await orgWith(`https://127.0.0.1:${port}/relay-onboard/reports`));
    expect((await s.state()).reportSending).toBe(true);
    await expect(s.reportSendPlan()).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("no report yet") as unknown });
    const report = await s.diagnose();
    const plan = await s.reportSendPlan();
    expect(plan).toMatchObject({ host: `127.0.0.1:${port}`, reference: s.reference, reportId: report.reportId });
    expect(plan.contains).toMatchObject({ verdict: "fail", code: "CONNECT_REFUSED", target: { host: "127.0.0.1", port: 1 }, version: expect.any(String) as unknown });
    expect(plan.contains.steps).toBe(report.checks.length);
    // The preview is the exact text that goes: the stored copy equals it but for the time it was sent.
    const previewed = JSON.parse(plan.preview) as Record<string, unknown>;
    expect(plan.bytes).toBeLessThan(256 * 1024);
    expect(await readdir(join(store)).then((refs) => refs.includes(s.reference))).toBe(false); // the plan sent nothing
    const outcome = await s.sendReport();
    expect(outcome).toMatchObject({ sent: true, reference: s.reference, reportId: report.reportId, received: expect.any(String) as unknown });
    expect(await readdir(join(store, s.reference))).toEqual([`${report.reportId}.json`]);
    const kept = JSON.parse(await readFile(join(store, s.reference, `${report.reportId}.json`), "utf8")) as Record<string, unknown>;
    expect({ ...kept, sentAt: "", received: "" }).toMatchObject({ ...previewed, sentAt: "" });
    // A report made after the plan was shown is not sent unseen.
    await s.diagnose();
    await expect(s.sendReport(report.reportId)).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("look at what will be sent again") as unknown });
  });

  it("not offered without a report address or when policy says no; an unreachable helpdesk is REPORT_SEND_FAILED with the saved copy named", { timeout: 60_000 }, async () => {
    const { s: none } = await appWith(await orgWith(undefined));
    expect((await none.state()).reportSending).toBe(false);
    await none.diagnose();
    await expect(none.sendReport()).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("names no report address") as unknown });
    const { s: withheld } = await appWith(await orgWith(`https://127.0.0.1:${port}/r`), { source: "test policy", allowReportSending: false });
    expect((await withheld.state()).reportSending).toBe(false);
    await withheld.diagnose();
    await expect(withheld.sendReport()).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("allowReportSending") as unknown });
    const { s: down } = await appWith(await orgWith("https://127.0.0.1:1/reports"));
    await down.diagnose();
    const failed = await down.sendReport();
    expect(failed).toMatchObject({ sent: false, problem: { code: "REPORT_SEND_FAILED" } });
    expect(failed.reportPath).toMatch(/reports\/relay-onboard-RO-.+\.json$/);
    await expect(stat(failed.reportPath!)).resolves.toBeTruthy();
  });
});
