// Exchanges shared by the submission test and the audit: EHLO, the TLS handshake, reply display.
import type { TLSSocket } from "node:tls";
import { RelayError } from "../errors.js";
import { parseEhlo, type Capabilities } from "./capabilities.js";
import type { SmtpConnection } from "./connection.js";
import type { Reply } from "./reply.js";
import { handshakeError, judgeCertificate, tlsOptions } from "./tlsCheck.js";

/** The last line of a reply with its code, as shown in reports. */
export function replyLine(reply: Reply): string {
  return `${reply.code} ${reply.lines[reply.lines.length - 1] ?? ""}`.trim();
}

/** An address literal for EHLO: it reveals nothing the server does not already see (RFC 5321 §4.1.3). */
export function ehloName(localAddress: string | undefined): string {
  if (!localAddress) return "[127.0.0.1]";
  const v4 = localAddress.replace(/^::ffff:/, "");
  return /^[\d.]+$/.test(v4) ? `[${v4}]` : `[IPv6:${localAddress}]`;
}

export async function sayEhlo(conn: SmtpConnection): Promise<Capabilities> {
  conn.send(`EHLO ${ehloName(conn.localAddress)}`);
  const reply = await conn.readReply({ what: "EHLO" });
  if (reply.code !== 250) throw new RelayError("PROTOCOL_ERROR", `the server refused EHLO: ${replyLine(reply)}`);
  return parseEhlo(reply);
}

/** Runs the TLS handshake with the org root as the only anchor; the certificate is judged by the caller. */
export async function handshake(conn: SmtpConnection, host: string, caPem: string): Promise<TLSSocket> {
  try {
    return await conn.startTls(tlsOptions(host, caPem));
  } catch (err) {
    throw handshakeError(err);
  }
}

/**
 * STARTTLS on a connection whose EHLO offered it: the 220, the response-injection check, the
 * handshake, and the certificate judged against the org root and the configured host. Returns the
 * capabilities announced inside TLS (the only ones that count).
 */
export async function secureWithStartTls(conn: SmtpConnection, caps: Capabilities, host: string, caPem: string, caSubject: string): Promise<Capabilities> {
  if (!caps.starttls) throw new RelayError("STARTTLS_NOT_OFFERED", "the server does not offer STARTTLS");
  conn.send("STARTTLS");
  const reply = await conn.readReply({ what: "STARTTLS" });
  if (reply.code !== 220) throw new RelayError("STARTTLS_REFUSED", `STARTTLS was answered ${replyLine(reply)}`);
  if (conn.pendingBytes() > 0) throw new RelayError("RESPONSE_INJECTION", "bytes arrived after the 220 to STARTTLS and before TLS started");
  await secureImplicit(conn, host, caPem, caSubject);
  return sayEhlo(conn);
}

/** The handshake and the certificate judgement (implicit TLS, or the second half of STARTTLS). */
export async function secureImplicit(conn: SmtpConnection, host: string, caPem: string, caSubject: string): Promise<void> {
  const socket = await handshake(conn, host, caPem);
  const problem = judgeCertificate(socket, host, caSubject);
  if (problem) throw problem;
}
