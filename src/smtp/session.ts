// The one SMTP client session, used by the submission test, the audit and the test message:
// connect, greeting, EHLO, STARTTLS with the response-injection check, the TLS handshake with the
// org root as the only anchor, the certificate judged against the pin and the configured name,
// EHLO again, AUTH through the mechanism objects, and envelope commands. Each phase is a method so
// a caller can record it as a step, or put its own probes between phases (the audit does).
import { pemCertificates } from "../certs/pem.js";
import type { SaslMechanism } from "../config/mechanisms.js";
import { RelayError, type FailureCode } from "../errors.js";
import { isMaskedBanner, parseEhlo, type Capabilities } from "./capabilities.js";
import { SmtpConnection, type Deadline } from "./connection.js";
import type { Reply } from "./reply.js";
import { MECHANISMS, type Credentials } from "./sasl.js";
import { handshakeError, judgeCertificate, nameIssuerKey, tlsInfo, tlsOptions, type TlsInfo } from "./tlsCheck.js";
import type { Transcript } from "./transcript.js";

/** More 334 challenges than any mechanism we speak needs: a server looping on 334 is cut off. */
const MAX_CHALLENGES = 4;

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

export interface SessionTarget {
  host: string;
  port: number;
  /** The pinned org root (PEM): the only trust anchor. */
  caPem: string;
}

export class SmtpSession {
  /** Capabilities from the latest EHLO (after TLS, only those said inside TLS). */
  caps: Capabilities | undefined;
  greeting: Reply | undefined;
  tls: TlsInfo | undefined;

  private constructor(
    readonly conn: SmtpConnection,
    readonly target: SessionTarget,
    /** The org root's subject, for messages that name it. */
    readonly caSubject: string,
  ) {}

  /**
   * Opens the TCP connection. The org root is parsed first, so a bad PEM is refused before any
   * socket exists.
   */
  static async connect(target: SessionTarget, transcript: Transcript, deadline: Deadline): Promise<SmtpSession> {
    let caSubject: string;
    try {
      caSubject = pemCertificates(target.caPem).map((c) => c.subject.replace(/\n/g, ", ")).join(" or ");
    } catch {
      throw new RelayError("BAD_INPUT", "the organisation's root certificate is not a valid PEM certificate");
    }
    const conn = await SmtpConnection.open(target.host, target.port, transcript, deadline);
    return new SmtpSession(conn, target, caSubject);
  }

  get localAddress(): string | undefined {
    return this.conn.localAddress;
  }

  /** Reads the 220 greeting; 554/421 mean the server refuses service. */
  async greet(): Promise<Reply> {
    const greeting = await this.conn.readReply({ what: "the greeting", timeoutCode: "GREETING_TIMEOUT" });
    this.greeting = greeting;
    if (greeting.code === 554 || greeting.code === 421) throw failure("CONNECT_REFUSED", "the server refused service", greeting, "greeting");
    if (greeting.code !== 220) throw failure("PROTOCOL_ERROR", "the greeting was not 220", greeting, "greeting");
    return greeting;
  }

  async ehlo(): Promise<Capabilities> {
    this.conn.send(`EHLO ${ehloName(this.conn.localAddress)}`);
    const reply = await this.conn.readReply({ what: "EHLO" });
    if (reply.code !== 250) throw failure("PROTOCOL_ERROR", "the server refused EHLO", reply, "EHLO");
    this.caps = parseEhlo(reply);
    return this.caps;
  }

  /**
   * STARTTLS on a server whose EHLO offered it: the 220, then the injection check — anything
   * already received was sent before TLS and would be read as if it came inside it.
   */
  async startTls(): Promise<Reply> {
    const caps = this.requireCaps();
    if (!caps.starttls) {
      if (caps.masked.length > 0 || (this.greeting && isMaskedBanner(this.greeting))) {
        const where = caps.masked.length ? `EHLO shows ${caps.masked.join(", ")}` : "the greeting is asterisks";
        throw new RelayError("STARTTLS_STRIPPED", `STARTTLS is masked on the way (${where}): a firewall is inspecting SMTP`);
      }
      throw new RelayError("STARTTLS_NOT_OFFERED", "the server's EHLO does not offer STARTTLS");
    }
    this.conn.send("STARTTLS");
    const reply = await this.conn.readReply({ what: "STARTTLS" });
    if (reply.code !== 220) throw failure("STARTTLS_REFUSED", "STARTTLS was not answered with 220", reply, "STARTTLS");
    // Let bytes already in the socket's buffers be read, so an injection in the same segment or
    // the next one is seen before the handshake starts.
    await new Promise((resolve) => setImmediate(resolve));
    const pending = this.conn.pendingBytes();
    if (pending > 0) throw new RelayError("RESPONSE_INJECTION", `${pending} byte(s) arrived after the 220 to STARTTLS and before TLS started`, { command: "STARTTLS" });
    return reply;
  }

  /**
   * The TLS handshake with the org root as the only anchor (implicit TLS, or after startTls()).
   * Nothing said before survives: the capabilities are discarded, EHLO must be sent again.
   */
  async handshake(): Promise<TlsInfo> {
    try {
      const socket = await this.conn.startTls(tlsOptions(this.target.host, this.target.caPem));
      this.caps = undefined;
      this.tls = tlsInfo(socket);
    } catch (err) {
      throw handshakeError(err);
    }
    this.conn.transcript.add("info", `TLS established: ${this.tls.protocol}, ${this.tls.cipher}`);
    return this.tls;
  }

  /** Throws unless the certificate chains to the org root and is valid for the configured host. */
  async verifyCertificate(): Promise<TlsInfo> {
    const socket = this.conn.tlsSocket;
    if (!socket || !this.tls) throw new RelayError("TLS_HANDSHAKE_FAILED", "no TLS session");
    const problem = judgeCertificate(socket, this.target.host, this.caSubject);
    if (problem?.code === "CERT_UNTRUSTED") await nameIssuerKey(socket, this.tls);
    if (problem) throw problem;
    return this.tls;
  }

