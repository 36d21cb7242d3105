// The one SMTP session on its own, against the scripted server: the paths the submission test does
// not reach by itself — servers without PIPELINING, refused service, a server that loops on 334,
// login attempted without an accepted certificate, the test message, and the EHLO name.
import { describe, expect, it } from "vitest";
import type { Deadline } from "../../src/smtp/connection.js";
import { ehloName, replyLine, SmtpSession } from "../../src/smtp/session.js";
import { sendTestMessage } from "../../src/smtp/testMessage.js";
import { AUTH_MARKER, Transcript } from "../../src/smtp/transcript.js";
import { scriptedServers, type FakeSmtp } from "../helpers/fakeSmtp.js";

const EHLO_NO_PIPELINING = "250-fake.test\r\n250 AUTH PLAIN LOGIN\r\n";
const servers = scriptedServers();
const serve = servers.serve;

const deadline = (): Deadline => ({ overallAt: performance.now() + 5000, stepMs: 1500 });
const target = (server: FakeSmtp) => ({ host: "127.0.0.1", port: server.port, caPem: servers.caPem, security: "starttls" as const });

describe("SMTP session", () => {
  it("names itself with an address literal, IPv4, IPv4-mapped or IPv6", () => {
    expect(ehloName("192.0.2.7")).toBe("[192.0.2.7]");
    expect(ehloName("::ffff:192.0.2.7")).toBe("[192.0.2.7]");
    expect(ehloName("2001:db8::1")).toBe("[IPv6:2001:db8::1]");
    expect(ehloName(undefined)).toBe("[127.0.0.1]");
    expect(replyLine({ code: 250, lines: ["first", "last"] })).toBe("250 last");
    expect(replyLine({ code: 354, lines: [""] })).toBe("354");
  });

  it("sends one command per round trip when the server has no PIPELINING, in order", async () => {
    const server = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? EHLO_NO_PIPELINING : "250-fake.test\r\n250 STARTTLS\r\n") } });
    const transcript = new Transcript();
    const session = await SmtpSession.open(target(server), transcript, deadline());
    expect(session.caps?.pipelining).toBe(false);
    await session.login(["PLAIN"], { user: "user@internal.test", secret: "correct horse" });
    const replies = await session.commands([["MAIL FROM:<user@internal.test>", "MAIL"], ["RCPT TO:<a@internal.test>", "RCPT"]]);
    expect(replies.map((r) => r.code)).toEqual([250, 250]);
    // Each command waited for its reply: client and server lines alternate.
    const tail = transcript.entries.slice(-4).map((e) => e.dir);
    expect(tail).toEqual(["client", "server", "client", "server"]);
    await session.quit();
    expect(server.received.map((r) => r.line).slice(-2)).toEqual(["RSET", "QUIT"]);
  });

  it("pipelines commands in one write when the server offers it", async () => {
    const server = await serve();
    const transcript = new Transcript();
    const session = await SmtpSession.open(target(server), transcript, deadline());
    await session.login(["PLAIN"], { user: "user@internal.test", secret: "correct horse" });
    const replies = await session.commands([["MAIL FROM:<user@internal.test>", "MAIL"], ["RCPT TO:<a@internal.test>", "RCPT"]]);
    expect(replies.map((r) => r.code)).toEqual([250, 250]);
    expect(transcript.entries.slice(-4).map((e) => e.dir)).toEqual(["client", "client", "server", "server"]);
    session.close();
  });

  it("a greeting of 421 or 554 is a refusal of service; any other non-220 is a protocol error", async () => {
    for (const [greeting, code] of [["421 4.3.2 too busy\r\n", "CONNECT_REFUSED"], ["554 5.7.1 no service for you\r\n", "CONNECT_REFUSED"], ["250 hello?\r\n", "PROTOCOL_ERROR"]] as const) {
      const server = await serve({ greeting });
      const session = await SmtpSession.connect(target(server), new Transcript(), deadline());
      const err = await session.greet().then(() => undefined, (e: unknown) => e);
      expect(err, greeting).toMatchObject({ code, details: { reply: greeting.trim(), command: "greeting" } });
      session.close();
    }
  });

  it("EHLO refused is a protocol error carrying the reply", async () => {
    const server = await serve({ handlers: { EHLO: () => "502 5.5.2 no EHLO here\r\n" } });
    await expect(SmtpSession.open(target(server), new Transcript(), deadline())).rejects.toMatchObject({ code: "PROTOCOL_ERROR", summary: "the server refused EHLO", details: { reply: "502 5.5.2 no EHLO here" } });
  });

  it("never logs in on a session whose certificate was not accepted", async () => {
    const server = await serve({ handlers: { EHLO: () => "250-fake.test\r\n250 AUTH PLAIN\r\n" } });
    const session = await SmtpSession.connect(target(server), new Transcript(), deadline());
    await session.greet();
    await session.ehlo();
    await expect(session.login(["PLAIN"], { user: "user@internal.test", secret: "correct horse" })).rejects.toMatchObject({ code: "TLS_HANDSHAKE_FAILED", message: "no TLS session" });
    expect(server.received.some((r) => r.line.startsWith("AUTH"))).toBe(false);
    session.close();
  });

  it("cancels with * a server that keeps answering 334, stops if it goes on, and stays redacted", async () => {
    const loop = (_a: string, s: { expect: ((line: string) => string | undefined) | undefined }) => {
      const again = (): string => {
        s.expect = again;
        return "334 bW9yZT8=\r\n";
      };
      return again();
    };
    const server = await serve({ handlers: { AUTH: (arg, s) => (s.tls ? loop(arg, s) : "530 no\r\n") } });
    const transcript = new Transcript();
    const session = await SmtpSession.open(target(server), transcript, deadline());
    const err = await session.login(["LOGIN"], { user: "user@internal.test", secret: "correct horse" }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: "PROTOCOL_ERROR", summary: "the server went on with AUTH after it was cancelled" });
    const sent = server.received.map((r) => r.line);
    const authAt = sent.findIndex((l) => l.startsWith("AUTH"));
    // Two answers (user, password), then one "*": never a third credential, never a second cancel.
    expect(sent.slice(authAt)).toEqual(["AUTH LOGIN", Buffer.from("user@internal.test").toString("base64"), Buffer.from("correct horse").toString("base64"), "*"]);
    expect(transcript.entries.filter((e) => e.dir === "client").slice(-4).map((e) => e.text)).toEqual(["AUTH LOGIN", ...Array<string>(3).fill(AUTH_MARKER("LOGIN"))]);
    session.close();
  });

  it("the test message: refused sender, refused recipient and refused DATA each have their code", async () => {
    const base = { caPem: servers.caPem, host: "127.0.0.1", security: "starttls" as const, mechanisms: ["PLAIN"] as const, credentials: { user: "user@internal.test", secret: "correct horse" }, email: "user@internal.test", organization: "Org", timeoutMs: 5000 };
    const sender = await serve({ handlers: { MAIL: () => "553 5.7.1 not yours\r\n" } });
    await expect(sendTestMessage({ ...base, port: sender.port })).rejects.toMatchObject({ code: "SENDER_REJECTED", details: { reply: "553 5.7.1 not yours", command: "MAIL FROM" } });
    const rcpt = await serve({ handlers: { RCPT: () => "554 5.7.1 no\r\n" } });
    await expect(sendTestMessage({ ...base, port: rcpt.port })).rejects.toMatchObject({ code: "RELAY_DENIED", details: { command: "RCPT TO" } });
    const data = await serve(); // the scripted server refuses DATA
    await expect(sendTestMessage({ ...base, port: data.port })).rejects.toMatchObject({ code: "PROTOCOL_ERROR", details: { command: "DATA" } });
    const accepted = await serve({ handlers: { DATA: (_a, s) => { s.expect = function body(line) { if (line === ".") return "250 2.0.0 queued as X\r\n"; s.expect = body; return undefined; }; return "354 go ahead\r\n"; } } });
    await expect(sendTestMessage({ ...base, port: accepted.port })).resolves.toEqual({ reply: "250 2.0.0 queued as X" });
    expect(accepted.received.map((r) => r.line)).toContain("Subject: Relay Onboard test message");
    const mech = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? "250-fake.test\r\n250 AUTH LOGIN\r\n" : "250-fake.test\r\n250 STARTTLS\r\n") } });
    await expect(sendTestMessage({ ...base, port: mech.port })).rejects.toMatchObject({ code: "AUTH_MECHANISM_UNAVAILABLE" });
    const refused = await serve({ handlers: { AUTH: () => "504 5.5.4 mechanism not available\r\n" } });
    await expect(sendTestMessage({ ...base, port: refused.port })).rejects.toMatchObject({ code: "AUTH_MECHANISM_UNAVAILABLE", details: { reply: "504 5.5.4 mechanism not available" } });
    await expect(sendTestMessage({ ...base, port: refused.port, caPem: "not a pem" })).rejects.toMatchObject({ code: "BAD_INPUT" });
    expect(refused.received.filter((r) => r.line.startsWith("EHLO"))).toHaveLength(2); // the bad PEM opened no connection
  });
});

