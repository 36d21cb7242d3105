// "Send me a test message": the one place Relay Onboard sends real mail, only when the user asks,
// and only to the user's own address. Same strict path as the submission test (org root only,
// configured host name, TLS before any credential), then DATA with a short plain-text message.
import { randomBytes } from "node:crypto";
import { X509Certificate } from "node:crypto";
import type { SaslMechanism } from "../config/mechanisms.js";
import { RelayError } from "../errors.js";
import { replyLine, sayEhlo, secureImplicit, secureWithStartTls } from "./commands.js";
import { SmtpConnection } from "./connection.js";
import { authenticate, type Credentials } from "./sasl.js";
import { Transcript } from "./transcript.js";

export interface TestMessageOptions {
  host: string;
  port: number;
  security: "starttls" | "tls";
  caPem: string;
  mechanisms: readonly SaslMechanism[];
  credentials: Credentials;
  /** Sender and the only recipient. */
  email: string;
  organization: string;
  now?: Date;
  timeoutMs?: number;
}

/** The message as lines, dot-stuffed (RFC 5321 §4.5.2), ending with the lone "." that ends DATA. */
export function testMessageLines(email: string, organization: string, now: Date): string[] {
  const domain = email.slice(email.lastIndexOf("@") + 1);
  const text = [
    `From: <${email}>`,
    `To: <${email}>`,
    `Subject: Relay Onboard test message`,
    `Date: ${now.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${randomBytes(12).toString("hex")}@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    `This message was sent by Relay Onboard, at your request, through ${organization}'s secure relay.`,
    "If you can read it, your mail app can send mail.",
  ];
  return [...text.map((line) => (line.startsWith(".") ? `.${line}` : line)), "."];
}

export async function sendTestMessage(options: TestMessageOptions): Promise<{ reply: string }> {
  if (/[\r\n\0<>]/.test(options.email)) throw new RelayError("BAD_INPUT", "the address contains characters that cannot be used");
  const transcript = new Transcript();
  const deadline = { overallAt: performance.now() + (options.timeoutMs ?? 30_000), stepMs: 10_000 };
  const conn = await SmtpConnection.open(options.host, options.port, transcript, deadline);
  const caSubject = new X509Certificate(options.caPem).subject.replace(/\n/g, ", ");
  try {
    if (options.security === "tls") await secureImplicit(conn, options.host, options.caPem, caSubject);
    const greeting = await conn.readReply({ what: "the greeting", timeoutCode: "GREETING_TIMEOUT" });
    if (greeting.code !== 220) throw new RelayError("PROTOCOL_ERROR", `the greeting was ${replyLine(greeting)}`);
    let caps = await sayEhlo(conn);
    if (options.security === "starttls") caps = await secureWithStartTls(conn, caps, options.host, options.caPem, caSubject);
    const mechanism = options.mechanisms.find((m) => caps.auth.includes(m));
    if (!mechanism) throw new RelayError("AUTH_MECHANISM_UNAVAILABLE", "none of the allowed login methods is offered");
    const auth = await authenticate(conn, mechanism, options.credentials);
    if (auth.code !== 235) throw new RelayError("AUTH_FAILED", `the login was refused: ${replyLine(auth)}`);
    const step = async (line: string, expected: number, code: "SENDER_REJECTED" | "RELAY_DENIED" | "PROTOCOL_ERROR") => {
      conn.send(line);
      const reply = await conn.readReply({ what: line.split(":")[0]! });
      if (reply.code !== expected) throw new RelayError(code, `${line.split(":")[0]} was answered ${replyLine(reply)}`);
      return reply;
    };
    await step(`MAIL FROM:<${options.email}>`, 250, "SENDER_REJECTED");
    await step(`RCPT TO:<${options.email}>`, 250, "RELAY_DENIED");
    await step("DATA", 354, "PROTOCOL_ERROR");
    conn.sendMany(testMessageLines(options.email, options.organization, options.now ?? new Date()));
    const done = await conn.readReply({ what: "the end of the message" });
    if (done.code !== 250) throw new RelayError("RELAY_DENIED", `the message was refused: ${replyLine(done)}`);
    conn.send("QUIT");
    await conn.readReply({ what: "QUIT" }).catch(() => undefined);
    return { reply: replyLine(done) };
  } finally {
    conn.destroy();
  }
}