  /** The TLS phase of either mode, judged: after it, credentials may be sent. */
  async secure(security: "starttls" | "tls"): Promise<void> {
    if (security === "starttls") await this.startTls();
    await this.handshake();
    await this.verifyCertificate();
  }

  /** Connect, TLS as configured, greeting and EHLO: a session ready for AUTH. */
  static async open(target: SessionTarget & { security: "starttls" | "tls" }, transcript: Transcript, deadline: Deadline): Promise<SmtpSession> {
    const session = await SmtpSession.connect(target, transcript, deadline);
    try {
      if (target.security === "tls") await session.secure("tls");
      await session.greet();
      await session.ehlo();
      if (target.security === "starttls") {
        await session.secure("starttls");
        await session.ehlo();
      }
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  /** The first allowed mechanism the server offers, or why there is none. */
  chooseMechanism(allowed: readonly SaslMechanism[]): SaslMechanism {
    const caps = this.requireCaps();
    if (caps.auth.length === 0) throw new RelayError("AUTH_NOT_OFFERED", "the server offers no AUTH inside TLS");
    const mechanism = allowed.find((m) => caps.auth.includes(m));
    if (!mechanism) throw new RelayError("AUTH_MECHANISM_UNAVAILABLE", `the server offers ${caps.auth.join(", ")}; allowed are ${allowed.join(", ")}`);
    return mechanism;
  }

  /**
   * Logs in with the first allowed mechanism the server offers. Only on a TLS session whose
   * certificate was accepted: the invariant is checked here, not left to the caller.
   */
  async login(allowed: readonly SaslMechanism[], creds: Credentials): Promise<SaslMechanism> {
    await this.verifyCertificate();
    const mechanism = this.chooseMechanism(allowed);
    const reply = await this.authenticate(mechanism, creds);
    if (reply.code === 235) return mechanism;
    if (reply.code === 504 || reply.code === 534) throw failure("AUTH_MECHANISM_UNAVAILABLE", `${mechanism} was refused`, reply, "AUTH");
    throw failure("AUTH_FAILED", "the login was refused", reply, "AUTH");
  }

  /** The generic challenge loop; returns the server's final reply. The connection redacts every client line. */
  async authenticate(mechanism: SaslMechanism, creds: Credentials): Promise<Reply> {
    const exchange = MECHANISMS[mechanism](creds);
    this.conn.send(exchange.initial === undefined ? `AUTH ${mechanism}` : `AUTH ${mechanism} ${exchange.initial}`);
    let cancelled = false;
    for (let round = 0; ; round++) {
      const reply = await this.conn.readReply({ what: `AUTH ${mechanism}` });
      if (reply.code !== 334) return reply;
      if (cancelled) throw failure("PROTOCOL_ERROR", "the server went on with AUTH after it was cancelled", reply, "AUTH");
      const response = round < MAX_CHALLENGES ? await exchange.respond(Buffer.from(reply.lines[0] ?? "", "base64")) : undefined;
      // "*" cancels the exchange (RFC 4954 §4): the server must answer with a final reply.
      cancelled = response === undefined;
      this.conn.send(response ?? "*");
    }
  }

  /** One command and its reply. */
  async command(line: string, what = line.split(/[ :]/)[0]!): Promise<Reply> {
    this.conn.send(line);
    return this.conn.readReply({ what });
  }

  /** Several commands; in one write when the server offers PIPELINING. Replies in order. */
  async commands(lines: Array<[line: string, what: string]>): Promise<Reply[]> {
    if (!this.requireCaps().pipelining) {
      const replies: Reply[] = [];
      for (const [line, what] of lines) replies.push(await this.command(line, what));
      return replies;
    }
    this.conn.sendMany(lines.map(([line]) => line));
    const replies: Reply[] = [];
    for (const [, what] of lines) replies.push(await this.conn.readReply({ what }));
    return replies;
  }

  /**
   * RSET and QUIT once the verdict is known, without making anyone wait for their replies: sent
   * together under PIPELINING (else RSET, then QUIT after its reply), read in the background for at
   * most `boundMs`, then closed. The connection no longer keeps the process alive, so a CLI run ends
   * as soon as it has reported; a rude goodbye from the server is not a finding.
   */
  goodbye(boundMs = 2000): void {
    const pipelining = this.caps?.pipelining === true;
    if (pipelining) this.conn.sendMany(["RSET", "QUIT"]);
    else this.conn.send("RSET");
    this.conn.unref();
    void (async () => {
      try {
        await this.conn.readReply({ what: "RSET", withinMs: boundMs });
        if (!pipelining) this.conn.send("QUIT");
        await this.conn.readReply({ what: "QUIT", withinMs: boundMs });
      } catch {
        // The result is already known.
      } finally {
        this.close();
      }
    })();
  }

  /** RSET and QUIT, waiting for the replies (the audit's probes, which read what follows). */
  async quit(): Promise<void> {
    try {
      await this.commands([["RSET", "RSET"], ["QUIT", "QUIT"]]);
    } catch {
      // The result is already known.
    }
    this.close();
  }

  close(): void {
    this.conn.destroy();
  }

  private requireCaps(): Capabilities {
    if (!this.caps) throw new RelayError("INTERNAL", "EHLO must come before this step");
    return this.caps;
  }
}

/** A failure whose server reply is kept as a detail, not baked into the sentence. */
export function failure(code: FailureCode, summary: string, reply: Reply, command: string): RelayError {
  return new RelayError(code, summary, { reply: replyLine(reply), command });
}
