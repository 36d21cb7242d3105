// `relay-onboard check` and the reports, against the demo organisation's real smtp-server relay
// and against scripted hostile servers; plus the secret scan over every output.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { runCheck } from "../../src/diagnostics/check.js";
import { renderHtmlReport } from "../../src/diagnostics/htmlReport.js";
import { renderTextReport } from "../../src/diagnostics/textReport.js";
import { startDemoEnvironment, type DemoEnvironment } from "../../src/demo/environment.js";
import { fakeSmtp } from "../helpers/fakeSmtp.js";
import { runShipped } from "../helpers/shipped.js";
import { issueServerCert, tempDir } from "../helpers/org.js";

let env: DemoEnvironment;
let dir: string;

beforeAll(async () => {
  dir = await tempDir("ro-check-");
  env = await startDemoEnvironment(dir, new Date());
});
afterAll(async () => env.stop());

/** The command line as it ships (the installers' executable), with only these variables besides PATH and HOME. */
async function cli(args: string[], envVars: Record<string, string> = {}) {
  const { status, stdout, stderr } = await runShipped(args, { env: envVars });
  return { status, stdout, stderr };
}

/** Every form a leaked password could take. */
function secretForms(user: string, password: string): string[] {
  return [
    password,
    Buffer.from(password).toString("base64"),
    Buffer.from(`\0${user}\0${password}`).toString("base64"),
    Buffer.from(`${user}\0${password}`).toString("base64"),
  ];
}

function flags(extra: string[] = []): string[] {
  return ["check", "--host", env.relay.host, "--port", String(env.relay.port), "--ca", env.org.files.caCert, "--user", env.user.email, "--password-env", "PW", "--timeout-ms", "8000", ...extra];
}

