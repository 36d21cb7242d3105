// `relay-onboard audit`: the organisation's mail policy, checked from outside.
//  - inbound server (MX, anonymous): accepts mail for the org's domains, relays nothing else;
//  - secure relay: refuses AUTH and MAIL before TLS, refuses relaying without a login, and (with
//    credentials) relays for the user;
//  - optionally, the STARTTLS command-injection class (CVE-2011-0411).
// No credentials are ever sent before TLS: the pre-TLS AUTH probe sends only "AUTH LOGIN" and
// cancels; DATA is never sent.
import type { SaslMechanism } from "../config/mechanisms.js";
import { RelayError } from "../errors.js";
import type { Deadline } from "../smtp/connection.js";
import type { Reply } from "../smtp/reply.js";
import type { Credentials } from "../smtp/sasl.js";
import { replyLine, SmtpSession } from "../smtp/session.js";
import { Transcript } from "../smtp/transcript.js";
import { verdictOf, type Report } from "./report.js";
import { StepRecorder } from "./steps.js";
import { runSubmissionTest } from "./submission.js";
import { isoWithOffset } from "../time.js";

export interface AuditOptions {
  inbound?: { host: string; port: number };
  relay?: { host: string; port: number; security: "starttls" | "tls" };
  caPem: string;
  orgDomains: readonly string[];
  externalRecipient: string;
  mechanisms: readonly SaslMechanism[];
  credentials?: Credentials;
  from?: string;
  injectionProbe?: boolean;
  timeoutMs?: number;
  version: string;
}

const line = replyLine;
const ANONYMOUS_SENDER = "relay-onboard-audit@example.com";

