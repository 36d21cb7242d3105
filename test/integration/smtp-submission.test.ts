// The submission test against scripted servers on loopback: the happy path, and each hostile
// behaviour with its own failure code. Certificates come from throw-away CAs made here.
import { X509Certificate } from "node:crypto";
import { createServer, type Server, type AddressInfo } from "node:net";
import { subjectKeyId } from "../../src/certs/keyIds.js";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { IssuedCert } from "../../src/certs/generate.js";
import type { FailureCode } from "../../src/errors.js";
import { runSubmissionTest, type SubmissionOptions, type SubmissionResult } from "../../src/diagnostics/submission.js";
import { SmtpSession } from "../../src/smtp/session.js";
import { Transcript } from "../../src/smtp/transcript.js";
import { EHLO_PLAIN, EHLO_TLS, fakeSmtp, type FakeSession, type FakeSmtp, type FakeSmtpOptions } from "../helpers/fakeSmtp.js";
import { createRootCa, issueServerCert, testCa } from "../helpers/org.js";

const PASSWORD = "correct horse";
let ca: IssuedCert;
let good: { certPem: string; keyPem: string };
const servers: Array<FakeSmtp | Server> = [];

beforeAll(async () => {
  ca = await testCa();
  good = await issueServerCert(ca, ["127.0.0.1", "relay.internal.test"]);
});

afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ("received" in s) await s.close();
    else await new Promise((r) => s.close(r));
  }
});

async function serve(options: FakeSmtpOptions = {}, cert: { certPem: string; keyPem: string } = good): Promise<FakeSmtp> {
  const server = await fakeSmtp(options, cert);
  servers.push(server);
  return server;
}

function test(server: { port: number }, extra: Partial<SubmissionOptions> = {}): Promise<SubmissionResult> {
  return runSubmissionTest({
    host: "127.0.0.1",
    port: server.port,
    security: "starttls",
    caPem: ca.certPem,
    mechanisms: ["PLAIN", "LOGIN", "CRAM-MD5"],
    credentials: { user: "user@internal.test", secret: PASSWORD },
    stepTimeoutMs: 1500,
    totalTimeoutMs: 5000,
    ...extra,
  });
}

function expectFailure(result: SubmissionResult, code: FailureCode): NonNullable<SubmissionResult["failure"]> {
  expect(result.failure?.code, result.failure?.message).toBe(code);
  const failed = result.checks.filter((c) => c.status === "fail");
  expect(failed).toHaveLength(1);
  expect(failed[0]!.code).toBe(code);
  return result.failure!;
}

/** No client line carrying credentials may have been received outside TLS. */
function expectNoAuthBeforeTls(server: FakeSmtp): void {
  for (const r of server.received) if (!r.tls) expect(r.line).not.toMatch(/^AUTH|^MAIL|^RCPT/i);
}

function transcriptText(result: SubmissionResult): string {
  return result.transcript.map((e) => e.text).join("\n");
}

