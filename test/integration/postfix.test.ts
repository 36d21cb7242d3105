// check and audit against a real Postfix with Dovecot SASL, configured like the seed deployment,
// and against Postfix services misconfigured on purpose, through the installers' executable (the
// command line as it ships). Needs root (Postfix's master daemon); `npm test` provisions the
// packages, and CI runs as root.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/diagnostics/report.js";
import { runShipped } from "../helpers/shipped.js";
import { canRunPostfix, LAB_PASSWORD, LAB_USER, startPostfixLab, type PostfixLab } from "../helpers/postfixLab.js";

const available = canRunPostfix();
if (!available) console.warn("postfix.test.ts skipped: it needs root and the postfix and dovecot-core packages (run `npm test` as root to provision them)");

describe.skipIf(!available)("against real Postfix + Dovecot", () => {
  let lab: PostfixLab;
  beforeAll(async () => {
    lab = await startPostfixLab();
  }, 60_000);
  afterAll(() => lab?.stop());

  async function cli(args: string[], password = LAB_PASSWORD): Promise<{ status: number; report: Report; raw: string }> {
    const ran = await runShipped([...args, "--ca", lab.caFile, "--json", "--timeout-ms", "15000"], { env: { PW: password } });
    return { status: ran.status ?? -1, report: JSON.parse(ran.stdout) as Report, raw: ran.stdout + ran.stderr };
  }
  const check = (port: number, extra: string[] = [], password?: string) =>
    cli(["check", "--host", "127.0.0.1", "--port", String(port), "--user", LAB_USER, "--password-env", "PW", ...extra], password);
  const audit = (extra: string[], domain = true) => cli(["audit", ...(domain ? ["--domain", "internal.test"] : []), ...extra]);

  it("check passes on the submission port (STARTTLS) with a valid login, without sending mail", async () => {
    const { status, report } = await check(lab.ports.submission);
    expect(report.verdict, JSON.stringify(report.checks.filter((c) => c.status === "fail"))).toBe("pass");
    expect(status).toBe(0);
    expect(report.checks.find((c) => c.id === "auth")?.message).toMatch(/logged in as user@internal\.test with PLAIN/);
    const log = await lab.log();
    expect(log).toMatch(/sasl_method=PLAIN, sasl_username=user@internal\.test/);
    expect(log).not.toMatch(/postfix\/cleanup/); // no message was ever handed over
  });

  it("check passes with implicit TLS and with AUTH LOGIN", async () => {
    expect((await check(lab.ports.submissionTls, ["--security", "tls"])).report.verdict).toBe("pass");
    const login = await check(lab.ports.submission, ["--auth", "LOGIN"]);
    expect(login.report.verdict).toBe("pass");
    expect(login.report.checks.find((c) => c.id === "auth")?.message).toMatch(/with LOGIN/);
  });

  it("check reports AUTH_FAILED for a wrong password, and the secret appears nowhere", async () => {
    const { status, report, raw } = await check(lab.ports.submission, [], "Wrong-Password-1");
    expect(status).toBe(1);
    expect(report.code).toBe("AUTH_FAILED");
    expect(report.checks.find((c) => c.id === "auth")?.message).toMatch(/535 5\.7\.8/);
    for (const form of ["Wrong-Password-1", Buffer.from("Wrong-Password-1").toString("base64"), Buffer.from(`\0${LAB_USER}\0Wrong-Password-1`).toString("base64")]) {
      expect(raw).not.toContain(form);
    }
  });

  it("check reports RELAY_DENIED when the login may not relay outside", async () => {
    const { status, report } = await check(lab.ports.relayDenied);
    expect(status).toBe(1);
    expect(report.code).toBe("RELAY_DENIED");
    expect(report.checks.find((c) => c.id === "rcpt-external")?.message).toMatch(/Relay access denied/);
    expect(report.checks.find((c) => c.id === "rcpt-internal")?.status).toBe("pass");
  });

  it("the client never sends AUTH, MAIL or RCPT to Postfix before TLS", async () => {
    const { report } = await check(lab.ports.submission);
    const beforeTls = report.transcript.slice(0, report.transcript.findIndex((e) => e.text.startsWith("TLS established")));
    expect(beforeTls.some((e) => e.dir === "client" && /^AUTH|^MAIL|^RCPT/.test(e.text))).toBe(false);
  });

  it("audit passes on the correctly configured pair, including the injection probe (the domain taken from --user)", async () => {
    const { status, report } = await audit([
      "--inbound-host", "127.0.0.1", "--inbound-port", String(lab.ports.inbound),
      "--relay-host", "127.0.0.1", "--relay-port", String(lab.ports.submission),
      "--user", LAB_USER, "--password-env", "PW", "--injection-probe",
    ], false);
    expect(report.verdict, JSON.stringify(report.checks.filter((c) => c.status !== "pass"))).toBe("pass");
    expect(status).toBe(0);
    expect(report.checks.find((c) => c.id === "inbound-no-relay")?.message).toMatch(/refused: 554 5\.7\.1 .*Relay access denied/);
    expect(report.checks.find((c) => c.id === "relay-mail-before-tls")?.message).toMatch(/530 5\.7\.0 Must issue a STARTTLS command first/);
    expect(report.checks.find((c) => c.id === "relay-starttls-injection")?.status).toBe("pass");
    expect(report.checks.find((c) => c.id === "rcpt-external")?.status).toBe("pass");
  });

  it("audit claims only what it checked: the relay alone passes without a word about an inbound server", async () => {
    const ran = await runShipped(["audit", "--domain", "internal.test", "--relay-host", "127.0.0.1", "--relay-port", String(lab.ports.submission), "--ca", lab.caFile, "--user", LAB_USER, "--password-env", "PW", "--timeout-ms", "15000"], { env: { PW: LAB_PASSWORD } });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout.split("\n")[0]).toBe("PASS: the relay requires TLS and a login (no inbound server was given, so none was checked).");
    expect(ran.stdout).not.toMatch(/inbound server relays nothing/);
    expect(ran.stdout).not.toMatch(/Inbound/);
  });

  it("audit reports OPEN_RELAY, TLS_NOT_REQUIRED and AUTH_NOT_REQUIRED on misconfigured services", async () => {
    const open = await audit(["--inbound-host", "127.0.0.1", "--inbound-port", String(lab.ports.openRelay)]);
    expect(open.status).toBe(1);
    expect(open.report.code).toBe("OPEN_RELAY");
    const noTls = await audit(["--relay-host", "127.0.0.1", "--relay-port", String(lab.ports.tlsNotRequired)]);
    expect(noTls.report.code).toBe("TLS_NOT_REQUIRED");
    expect(noTls.report.checks.find((c) => c.id === "relay-auth-before-tls")?.status).toBe("fail");
    const noAuth = await audit(["--relay-host", "127.0.0.1", "--relay-port", String(lab.ports.authNotRequired)]);
    expect(noAuth.report.code).toBe("AUTH_NOT_REQUIRED");
    expect(noAuth.report.checks.find((c) => c.id === "relay-mail-before-tls")?.status).toBe("pass");
  });
});
