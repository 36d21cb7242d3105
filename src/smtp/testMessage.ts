// "Send me a test message": the one place Relay Onboard sends real mail, only when the user asks,
// and only to the user's own address. Same strict path as the submission test (org root only,
// configured host name, TLS before any credential), then DATA with a short plain-text message.
import { randomBytes } from "node:crypto";
import { requireEmailAddress } from "../address.js";
import type { SaslMechanism } from "../config/mechanisms.js";
import type { Credentials } from "./sasl.js";
import { failure, replyLine, SmtpSession } from "./session.js";
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
  requireEmailAddress(options.email, "email address");
  const transcript = new Transcript();
  const deadline = { overallAt: performance.now() + (options.timeoutMs ?? 30_000), stepMs: 10_000 };
  const session = await SmtpSession.open(options, transcript, deadline);
  try {
    await session.login(options.mechanisms, options.credentials);
    const expect = async (line: string, expected: number, code: "SENDER_REJECTED" | "RELAY_DENIED" | "PROTOCOL_ERROR") => {
      const command = line.split(":")[0]!;
      const reply = await session.command(line, command);
      if (reply.code !== expected) throw failure(code, `${command} was not accepted`, reply, command);
    };
    await expect(`MAIL FROM:<${options.email}>`, 250, "SENDER_REJECTED");
    await expect(`RCPT TO:<${options.email}>`, 250, "RELAY_DENIED");
    await expect("DATA", 354, "PROTOCOL_ERROR");
    session.conn.sendMany(testMessageLines(options.email, options.organization, options.now ?? new Date()));
    const done = await session.conn.readReply({ what: "the end of the message" });
    if (done.code !== 250) throw failure("RELAY_DENIED", "the message was refused", done, "DATA");
    await session.command("QUIT").catch(() => undefined);
    return { reply: replyLine(done) };
  } finally {
    session.close();
  }
}