describe("submission test: the happy path", () => {
  it("reports as soon as the verdict is known: a server that never answers RSET or QUIT costs nothing, and is still closed", async () => {
    let closed = false;
    const server = await serve({ handlers: { RSET: () => undefined, QUIT: () => undefined } });
    // With a 4 s step deadline, waiting for those replies would outlast this test's 3 s limit.
    const result = await test(server, { stepTimeoutMs: 4000, totalTimeoutMs: 8000 });
    expect(result.failure).toBeUndefined();
    expect(result.checks.at(-1)).toMatchObject({ id: "quit", status: "pass", message: expect.stringMatching(/RSET and QUIT sent/) as unknown });
    expect(result.transcript.slice(-2).map((e) => e.text)).toEqual(["RSET", "QUIT"]);
    await vi.waitFor(() => expect(server.received.map((r) => r.line).slice(-2)).toEqual(["RSET", "QUIT"]));
    // The goodbye gives up after its bound and closes the connection.
    const socket = [...server.sockets][0];
    socket?.once("close", () => (closed = true));
    await vi.waitFor(() => expect(closed || server.sockets.size === 0).toBe(true), { timeout: 2500 });
  }, 3000);

  it("closes the connection itself after goodbye: when QUIT goes unanswered past its bound, and when the server keeps it open after 221", async () => {
    const closedWithin = async (server: FakeSmtp, ms: number) => {
      await vi.waitFor(() => expect(server.received.map((r) => r.line).slice(-2)).toEqual(["RSET", "QUIT"]));
      const started = performance.now();
      await vi.waitFor(() => expect(server.sockets.size).toBe(0), { timeout: ms + 1000, interval: 20 });
      return performance.now() - started;
    };
    // RSET answered, QUIT never: the goodbye's own bound (0.3 s here) ends the wait, not the step deadline.
    const silentQuit = await serve({ handlers: { QUIT: () => undefined } });
    const s1 = await SmtpSession.open({ host: "127.0.0.1", port: silentQuit.port, security: "starttls", caPem: ca.certPem }, new Transcript(), { overallAt: performance.now() + 20_000, stepMs: 10_000 });
    s1.goodbye(300);
    expect(await closedWithin(silentQuit, 300)).toBeLessThan(5_000);
    // Both answered, but the server never hangs up: the client does.
    const lingering = await serve({ handlers: { QUIT: () => "221 2.0.0 Bye\r\n" } });
    const s2 = await SmtpSession.open({ host: "127.0.0.1", port: lingering.port, security: "starttls", caPem: ca.certPem }, new Transcript(), { overallAt: performance.now() + 20_000, stepMs: 10_000 });
    s2.goodbye(5_000);
    expect(await closedWithin(lingering, 1000)).toBeLessThan(5_000);
  });

  it("says goodbye one command at a time to a relay without PIPELINING, and both at once to one with it", async () => {
    const events: string[] = [];
    const rset = (s: FakeSession): undefined => {
      events.push("RSET");
      setTimeout(() => {
        events.push("250 for RSET");
        s.write("250 2.0.0 Ok\r\n");
      }, 150);
      return undefined;
    };
    const quit = (): string => (events.push("QUIT"), "221 2.0.0 Bye\r\n");
    const noPipelining = await serve({
      handlers: {
        EHLO: (_arg, s) => (s.tls ? EHLO_TLS : EHLO_PLAIN).replace("250-PIPELINING\r\n", ""),
        RSET: (_arg, s) => rset(s),
        QUIT: quit,
      },
    });
    expect((await test(noPipelining)).failure).toBeUndefined();
    await vi.waitFor(() => expect(events).toEqual(["RSET", "250 for RSET", "QUIT"]));

    events.length = 0;
    const pipelining = await serve({ handlers: { RSET: (_arg, s) => rset(s), QUIT: quit } });
    expect((await test(pipelining)).failure).toBeUndefined();
    await vi.waitFor(() => expect(events).toEqual(["RSET", "QUIT", "250 for RSET"]));
    // The one QUIT is all: nothing more is sent once RSET's reply comes.
    await new Promise((r) => setTimeout(r, 100));
    expect(events.filter((e) => e === "QUIT")).toHaveLength(1);
  });

  it("passes STARTTLS, AUTH PLAIN and relay, never sends DATA, and pipelines the envelope", async () => {
    const server = await serve();
    const result = await test(server);
    expect(result.failure).toBeUndefined();
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ["connect", "pass"], ["greeting", "pass"], ["ehlo", "pass"], ["starttls", "pass"], ["tls", "pass"], ["certificate", "pass"],
      ["ehlo-tls", "pass"], ["auth", "pass"], ["mail-from", "pass"], ["rcpt-internal", "pass"], ["rcpt-external", "pass"], ["quit", "pass"],
    ]);
    expect(result.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(result.tls?.chain[0]?.issuer).toMatch(/Relay Onboard Test Root CA/);
    const lines = server.received.map((r) => r.line);
    expect(lines.some((l) => /^DATA/i.test(l))).toBe(false);
    expect(lines.filter((l) => l.startsWith("RCPT TO:"))).toEqual(["RCPT TO:<user@internal.test>", "RCPT TO:<relay-probe@example.com>"]);
    // RSET and QUIT are sent without the verdict waiting for them: they arrive just after.
    await vi.waitFor(() => expect(server.received.map((r) => r.line).slice(-2)).toEqual(["RSET", "QUIT"]), { timeout: 2000 });
    expect(lines[0]).toBe("EHLO [127.0.0.1]");
    expectNoAuthBeforeTls(server);
    // Round trips: one per client write that waits for a reply.
    const writes = result.transcript.filter((e, i, all) => e.dir === "client" && all[i - 1]?.dir !== "client").length;
    expect(writes).toBeLessThanOrEqual(7);
  });

  it("uses LOGIN and CRAM-MD5 when they are the allowed ones, and implicit TLS", async () => {
    for (const mech of ["LOGIN", "CRAM-MD5", "NTLM", "XOAUTH2"] as const) {
      const server = await serve();
      const result = await test(server, { mechanisms: [mech] });
      expect(result.failure, mech).toBeUndefined();
      expect(result.checks.find((c) => c.id === "auth")?.message).toContain(mech);
      // Every line the server received inside the AUTH exchange is absent from the result
      // (test/integration/redaction.test.ts checks this per mechanism across all outputs).
      const text = JSON.stringify(result);
      const sent = server.received.map((r) => r.line);
      const auth = sent.findIndex((l) => l.startsWith("AUTH "));
      const exchange = sent.slice(auth, sent.findIndex((l) => l.startsWith("MAIL ")));
      expect(exchange.length, mech).toBeGreaterThan(0);
      for (const line of exchange) for (const part of line.split(" ").filter((p) => p.length > 8)) expect(text, mech).not.toContain(part);
      expect(text, mech).not.toContain(PASSWORD);
    }
    const implicit = await serve({ implicitTls: true, handlers: { EHLO: () => EHLO_TLS } });
    const result = await test(implicit, { security: "tls" });
    expect(result.failure).toBeUndefined();
    expect(result.checks.map((c) => c.id).slice(0, 4)).toEqual(["connect", "tls", "certificate", "greeting"]);
  });

  it("without a password, stops after checking that login is offered", async () => {
    const server = await serve();
    const { credentials: _c, ...rest } = { credentials: undefined };
    const result = await runSubmissionTest({ host: "127.0.0.1", port: server.port, security: "starttls", caPem: ca.certPem, mechanisms: ["PLAIN"], ...rest });
    expect(result.failure).toBeUndefined();
    expect(result.checks.find((c) => c.id === "auth-offered")).toMatchObject({ status: "warn", code: "LOGIN_NOT_TESTED" });
    expect(result.checks.find((c) => c.id === "auth")?.status).toBe("skip");
    expect(server.received.some((r) => r.line.startsWith("AUTH"))).toBe(false);
  });
});

