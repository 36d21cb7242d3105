// The submission test: the exact path a mail client takes to the relay, driven through the one SMTP
// session (src/smtp/session.ts) and recorded as steps — greeting, EHLO, STARTTLS (or implicit TLS),
// certificate, EHLO again, AUTH with an allowed mechanism, then MAIL/RCPT to prove relay
// permission, and RSET/QUIT. DATA is never sent. No credential byte leaves before the certificate
// is accepted (the session's login() checks it again).
import { requireEmailAddress } from "../address.js";
import type { SaslMechanism } from "../config/mechanisms.js";
import { RelayError, asRelayError } from "../errors.js";
import type { Deadline } from "../smtp/connection.js";
import type { Credentials } from "../smtp/sasl.js";
import { failure, replyLine, SmtpSession } from "../smtp/session.js";
import type { TlsInfo } from "../smtp/tlsCheck.js";
import { Transcript, type TranscriptEntry } from "../smtp/transcript.js";
import { StepRecorder, type CheckResult } from "./steps.js";

export const RESERVED_EXTERNAL_RECIPIENT = "relay-probe@example.com";
const CERT_WARN_DAYS = 30;

export interface SubmissionOptions {
  host: string;
  port: number;
  security: "starttls" | "tls";
  /** The pinned org root (PEM): the only trust anchor. */
  caPem: string;
  mechanisms: readonly SaslMechanism[];
  credentials?: Credentials;
  /** Envelope sender; defaults to the user when it is an address. */
  from?: string;
  /** An address in the org's own domain (the user's own address is a good one). */
  internalRecipient?: string;
  externalRecipient?: string;
  stepTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** Cancels the test: the connection closes at once. */
  signal?: AbortSignal;
  /** Shared with a surrounding diagnosis so all steps sit on one timeline. */
  recorder?: StepRecorder;
  transcript?: Transcript;
}

export interface SubmissionResult {
  checks: CheckResult[];
  tls?: TlsInfo;
  transcript: TranscriptEntry[];
  failure?: RelayError;
}

/** User-typed fields go on the wire: refused before anything touches the network. */
export function checkUserInput(options: Pick<SubmissionOptions, "credentials" | "from" | "internalRecipient" | "externalRecipient">): void {
  if (options.credentials && /[\r\n\0]/.test(options.credentials.user)) throw new RelayError("BAD_INPUT", "the user name contains a line break or NUL character");
  if (options.from !== undefined) requireEmailAddress(options.from, "sender address");
  if (options.internalRecipient !== undefined) requireEmailAddress(options.internalRecipient, "internal recipient");
  if (options.externalRecipient !== undefined) requireEmailAddress(options.externalRecipient, "external recipient");
  if (options.credentials && options.credentials.secret.length === 0) throw new RelayError("BAD_INPUT", "the password is empty");
  if (options.credentials && options.from === undefined) {
    requireEmailAddress(options.credentials.user, "login name (give the sender address, --from, when the login is not an address)");
  }
}

const PLANNED: Array<[string, string]> = [
  ["auth", "Log in (AUTH)"],
  ["mail-from", "Sender (MAIL FROM)"],
  ["rcpt-internal", "Internal recipient (RCPT TO)"],
  ["rcpt-external", "Relay to an outside recipient (RCPT TO)"],
  ["quit", "End the session (RSET, QUIT)"],
];