describe("SMTP session: every failure says exactly what happened", () => {
  const quick = (): Deadline => ({ overallAt: performance.now() + 3000, stepMs: 300 });
  const failureOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as { code: string; summary: string; message: string; details: Record<string, string> });

  it("greeting, EHLO and STARTTLS refusals keep the reply and the command apart from the sentence", async () => {
    const refused = await serve({ greeting: "554 5.3.2 go away\r\n" });
    expect(await failureOf(SmtpSession.open(target(refused), new Transcript(), quick()))).toMatchObject({
      code: "CONNECT_REFUSED", summary: "the server refused service", message: "the server refused service: 554 5.3.2 go away", details: { reply: "554 5.3.2 go away", command: "greeting" },
    });
    const odd = await serve({ greeting: "250 hi\r\n" });
    expect(await failureOf(SmtpSession.open(target(odd), new Transcript(), quick()))).toMatchObject({ code: "PROTOCOL_ERROR", summary: "the greeting was not 220", details: { command: "greeting" } });
    const noEhlo = await serve({ handlers: { EHLO: () => "500 5.5.1 what\r\n" } });
    expect(await failureOf(SmtpSession.open(target(noEhlo), new Transcript(), quick()))).toMatchObject({ summary: "the server refused EHLO", details: { reply: "500 5.5.1 what", command: "EHLO" } });
    const noTls = await serve({ handlers: { EHLO: () => "250-fake.test\r\n250 AUTH PLAIN\r\n" } });
    expect(await failureOf(SmtpSession.open(target(noTls), new Transcript(), quick()))).toMatchObject({ code: "STARTTLS_NOT_OFFERED", message: "the server's EHLO does not offer STARTTLS" });
    const masked = await serve({ handlers: { EHLO: () => "250-fake.test\r\n250-XXXXXXXA\r\n250 XXXXA\r\n" } });
    expect(await failureOf(SmtpSession.open(target(masked), new Transcript(), quick()))).toMatchObject({ code: "STARTTLS_STRIPPED", message: "STARTTLS is masked on the way (EHLO shows XXXXXXXA, XXXXA): a firewall is inspecting SMTP" });
    const stars = await serve({ greeting: "220 ******************************\r\n", handlers: { EHLO: () => "250 fake.test\r\n" } });
    expect(await failureOf(SmtpSession.open(target(stars), new Transcript(), quick()))).toMatchObject({ code: "STARTTLS_STRIPPED", message: "STARTTLS is masked on the way (the greeting is asterisks): a firewall is inspecting SMTP" });
    const busy = await serve({ handlers: { STARTTLS: () => "454 4.7.0 TLS not available\r\n" } });
    expect(await failureOf(SmtpSession.open(target(busy), new Transcript(), quick()))).toMatchObject({ code: "STARTTLS_REFUSED", summary: "STARTTLS was not answered with 220", details: { reply: "454 4.7.0 TLS not available", command: "STARTTLS" } });
    const injected = await serve({ handlers: { STARTTLS: (_a, s) => void s.write("220 go\r\n250 x\r\n") } });
    expect(await failureOf(SmtpSession.open(target(injected), new Transcript(), quick()))).toMatchObject({ code: "RESPONSE_INJECTION", message: "7 byte(s) arrived after the 220 to STARTTLS and before TLS started", details: { command: "STARTTLS" } });
  });

  it("after a failed handshake, a login is refused as no TLS session and sends nothing", async () => {
    // 220 to STARTTLS, then bytes that are not TLS: the handshake fails.
    const notTls = await serve({ handlers: { STARTTLS: (_a, s) => void (s.write("220 go\r\n"), setTimeout(() => s.write("this is not TLS\r\n"), 20)) } });
    const session = await SmtpSession.connect(target(notTls), new Transcript(), quick());
    await session.greet();
    await session.ehlo();
    expect(await failureOf(session.secure("starttls"))).toMatchObject({ code: "TLS_HANDSHAKE_FAILED" });
    const before = notTls.received.length;
    expect(await failureOf(session.login(["PLAIN"], { user: "user@internal.test", secret: "correct horse" }))).toMatchObject({ code: "TLS_HANDSHAKE_FAILED", message: "no TLS session" });
    expect(notTls.received.slice(before)).toEqual([]);
    session.close();
  });

  it("a silent server: each timeout names the step it was waiting for", async () => {
    const silent = (verb: string) => serve({ handlers: { [verb]: () => undefined } });
    const cases: Array<[string, (s: SmtpSession) => Promise<unknown>, string]> = [
      ["EHLO", (s) => s.ehlo(), "no complete answer to EHLO within 0.3 s"],
      ["STARTTLS", async (s) => (await s.ehlo(), s.startTls()), "no complete answer to STARTTLS within 0.3 s"],
      ["MAIL", async (s) => (await s.ehlo(), s.command("MAIL FROM:<a@internal.test>")), "no complete answer to MAIL within 0.3 s"],
      ["RCPT", async (s) => (await s.ehlo(), s.commands([["NOOP", "NOOP"], ["RCPT TO:<a@internal.test>", "the recipient"]])), "no complete answer to the recipient within 0.3 s"],
    ];
    for (const [verb, act, message] of cases) {
      const server = await silent(verb);
      const session = await SmtpSession.connect(target(server), new Transcript(), quick());
      await session.greet();
      expect(await failureOf(act(session)), verb).toMatchObject({ code: "TIMEOUT", message });
      session.close();
    }
    const mute = await serve({ greeting: null });
    const session = await SmtpSession.connect(target(mute), new Transcript(), quick());
    expect(await failureOf(session.greet())).toMatchObject({ code: "GREETING_TIMEOUT", message: "no complete answer to the greeting within 0.3 s" });
    session.close();
    const noAuth = await serve({ handlers: { AUTH: (_a, s) => (s.tls ? undefined : "530 no\r\n") } });
    const authSession = await SmtpSession.open(target(noAuth), new Transcript(), quick());
    expect(await failureOf(authSession.login(["PLAIN"], { user: "u@internal.test", secret: "x" }))).toMatchObject({ code: "TIMEOUT", message: "no complete answer to AUTH PLAIN within 0.3 s" });
    authSession.close();
  });

  it("login refusals: no AUTH, no allowed mechanism, 504 and 534 refused mechanisms, wrong password", async () => {
    const none = await serve({ handlers: { EHLO: (_a, s) => (s.tls ? "250 fake.test\r\n" : "250-fake.test\r\n250 STARTTLS\r\n") } });
    let s = await SmtpSession.open(target(none), new Transcript(), quick());
    expect(await failureOf(s.login(["PLAIN"], { user: "u@internal.test", secret: "x" }))).toMatchObject({ code: "AUTH_NOT_OFFERED", message: "the server offers no AUTH inside TLS" });
    s.close();
    const login = await serve({ handlers: { EHLO: (_a, s2) => (s2.tls ? "250-fake.test\r\n250 AUTH LOGIN XOAUTH2\r\n" : "250-fake.test\r\n250 STARTTLS\r\n") } });
    s = await SmtpSession.open(target(login), new Transcript(), quick());
    expect(await failureOf(s.login(["PLAIN", "CRAM-MD5"], { user: "u@internal.test", secret: "x" }))).toMatchObject({ code: "AUTH_MECHANISM_UNAVAILABLE", message: "the server offers LOGIN, XOAUTH2; allowed are PLAIN, CRAM-MD5" });
    s.close();
    for (const code of ["504 5.5.4 not here", "534 5.7.9 too weak"]) {
      const refusing = await serve({ handlers: { AUTH: () => `${code}\r\n` } });
      s = await SmtpSession.open(target(refusing), new Transcript(), quick());
      expect(await failureOf(s.login(["PLAIN"], { user: "u@internal.test", secret: "x" })), code).toMatchObject({ code: "AUTH_MECHANISM_UNAVAILABLE", summary: "PLAIN was refused", details: { reply: code, command: "AUTH" } });
      s.close();
    }
    const wrong = await serve();
    s = await SmtpSession.open(target(wrong), new Transcript(), quick());
    expect(await failureOf(s.login(["LOGIN"], { user: "user@internal.test", secret: "nope" }))).toMatchObject({ code: "AUTH_FAILED", summary: "the login was refused", details: { reply: "535 5.7.8 Authentication credentials invalid", command: "AUTH" } });
    s.close();
  });

  it("implicit TLS, the transcript's TLS line, the local address, order of use, and close", async () => {
    const implicit = await serve({ implicitTls: true, handlers: { EHLO: () => "250-fake.test\r\n250 AUTH PLAIN\r\n" } });
    const transcript = new Transcript();
    const s = await SmtpSession.open({ ...target(implicit), security: "tls" }, transcript, quick());
    expect(s.localAddress).toBe("127.0.0.1");
    expect(s.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(transcript.entries.find((e) => e.dir === "info" && e.text.startsWith("TLS established"))?.text).toBe(`TLS established: ${s.tls!.protocol}, ${s.tls!.cipher}`);
    await s.login(["PLAIN"], { user: "user@internal.test", secret: "correct horse" });
    s.close();
    await expect(s.command("NOOP")).rejects.toMatchObject({ code: "PROTOCOL_ERROR" });
    // Steps out of order are a bug in the caller, said as such.
    const plain = await serve();
    const early = await SmtpSession.connect(target(plain), new Transcript(), quick());
    await early.greet();
    expect(await failureOf(early.startTls())).toMatchObject({ code: "INTERNAL", message: "EHLO must come before this step" });
    early.close();
    const bad = await failureOf(SmtpSession.connect({ ...target(plain), caPem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }, new Transcript(), quick()));
    expect(bad).toMatchObject({ code: "BAD_INPUT", message: "the organisation's root certificate is not a valid PEM certificate" });
  });

  it("names a CA of several parts on one line in the certificate step", async () => {
    const { createRootCa, issueServerCert: issue } = await import("../helpers/org.js");
    const multi = await createRootCa("Multi Root, O=Example Org");
    const server = await serve({}, await issue(multi, ["127.0.0.1"]));
    const s = await SmtpSession.open({ host: "127.0.0.1", port: server.port, caPem: multi.certPem, security: "starttls" }, new Transcript(), quick());
    expect(s.caSubject).toBe("CN=Multi Root, O=Example Org");
    s.close();
  });
});