describe("submission test: login and relay failures", () => {
  it("reports AUTH_FAILED for a wrong password, and never records the secret", async () => {
    const server = await serve();
    for (const mechanism of ["PLAIN", "LOGIN", "CRAM-MD5", "NTLM", "XOAUTH2"] as const) {
      const result = await test(server, { mechanisms: [mechanism], credentials: { user: "user@internal.test", secret: "wrong-Pa55word" } });
      expectFailure(result, "AUTH_FAILED");
      const text = JSON.stringify(result);
      // The password, the whole PLAIN blob, and LOGIN's user line (what actually crosses the wire).
      for (const secret of ["wrong-Pa55word", Buffer.from("\0user@internal.test\0wrong-Pa55word").toString("base64"), Buffer.from("user@internal.test").toString("base64")]) {
        expect(text).not.toContain(secret);
      }
      expect(transcriptText(result)).toContain(`[hidden: ${mechanism} authentication data]`);
    }
  });

  it("reports RELAY_DENIED when the outside recipient is refused, and SENDER_REJECTED for MAIL", async () => {
    const relayDenied = await serve({ handlers: { RCPT: (arg) => (/example\.com/.test(arg) ? "554 5.7.1 <relay-probe@example.com>: Relay access denied\r\n" : "250 2.1.5 Ok\r\n") } });
    expectFailure(await test(relayDenied), "RELAY_DENIED");
    const senderRejected = await serve({ handlers: { MAIL: () => "553 5.7.1 Sender address rejected: not owned by user\r\n", RCPT: () => "503 5.5.1 need MAIL\r\n" } });
    expectFailure(await test(senderRejected), "SENDER_REJECTED");
  });

  it("reports AUTH_NOT_OFFERED and AUTH_MECHANISM_UNAVAILABLE", async () => {
    const noAuth = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? "250-fake.test\r\n250 PIPELINING\r\n" : EHLO_PLAIN) } });
    expectFailure(await test(noAuth), "AUTH_NOT_OFFERED");
    const onlyGssapi = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? "250-fake.test\r\n250 AUTH GSSAPI NTLM\r\n" : EHLO_PLAIN) } });
    expectFailure(await test(onlyGssapi), "AUTH_MECHANISM_UNAVAILABLE");
  });
});

