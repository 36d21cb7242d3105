// The audit against scripted servers: the injection probe and the pre-TLS AUTH probe, whose
// failure modes real Postfix cannot be configured to show.
import { describe, expect, it } from "vitest";
import { runAudit } from "../../src/diagnostics/audit.js";
import { scriptedServers, type FakeSmtpOptions } from "../helpers/fakeSmtp.js";

const servers = scriptedServers();

async function auditRelay(options: FakeSmtpOptions, injectionProbe = false) {
  const server = await servers.serve(options);
  const report = await runAudit({
    relay: { host: "127.0.0.1", port: server.port, security: "starttls" },
    caPem: servers.caPem, orgDomains: ["internal.test"], externalRecipient: "relay-probe@example.com", mechanisms: ["PLAIN"],
    injectionProbe, timeoutMs: 8000, version: "test",
  });
  return { report, server };
}

describe("audit with scripted relays", () => {
  it("finds a relay that executes commands injected before TLS (CVE-2011-0411)", async () => {
    const { report } = await auditRelay({ injectionVulnerable: true }, true);
    expect(report.checks.find((c) => c.id === "relay-starttls-injection")).toMatchObject({ status: "fail", code: "RESPONSE_INJECTION" });
    const { report: safe } = await auditRelay({}, true);
    expect(safe.checks.find((c) => c.id === "relay-starttls-injection")?.status).toBe("pass");
    expect(safe.verdict).toBe("pass");
  });

  it("a relay that refuses the pipelined STARTTLS+NOOP is safe, not STARTTLS_REFUSED (finding 10)", async () => {
    const noPipelining = "250-fake.test\r\n250 STARTTLS\r\n";
    const { report } = await auditRelay({ refusePipelinedStartTls: true, handlers: { EHLO: (_a, s) => (s.tls ? "250-fake.test\r\n250 AUTH PLAIN\r\n" : noPipelining) } }, true);
    const probe = report.checks.find((c) => c.id === "relay-starttls-injection");
    expect(probe).toMatchObject({ status: "pass", code: "OK" });
    expect(probe?.message).toContain("500 5.5.1 Invalid command: Pipelining not supported");
    expect(report.checks.find((c) => c.id === "relay-starttls")?.status).toBe("pass");
    expect(report.verdict).toBe("pass");
  });

  it("finds a relay that starts a login before TLS, and sends it no credential", async () => {
    const { report, server } = await auditRelay({ handlers: { AUTH: (arg, s) => (arg === "LOGIN" ? "334 VXNlcm5hbWU6\r\n" : (s.expect = undefined, "501 cancelled\r\n")) } });
    expect(report.code).toBe("TLS_NOT_REQUIRED");
    const plaintext = server.received.filter((r) => !r.tls).map((r) => r.line);
    expect(plaintext).toContain("AUTH LOGIN");
    expect(plaintext).toContain("*"); // the exchange was cancelled, nothing else was sent
    expect(plaintext.filter((l) => !/^(EHLO|AUTH LOGIN|\*|MAIL FROM|RSET|STARTTLS|QUIT)/.test(l))).toEqual([]);
  });

  it("a relay that accepts MAIL before TLS is TLS_NOT_REQUIRED", async () => {
    const { report } = await auditRelay({ handlers: { MAIL: () => "250 2.1.0 Ok\r\n" } });
    expect(report.checks.find((c) => c.id === "relay-mail-before-tls")).toMatchObject({ status: "fail", code: "TLS_NOT_REQUIRED" });
  });

  it("an unreachable section is reported and the others still run", async () => {
    const server = await servers.serve();
    const report = await runAudit({
      inbound: { host: "127.0.0.1", port: 1 },
      relay: { host: "127.0.0.1", port: server.port, security: "starttls" },
      caPem: servers.caPem, orgDomains: ["internal.test"], externalRecipient: "relay-probe@example.com", mechanisms: ["PLAIN"], timeoutMs: 8000, version: "test",
    });
    expect(report.checks.find((c) => c.id === "inbound-connect")).toMatchObject({ status: "fail", code: "CONNECT_REFUSED" });
    expect(report.checks.find((c) => c.id === "relay-no-anonymous-relay")?.status).toBe("pass");
  });
});
