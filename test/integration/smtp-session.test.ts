// The one SMTP session on its own, against the scripted server: the paths the submission test does
// not reach by itself — servers without PIPELINING, refused service, a server that loops on 334,
// login attempted without an accepted certificate, the test message, and the EHLO name.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCert } from "../../src/certs/generate.js";
import type { Deadline } from "../../src/smtp/connection.js";
import { ehloName, replyLine, SmtpSession } from "../../src/smtp/session.js";
import { sendTestMessage } from "../../src/smtp/testMessage.js";
import { AUTH_MARKER, Transcript } from "../../src/smtp/transcript.js";
import { fakeSmtp, type FakeSmtp, type FakeSmtpOptions } from "../helpers/fakeSmtp.js";
import { issueServerCert, testCa } from "../helpers/org.js";

const EHLO_NO_PIPELINING = "250-fake.test\r\n250 AUTH PLAIN LOGIN\r\n";
let ca: IssuedCert;
let cert: { certPem: string; keyPem: string };
const servers: FakeSmtp[] = [];

beforeAll(async () => {
  ca = await testCa();
  cert = await issueServerCert(ca, ["127.0.0.1"]);
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const server = await fakeSmtp(options, cert);
  servers.push(server);
  return server;
}

const deadline = (): Deadline => ({ overallAt: performance.now() + 5000, stepMs: 1500 });
const target = (server: FakeSmtp) => ({ host: "127.0.0.1", port: server.port, caPem: ca.certPem, security: "starttls" as const });

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
    await expect(session.login(["PLAIN"], { user: "user@internal.test", secret: "correct horse" })).rejects.toMatchObject({ code: "TLS_HANDSHAKE_FAILED" });
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
    const base = { caPem: ca.certPem, host: "127.0.0.1", security: "starttls" as const, mechanisms: ["PLAIN"] as const, credentials: { user: "user@internal.test", secret: "correct horse" }, email: "user@internal.test", organization: "Org", timeoutMs: 5000 };
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