describe("submission test: hostile or broken servers", () => {
  it("STARTTLS missing → STARTTLS_NOT_OFFERED, and AUTH advertised in plaintext is never used", async () => {
    const server = await serve({ handlers: { EHLO: () => "250-fake.test\r\n250 AUTH PLAIN LOGIN\r\n" } });
    expectFailure(await test(server), "STARTTLS_NOT_OFFERED");
    expectNoAuthBeforeTls(server);
  });

  it("STARTTLS masked by a firewall (XXXXXXXA, asterisk banner) → STARTTLS_STRIPPED", async () => {
    const masked = await serve({ handlers: { EHLO: () => "250-fake.test\r\n250-PIPELINING\r\n250-XXXXXXXA\r\n250 AUTH PLAIN\r\n" } });
    expectFailure(await test(masked), "STARTTLS_STRIPPED");
    expectNoAuthBeforeTls(masked);
    const stars = await serve({ greeting: "220 ******************************************\r\n", handlers: { EHLO: () => "250-fake.test\r\n250 AUTH PLAIN\r\n" } });
    expectFailure(await test(stars), "STARTTLS_STRIPPED");
  });

  it("STARTTLS refused with 454, 502, 530 or answered with a 2xx other than 220 → STARTTLS_REFUSED", async () => {
    for (const answer of ["454 4.7.0 TLS not available due to local problem\r\n", "502 5.5.2 Error: command not recognized\r\n", "530 5.7.0 nope\r\n", "250 2.0.0 Ok\r\n"]) {
      const server = await serve({ handlers: { STARTTLS: () => answer } });
      const result = await test(server);
      expectFailure(result, "STARTTLS_REFUSED");
      expectNoAuthBeforeTls(server);
    }
  });

  it("bytes injected after the 220 to STARTTLS (whole lines or a fragment) → RESPONSE_INJECTION", async () => {
    for (const injected of ["250-fake.test\r\n250 AUTH PLAIN\r\n", "250-x\r\n", "250 AUTH", "x"]) {
      const server = await serve({ handlers: { STARTTLS: (_a, s) => void s.write(`220 2.0.0 Ready\r\n${injected}`) } });
      const result = await test(server);
      expectFailure(result, "RESPONSE_INJECTION");
      expectNoAuthBeforeTls(server);
    }
  });

  it("capabilities that change after TLS: only the post-TLS ones count", async () => {
    // Before TLS the server advertises PLAIN; inside TLS only LOGIN: LOGIN must be used.
    const server = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? "250-fake.test\r\n250 AUTH LOGIN\r\n" : "250-fake.test\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n") } });
    const result = await test(server);
    expect(result.failure).toBeUndefined();
    expect(server.received.find((r) => r.line.startsWith("AUTH"))?.line).toBe("AUTH LOGIN");
    // And a server that drops AUTH inside TLS is refused even though it offered it before.
    const dropped = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? "250 fake.test\r\n" : "250-fake.test\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n") } });
    expectFailure(await test(dropped), "AUTH_NOT_OFFERED");
  });

  it("oversized or inconsistent replies → PROTOCOL_ERROR", async () => {
    const cases: Record<string, string> = {
      "long line": `250-${"a".repeat(3000)}\r\n250 ok\r\n`,
      "too many lines": `${"250-x\r\n".repeat(150)}250 ok\r\n`,
      "codes disagree": "250-fake.test\r\n251-STARTTLS\r\n250 ok\r\n",
      "not a reply": "hello there\r\n",
      "too many bytes": `${`250-${"b".repeat(1000)}\r\n`.repeat(70)}250 ok\r\n`,
    };
    for (const [name, reply] of Object.entries(cases)) {
      const server = await serve({ handlers: { EHLO: () => reply } });
      const result = await test(server);
      expect(result.failure?.code, name).toBe("PROTOCOL_ERROR");
    }
  });

  it("endless continuation lines and an endless line are cut off with bounded memory", async () => {
    const endless = await serve({
      handlers: {
        EHLO: (_a, s) => {
          const timer = setInterval(() => (s.socket.destroyed ? clearInterval(timer) : s.write("250-more\r\n".repeat(50))), 1);
          return undefined;
        },
      },
    });
    expect((await test(endless)).failure?.code).toBe("PROTOCOL_ERROR");
    const noNewline = await serve({ greeting: "220 " + "z".repeat(100_000) });
    expect((await test(noNewline)).failure?.code).toBe("PROTOCOL_ERROR");
  });

  it("a server that never greets → GREETING_TIMEOUT; one that trickles → TIMEOUT within the deadline", async () => {
    const silent = await serve({ greeting: null });
    // The deadline logic, not the machine's speed: each failure names the timer that ended it.
    expect(expectFailure(await test(silent, { stepTimeoutMs: 400 }), "GREETING_TIMEOUT").message).toMatch(/within 0\.4 s/);
    const trickle = await serve({
      handlers: {
        EHLO: (_a, s) => {
          const timer = setInterval(() => (s.socket.destroyed ? clearInterval(timer) : s.write("2")), 50);
          return undefined;
        },
      },
    });
    // Bytes that never complete a reply do not extend the step's deadline.
    expect(expectFailure(await test(trickle, { stepTimeoutMs: 400 }), "TIMEOUT").message).toMatch(/no complete answer to EHLO within 0\.4 s/);
  });

  it("the overall deadline bounds the whole session", async () => {
    const slow = await serve({ handlers: { NOOP: () => undefined, EHLO: (_a, s) => void setTimeout(() => s.write(s.tls ? EHLO_TLS : EHLO_PLAIN), 300) } });
    const result = await test(slow, { stepTimeoutMs: 1000, totalTimeoutMs: 450 });
    expect(result.failure?.code).toBe("TIMEOUT");
    // The step that hit it had less than the 1 s step timeout left: the overall deadline set it.
    expect(result.failure?.message).toMatch(/within 0\.[0-4] s/);
  });

  it("connection refused and closed ports → CONNECT_REFUSED", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expectFailure(await test({ port }), "CONNECT_REFUSED");
  });

  it("an unresolvable host → DNS_FAILED", async () => {
    const result = await runSubmissionTest({ host: "no-such-relay.invalid", port: 587, security: "starttls", caPem: ca.certPem, mechanisms: ["PLAIN"], stepTimeoutMs: 2000 });
    expect(result.failure?.code).toBe("DNS_FAILED");
  });
});