describe("check against the demo relay (smtp-server)", () => {
  it("passes with the demo user's login, with the report shape of DESIGN.md", async () => {
    const result = await cli(flags(["--json"]), { PW: env.user.password });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(["account", "checks", "code", "finishedAt", "os", "reference", "reportId", "startedAt", "target", "tls", "tool", "transcript", "trustAnchor", "verdict"]);
    // The helpdesk's handles (issue 25): this installation's reference, the report's own id, the account tried, the computer.
    expect(report).toMatchObject({ reference: expect.stringMatching(/^RO-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/) as unknown, reportId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9A-HJKMNP-TV-Z]{4}$/) as unknown, account: { email: env.user.email, login: env.user.email }, os: { platform: process.platform } });
    // When it ran, ISO 8601 with the local offset; and the root it was judged against.
    const [startedAt, finishedAt] = [String(report.startedAt), String(report.finishedAt)];
    for (const at of [startedAt, finishedAt]) expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    expect(Date.parse(finishedAt)).toBeGreaterThanOrEqual(Date.parse(startedAt));
    expect(Math.abs(Date.parse(startedAt) - Date.now())).toBeLessThan(60_000);
    expect(report.trustAnchor).toEqual({ subject: "CN=Relay Onboard Demo Root CA", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    expect(report).toMatchObject({ tool: { name: "relay-onboard" }, target: { host: "127.0.0.1", port: env.relay.port, security: "starttls" }, verdict: "pass", code: "OK" });
    const checks = report["checks"] as Array<Record<string, unknown>>;
    for (const c of checks) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(["id", "title", "status", "code", "message", "durationMs"]));
      expect(["pass", "warn", "fail", "skip"]).toContain(c["status"]);
    }
    expect(checks.map((c) => c["id"])).toEqual(expect.arrayContaining(["dns", "connect", "starttls", "certificate", "auth", "rcpt-external", `port-${env.relay.port}-ipv4`, "info-port-25-ipv4"]));
    const tls = report["tls"] as { chain: Array<{ sha256: string }> };
    expect(tls.chain[1]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("takes the target from the signed configuration, fetched over https", async () => {
    const state = join(dir, "state-a");
    const result = await cli(["check", "--config", join(dir, "config.jws"), "--trust", env.org.files.trustedKeys, "--state-dir", state, "--user", env.user.email, "--password-env", "PW", "--json"], { PW: env.user.password });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ verdict: "pass", target: { port: env.relay.port } });
  });

  it("reports AUTH_FAILED with exit 1, and the human report starts with the verdict and the next action", async () => {
    const result = await cli(flags(), { PW: "not-the-password" });
    expect(result.status).toBe(1);
    const [first, second] = result.stdout.split("\n");
    expect(first).toMatch(/^FAIL AUTH_FAILED: the login was refused: 535/);
    expect(second).toMatch(/^What to do: Check the email address and password/);
  });

  it("never writes the password, its base64 or the PLAIN blob into the transcript, reports or HTML", async () => {
    const html = join(dir, "report.html");
    for (const pw of [env.user.password, "wrong-Secret-123"]) {
      for (const mech of ["PLAIN", "LOGIN"]) {
        const json = await cli(flags(["--json", "--auth", mech, "--html", html]), { PW: pw });
        const text = await cli(flags(["--auth", mech]), { PW: pw });
        const outputs = [json.stdout, json.stderr, text.stdout, text.stderr, await readFile(html, "utf8")];
        for (const output of outputs) for (const form of secretForms(env.user.email, pw)) expect(output).not.toContain(form);
        expect(json.stdout).toContain(`[hidden: ${mech} authentication data]`);
      }
    }
  });

  it("never passes a login it did not try (finding 3): no password and no terminal is refused; --no-login is at best a warning", async () => {
    const base = ["check", "--host", env.relay.host, "--port", String(env.relay.port), "--ca", env.org.files.caCert, "--timeout-ms", "8000", "--ports", "none"];
    for (const args of [[...base, "--user", env.user.email, "--json"], [...base, "--json"]]) {
      const refused = await cli(args);
      expect(refused.status, args.join(" ")).toBe(2);
      const failure = JSON.parse(refused.stdout) as { code: string; message: string };
      expect(failure.code).toBe("USAGE");
      expect(failure.message).toMatch(/--password-env NAME.*--password-stdin.*--no-login/);
    }
    const noLogin = await cli([...base, "--no-login", "--json"]);
    expect(noLogin.status).toBe(0);
    const report = JSON.parse(noLogin.stdout) as { verdict: string; code: string; checks: Array<{ id: string; status: string; code: string }> };
    expect([report.verdict, report.code]).toEqual(["warn", "LOGIN_NOT_TESTED"]);
    expect(report.checks.find((c) => c.id === "auth-offered")).toMatchObject({ status: "warn", code: "LOGIN_NOT_TESTED" });
    expect(report.checks.filter((c) => c.status === "skip").map((c) => c.id)).toEqual(["auth", "mail-from", "rcpt-internal", "rcpt-external", "quit"]);
    const text = await cli([...base, "--no-login"]);
    expect(text.stdout).not.toMatch(/PASS/);
    expect(text.stdout).toMatch(/WARN/);
    // --no-login with a password source is a contradiction, not a silent choice.
    expect((await cli([...base, "--no-login", "--user", env.user.email, "--password-env", "PW"], { PW: "x" })).status).toBe(2);
  });

  it("a password given as a flag value is refused with the safe ways to give it", async () => {
    for (const flag of [["--password", "hunter2"], ["--password=hunter2"]]) {
      const result = await cli(["check", "--host", "127.0.0.1", ...flag, "--json"]);
      expect(result.status).toBe(2);
      const failure = JSON.parse(result.stdout) as { code: string; message: string };
      expect(failure.code).toBe("USAGE");
      expect(failure.message).toMatch(/never a flag value.*--password-env NAME.*--password-stdin/);
      expect(result.stdout + result.stderr).not.toContain("hunter2");
    }
  });

  it("refuses bad input before connecting: CR/LF in the user, missing --ca, unknown mechanism", async () => {
    expect((await cli(["check", "--host", "127.0.0.1", "--port", String(env.relay.port), "--ca", env.org.files.caCert, "--user", "a@b.test\r\nRCPT TO:<x@y>", "--password-env", "PW"], { PW: "x" })).status).toBe(2);
    const noCa = await cli(["check", "--host", "127.0.0.1", "--json"]);
    expect(noCa.status).toBe(2);
    expect(JSON.parse(noCa.stdout)).toMatchObject({ code: "USAGE" });
    expect((await cli(flags(["--auth", "GSSAPI"]), { PW: "x" })).status).toBe(2);
    expect((await cli(flags(["--password-env", "UNSET"]))).status).toBe(2);
  });
});