export async function runAudit(options: AuditOptions): Promise<Report> {
  const startedAt = isoWithOffset(new Date());
  const origin = performance.now();
  const transcript = new Transcript(origin);
  const steps = new StepRecorder(origin);
  const totalMs = options.timeoutMs ?? 60_000;
  const deadline: Deadline = { overallAt: origin + totalMs, stepMs: Math.min(10_000, totalMs) };
  const orgDomain = options.orgDomains[0] ?? "invalid";

  /** Connected, TLS first for implicit TLS, greeted, EHLO said (STARTTLS is left to the caller). */
  const open = async (host: string, port: number, tls: boolean): Promise<SmtpSession> => {
    const session = await SmtpSession.connect({ host, port, caPem: options.caPem }, transcript, deadline);
    try {
      if (tls) await session.secure("tls");
      await session.greet();
      await session.ehlo();
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  };
  const close = async (s: SmtpSession | undefined) => {
    // The policy result is what matters; a rude goodbye is not a finding.
    await s?.command("QUIT").catch(() => undefined);
    s?.close();
  };
  /** Sends MAIL FROM and RCPT TO; returns the RCPT reply, or the MAIL reply if that was refused. */
  const tryRelay = async (s: SmtpSession, from: string, to: string): Promise<{ mail: Reply; rcpt?: Reply }> => {
    const mail = await s.command(`MAIL FROM:<${from}>`, "MAIL FROM");
    if (mail.code !== 250) return { mail };
    const rcpt = await s.command(`RCPT TO:<${to}>`, "RCPT TO");
    await s.command("RSET");
    return { mail, rcpt };
  };
  const section = async (body: () => Promise<void>) => {
    try {
      await body();
    } catch {
      // The failing check is recorded; the next section still runs.
    }
  };

  if (options.inbound) {
    const { host, port } = options.inbound;
    let s: SmtpSession | undefined;
    await section(async () => {
      await steps.run("inbound-connect", `Inbound server ${host} port ${port}`, async () => {
        s = await open(host, port, false);
        return "connected and greeted";
      });
      await steps.run("inbound-own-domain", `Inbound accepts mail for ${orgDomain}`, async () => {
        const r = await tryRelay(s!, ANONYMOUS_SENDER, `postmaster@${orgDomain}`);
        const answer = r.rcpt ?? r.mail;
        if (answer.code === 250 || answer.code === 251) return `accepted: ${line(answer)}`;
        return { status: "warn", code: "RELAY_DENIED", message: `the inbound server refused mail for its own domain: ${line(answer)}` };
      });
      await steps.run("inbound-no-relay", "Inbound refuses to relay for anonymous senders", async () => {
        const r = await tryRelay(s!, ANONYMOUS_SENDER, options.externalRecipient);
        if (r.rcpt && r.rcpt.code >= 200 && r.rcpt.code < 300) {
          throw new RelayError("OPEN_RELAY", `the inbound server accepted <${options.externalRecipient}> from an anonymous sender: ${line(r.rcpt)}`);
        }
        return `refused: ${line(r.rcpt ?? r.mail)}`;
      });
    });
    await close(s);
  }

  if (options.relay) {
    const { host, port, security } = options.relay;
    let s: SmtpSession | undefined;
    await section(async () => {
      await steps.run("relay-connect", `Relay ${host} port ${port}`, async () => {
        s = await open(host, port, security === "tls");
        return security === "tls" ? "connected with implicit TLS" : "connected and greeted";
      });
      if (security === "starttls") {
        await steps.run("relay-auth-before-tls", "Relay refuses AUTH before TLS", async () => {
          // Only the mechanism name is sent, then the exchange is cancelled: no credential is involved.
          const r = await s!.command("AUTH LOGIN", "AUTH before TLS");
          if (r.code === 334) {
            await s!.command("*", "the cancelled AUTH");
            throw new RelayError("TLS_NOT_REQUIRED", "the relay started a login before TLS (it answered AUTH LOGIN with 334): passwords could travel in clear text");
          }
          return `refused: ${line(r)}${s!.caps?.auth.length ? " (AUTH is advertised before TLS, but not usable)" : ""}`;
        });
        await steps.run("relay-mail-before-tls", "Relay refuses mail before TLS", async () => {
          const r = await tryRelay(s!, `postmaster@${orgDomain}`, options.externalRecipient);
          if (r.mail.code === 250) throw new RelayError("TLS_NOT_REQUIRED", `the relay accepted MAIL FROM before TLS: ${line(r.mail)}`);
          return `refused: ${line(r.mail)}`;
        });
        await steps.run("relay-starttls", "Relay starts TLS", async () => {
          await s!.secure("starttls");
          await s!.ehlo();
          return "TLS established; certificate issued by your organisation";
        });
      }
      await steps.run("relay-no-anonymous-relay", "Relay refuses to relay without a login", async () => {
        const r = await tryRelay(s!, `postmaster@${orgDomain}`, options.externalRecipient);
        if (r.rcpt && r.rcpt.code >= 200 && r.rcpt.code < 300) {
          throw new RelayError("AUTH_NOT_REQUIRED", `the relay accepted <${options.externalRecipient}> without a login: ${line(r.rcpt)}`);
        }
        return `refused: ${line(r.rcpt ?? r.mail)}`;
      });
    });
    await close(s);

    if (options.credentials) {
      const remainingMs = Math.max(1000, deadline.overallAt - performance.now());
      await runSubmissionTest({
        host, port, security, caPem: options.caPem, mechanisms: options.mechanisms, credentials: options.credentials,
        externalRecipient: options.externalRecipient, internalRecipient: `postmaster@${orgDomain}`,
        ...(options.from ? { from: options.from } : {}),
        recorder: steps, transcript, totalTimeoutMs: remainingMs, stepTimeoutMs: deadline.stepMs,
      });
    }

    if (options.injectionProbe && security === "starttls") {
      let probe: SmtpSession | undefined;
      await section(async () => {
        await steps.run("relay-starttls-injection", "Relay ignores commands injected before TLS (CVE-2011-0411)", async () => {
          probe = await open(host, port, false);
          if (!probe.caps?.starttls) throw new RelayError("STARTTLS_NOT_OFFERED", "the relay does not offer STARTTLS");
          // The injection itself: NOOP in the same write as STARTTLS, before TLS.
          probe.conn.sendMany(["STARTTLS", "NOOP"]);
          const reply = await probe.conn.readReply({ what: "STARTTLS" });
          // Refusing STARTTLS sent with a command behind it (no PIPELINING) is the safe answer:
          // nothing can be carried into TLS.
          if (reply.code !== 220) return `the relay refused STARTTLS with a command behind it (${line(reply)}): nothing sent before TLS is executed inside it`;
          await probe.handshake();
          await probe.verifyCertificate();
          // A vulnerable server answers the NOOP it buffered before TLS, inside TLS, unasked.
          const unsolicited = await probe.conn.readReply({ what: "an unsolicited reply", withinMs: 1500 }).then(
            (r) => r,
            () => undefined,
          );
          if (unsolicited) throw new RelayError("RESPONSE_INJECTION", `the relay executed a command sent before TLS and answered it inside TLS (${line(unsolicited)})`);
          return "no reply to the injected NOOP arrived inside TLS";
        });
      });
      probe?.close();
    }
  }

  const target = options.relay ?? { ...(options.inbound ?? { host: "?", port: 0 }), security: "starttls" as const };
  return {
    tool: { name: "relay-onboard", version: options.version },
    startedAt,
    finishedAt: isoWithOffset(new Date()),
    target: { host: target.host, port: target.port, security: target.security },
    ...verdictOf(steps.results),
    checks: steps.results,
    transcript: transcript.entries,
  };
}