describe("submission test: certificates and TLS versions", () => {
  it("self-signed, foreign CA, wrong host, expired, not yet valid → CERT_* with nothing sent", async () => {
    const selfSigned = await createRootCa("127.0.0.1", { isCa: false });
    const foreignCa = await createRootCa("Corporate Inspection Proxy CA");
    const cases: Array<[string, { certPem: string; keyPem: string }, FailureCode, RegExp]> = [
      ["self-signed", selfSigned, "CERT_UNTRUSTED", /self-signed/],
      ["foreign CA", await issueServerCert(foreignCa, ["127.0.0.1"]), "CERT_UNTRUSTED", /Corporate Inspection Proxy CA.*intercepted/],
      ["wrong host", await issueServerCert(ca, ["other.internal.test"]), "CERT_HOSTNAME_MISMATCH", /not valid for 127\.0\.0\.1/],
      ["expired", await issueServerCert(ca, ["127.0.0.1"], { notBefore: new Date("2024-01-01"), notAfter: new Date("2025-01-01") }), "CERT_EXPIRED", /expired/],
      ["not yet valid", await issueServerCert(ca, ["127.0.0.1"], { notBefore: new Date(Date.now() + 86400e3 * 10), notAfter: new Date(Date.now() + 86400e3 * 400) }), "CERT_NOT_YET_VALID", /not valid yet/],
    ];
    for (const [name, cert, code, message] of cases) {
      const server = await serve({}, cert);
      const result = await test(server);
      expect(result.failure?.code, name).toBe(code);
      expect(result.failure?.message, name).toMatch(message);
      expect(server.received.filter((r) => r.tls).map((r) => r.line), name).toEqual([]);
      // A foreign chain names the key that signed its top certificate (to tell a local root from a namesake).
      if (name === "foreign CA") expect(result.tls?.chain.at(-1)?.issuerKeyId, name).toBe(subjectKeyId(new X509Certificate(foreignCa.certPem).raw));
      else expect(result.tls?.chain.at(-1)?.issuerKeyId, name).toBeUndefined();
    }
  });

  it("a certificate expiring within 30 days is a warning, not a failure", async () => {
    const server = await serve({}, await issueServerCert(ca, ["127.0.0.1"], { notBefore: new Date(Date.now() - 86400e3), notAfter: new Date(Date.now() + 86400e3 * 10) }));
    const result = await test(server);
    expect(result.failure).toBeUndefined();
    expect(result.checks.find((c) => c.id === "certificate")).toMatchObject({ status: "warn", code: "CERT_EXPIRING", message: expect.stringMatching(/expires in \d+ day/) as unknown });
  });

  it("a TLS 1.0-only server → TLS_VERSION_TOO_OLD", async () => {
    const server = await serve({ tls: { minVersion: "TLSv1", maxVersion: "TLSv1", ciphers: "DEFAULT@SECLEVEL=0" } });
    const result = await test(server);
    expectFailure(result, "TLS_VERSION_TOO_OLD");
    expect(server.received.filter((r) => r.tls)).toEqual([]);
  });
});

describe("submission test: user input", () => {
  it("refuses CR, LF or NUL in user names and addresses before connecting", async () => {
    const server = await serve();
    for (const extra of [
      { credentials: { user: "user@internal.test\r\nRCPT TO:<x@evil.test>", secret: PASSWORD } },
      { credentials: { user: "user\0", secret: PASSWORD } },
      { from: "user@internal.test\nDATA" },
      { externalRecipient: "a@b.test\r\n" },
      { credentials: { user: "CORP\\alice", secret: PASSWORD } }, // a login that is no address, and no --from
    ]) {
      const result = await test(server, extra);
      expect(result.failure?.code).toBe("BAD_INPUT");
    }
    expect(server.received).toEqual([]);
  });
});