describe("reports", () => {
  it("escape everything a hostile server says, and load nothing from outside", async () => {
    const ca = env.org.ca;
    const cert = await issueServerCert(ca, ["127.0.0.1"]);
    const server = await fakeSmtp({ greeting: `220 <script>alert("x")</script><img src=http://evil.test/x.png>\r\n`, handlers: { EHLO: () => "250-fake\r\n250 AUTH PLAIN\r\n" } }, cert);
    try {
      const report = await runCheck({ host: "127.0.0.1", port: server.port, security: "starttls", caPem: ca.certPem, mechanisms: ["PLAIN"], version: "test", timeoutMs: 5000, gridPorts: [] });
      expect(report).toMatchObject({ verdict: "fail", code: "STARTTLS_NOT_OFFERED" });
      const html = renderHtmlReport(report);
      expect(html).not.toContain("<script");
      expect(html).not.toContain("<img");
      expect(html).toContain("&lt;script&gt;");
      expect(html).not.toMatch(/<[^>]*\b(src|href)=/);
      const tags = new Set([...html.matchAll(/<([a-z][a-z0-9]*)/gi)].map((m) => m[1]!.toLowerCase()));
      for (const tag of tags) expect(["html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "table", "thead", "tbody", "tr", "th", "td", "span", "div", "code", "ol", "li", "br", "pre", "header", "dl", "dt", "dd"]).toContain(tag);
      expect(html).toContain("default-src 'none'");
      expect(renderTextReport(report).split("\n")[0]).toMatch(/^FAIL STARTTLS_NOT_OFFERED/);
      expect(renderTextReport(report)).toMatch(/\nDate: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d\n/);
    } finally {
      await server.close();
    }
  });

  it("a blocked port 25 is informational and does not spoil a passing verdict", async () => {
    const report = await runCheck({
      host: env.relay.host, port: env.relay.port, security: "starttls", caPem: env.org.ca.certPem, mechanisms: ["PLAIN"],
      credentials: { user: env.user.email, secret: env.user.password }, from: env.user.email, version: "test", timeoutMs: 8000,
    });
    expect(report.checks.find((c) => c.id === "info-port-25-ipv4")?.status).toMatch(/pass|warn/);
    expect(report.verdict).toBe("pass");
  });
});

describe("the test message (the one real mail, on request)", () => {
  it("is delivered to the user's own address through the demo relay, and ends DATA correctly", async () => {
    const { sendTestMessage, testMessageLines } = await import("../../src/smtp/testMessage.js");
    const before = env.relay.messages.length;
    const result = await sendTestMessage({
      host: env.relay.host, port: env.relay.port, security: "starttls", caPem: env.org.ca.certPem, mechanisms: ["PLAIN"],
      credentials: { user: env.user.email, secret: env.user.password }, email: env.user.email, organization: "Demo",
    });
    expect(result.reply).toMatch(/^250 /);
    expect(env.relay.messages.slice(before)).toEqual([{ from: env.user.email, to: [env.user.email], bytes: expect.any(Number) as unknown }]);
    const lines = testMessageLines("a@internal.test", ".Org", new Date(0));
    expect(lines.at(-1)).toBe(".");
    expect(lines.slice(0, -1).filter((l) => l === ".")).toEqual([]);
    await expect(sendTestMessage({ host: env.relay.host, port: env.relay.port, security: "starttls", caPem: env.org.ca.certPem, mechanisms: ["PLAIN"], credentials: { user: env.user.email, secret: "wrong" }, email: env.user.email, organization: "Demo" })).rejects.toMatchObject({ code: "AUTH_FAILED" });
  });
});

describe("relay-onboard demo", () => {
  it("is refused where managed policy exists and does not allow it", async () => {
    let out = "";
    const io: CliIo = { stdout: (t) => void (out += t), stderr: () => undefined, env: {}, now: () => new Date(), policy: () => Promise.resolve({ source: "test policy" }) };
    expect(await run(["demo", "--json"], io)).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ code: "USAGE", message: expect.stringMatching(/allowDemo/) as unknown });
  });

  it("verifies the configuration, passes the check end to end, and hands the report to its helpdesk by reference", async () => {
    const dir = await tempDir("ro-demo-");
    const result = await cli(["demo", "--dir", dir, "--json"]);
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as {
      ok: boolean; check: { verdict: string; reference: string; reportId: string }; audit: { verdict: string; checks: Array<{ id: string; status: string }> };
      sent: { reference: string; reportId: string }; demo: { helpdesk: { page: string; user: string; passwordFile: string } };
    };
    // The reference is this installation's (kept in the demo's state folder); the helpdesk's store holds the report under it.
    expect(out.sent).toMatchObject({ reference: out.check.reference, reportId: out.check.reportId });
    expect(JSON.parse(await readFile(join(dir, "state", "reference.json"), "utf8"))).toMatchObject({ reference: out.check.reference });
    const stored = JSON.parse(await readFile(join(dir, "helpdesk-reports", out.sent.reference, `${out.sent.reportId}.json`), "utf8")) as { report: { verdict: string } };
    expect(stored.report.verdict).toBe("pass");
    expect(out.demo.helpdesk.page).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:\\d+/helpdesk/${out.sent.reference}$`));
    expect((await stat(out.demo.helpdesk.passwordFile)).mode & 0o777).toBe(0o600);
    expect(out.ok).toBe(true);
    expect(out.check.verdict).toBe("pass");
    expect(out.audit.verdict).toBe("pass");
    expect(out.audit.checks.map((c) => c.id)).toEqual(expect.arrayContaining(["inbound-no-relay", "relay-auth-before-tls", "relay-mail-before-tls", "relay-no-anonymous-relay"]));
  });
});