export async function runSubmissionTest(options: SubmissionOptions): Promise<SubmissionResult> {
  const transcript = options.transcript ?? new Transcript();
  const steps = options.recorder ?? new StepRecorder();
  const deadline: Deadline = {
    overallAt: performance.now() + (options.totalTimeoutMs ?? 30_000),
    stepMs: options.stepTimeoutMs ?? 10_000,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const firstCheck = steps.results.length;
  let session: SmtpSession | undefined;
  const result = (failure?: RelayError): SubmissionResult => ({
    checks: steps.results.slice(firstCheck),
    // A copy: the goodbye's replies may still arrive, and a report does not change after it is made.
    transcript: [...transcript.entries],
    ...(session?.tls ? { tls: session.tls } : {}),
    ...(failure ? { failure } : {}),
  });
  // Steps still to come once the session is secure: skipped, not silently missing, if one fails.
  const planned: Array<[string, string]> = [];
  const step = async (id: string, title: string, body: Parameters<StepRecorder["run"]>[2]) => {
    if (planned[0]?.[0] === id) planned.shift();
    await steps.run(id, title, body);
  };
  try {
    checkUserInput(options);
    const { host, port, security } = options;
    await step("connect", `Connect to ${host} port ${port}`, async () => {
      session = await SmtpSession.connect(options, transcript, deadline);
      return `connected from ${session.localAddress ?? "?"}`;
    });
    const s = session!;
    const tlsSteps = async (title: string) => {
      await step("tls", title, async () => {
        const tls = await s.handshake();
        return `${tls.protocol}, ${tls.cipher}`;
      });
      await step("certificate", "Server certificate", () => certificateOutcome(s));
    };
    const ehlo = (id: string, title: string) =>
      step(id, title, async () => {
        const caps = await s.ehlo();
        return `${caps.keywords.length} extensions${caps.auth.length ? `, AUTH ${caps.auth.join(" ")}` : ""}${caps.starttls ? ", STARTTLS" : ""}`;
      });

    if (security === "tls") await tlsSteps("TLS handshake (implicit TLS)");
    await step("greeting", "Server greeting", async () => replyLine(await s.greet()));
    await ehlo("ehlo", "EHLO");
    if (security === "starttls") {
      await step("starttls", "Start encryption (STARTTLS)", async () => replyLine(await s.startTls()));
      await tlsSteps("TLS handshake");
      // The pre-TLS capabilities were discarded: only what the server says inside TLS counts.
      await ehlo("ehlo-tls", "EHLO inside TLS");
    }

    planned.push(...PLANNED);
    if (!options.credentials) {
      // Without a password the verdict can be a warning at best: a login not tried never passes.
      await step("auth-offered", "Login offered", () => {
        const usable = options.mechanisms.filter((m) => s.caps?.auth.includes(m));
        s.chooseMechanism(options.mechanisms);
        return { status: "warn", code: "LOGIN_NOT_TESTED", message: `login is offered (usable: ${usable.join(", ")}), but was not tested: no password was given` };
      });
      for (const [id, title] of planned.splice(0)) steps.skip(id, title, "no password given: login and relay were not tested");
      s.goodbye();
      return result();
    }

    const creds = options.credentials;
    await step("auth", "Log in (AUTH)", async () => `logged in as ${creds.user} with ${await s.login(options.mechanisms, creds)}`);

    const sender = options.from ?? creds.user; // checkUserInput made sure one of them is an address
    const internal = options.internalRecipient ?? sender;
    const external = options.externalRecipient ?? RESERVED_EXTERNAL_RECIPIENT;
    const replies = s.caps?.pipelining
      ? await s.commands([[`MAIL FROM:<${sender}>`, "MAIL FROM"], [`RCPT TO:<${internal}>`, "RCPT TO (internal)"], [`RCPT TO:<${external}>`, "RCPT TO (external)"]])
      : [];
    // Without PIPELINING each command is sent when its step runs.
    const replyAt = async (i: number, line: string, what: string) => replies[i] ?? (await s.command(line, what));
    await step("mail-from", "Sender (MAIL FROM)", async () => {
      const r = await replyAt(0, `MAIL FROM:<${sender}>`, "MAIL FROM");
      if (r.code !== 250) throw failure("SENDER_REJECTED", `MAIL FROM:<${sender}> was refused`, r, "MAIL FROM");
      return replyLine(r);
    });
    await step("rcpt-internal", "Internal recipient (RCPT TO)", async () => {
      const r = await replyAt(1, `RCPT TO:<${internal}>`, "RCPT TO (internal)");
      if (r.code !== 250 && r.code !== 251) throw failure("RELAY_DENIED", `even the internal recipient <${internal}> was refused`, r, "RCPT TO");
      return replyLine(r);
    });
    await step("rcpt-external", "Relay to an outside recipient (RCPT TO)", async () => {
      const r = await replyAt(2, `RCPT TO:<${external}>`, "RCPT TO (external)");
      if (r.code !== 250 && r.code !== 251) throw failure("RELAY_DENIED", `relaying to <${external}> was refused${r.code < 500 ? " (temporarily)" : ""}`, r, "RCPT TO");
      return `${replyLine(r)} (no message was sent)`;
    });
    await step("quit", "End the session (RSET, QUIT)", () => {
      s.goodbye();
      return Promise.resolve("RSET and QUIT sent (the verdict does not wait for their replies): no message was sent");
    });
    return result();
  } catch (err) {
    const failed = asRelayError(err);
    // A failure outside any step must still show as a failed check, or the verdict would say "pass".
    if (!steps.results.slice(firstCheck).some((c) => c.status === "fail")) steps.fail("session", "Submission test", failed);
    for (const [id, title] of planned) steps.skip(id, title, "not tested: an earlier step failed");
    session?.close();
    return result(failed);
  }
}

async function certificateOutcome(session: SmtpSession) {
  const { host } = session.target;
  const leaf = (await session.verifyCertificate()).chain[0];
  const daysLeft = leaf ? Math.floor((Date.parse(leaf.notAfter) - Date.now()) / 86_400_000) : Infinity;
  if (daysLeft < CERT_WARN_DAYS) {
    return { status: "warn" as const, code: "CERT_EXPIRING" as const, message: `valid for ${host}, issued by your organisation, but expires in ${daysLeft} day(s) (${leaf?.notAfter}); IT should renew it` };
  }
  return `valid for ${host}, issued by your organisation (${session.caSubject}), expires ${leaf?.notAfter ?? "?"}`;
}
