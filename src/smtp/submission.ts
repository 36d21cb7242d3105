// The submission test: the exact path a mail client takes to the relay — greeting, EHLO,
// STARTTLS (or implicit TLS), certificate judged against the org root and the configured name,
// EHLO again, AUTH with an allowed mechanism, then MAIL/RCPT to prove relay permission, and
// RSET/QUIT. DATA is never sent. No credential byte leaves before the certificate is accepted.
import { X509Certificate } from "node:crypto";
import { RelayError } from "../errors.js";
import { StepRecorder, type CheckResult } from "../diagnostics/steps.js";
import type { SaslMechanism } from "../config/mechanisms.js";
import { isMaskedBanner, type Capabilities } from "./capabilities.js";
import { handshake, replyLine, sayEhlo } from "./commands.js";
import { SmtpConnection, type Deadline } from "./connection.js";
import type { Reply } from "./reply.js";
import { authenticate, type Credentials } from "./sasl.js";
import { judgeCertificate, tlsInfo, type TlsInfo } from "./tlsCheck.js";
import { Transcript, type TranscriptEntry } from "./transcript.js";

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

const ADDRESS = /^[^\s<>@]+@[^\s<>@]+$/;

/** User-typed fields go on the wire: CR, LF and NUL would let them inject commands. */
export function checkUserInput(options: SubmissionOptions): void {
  const fields: Array<[string, string | undefined]> = [
    ["user name", options.credentials?.user],
    ["sender address", options.from],
    ["internal recipient", options.internalRecipient],
    ["external recipient", options.externalRecipient],
  ];
  for (const [what, value] of fields) {
    if (value !== undefined && /[\r\n\0]/.test(value)) throw new RelayError("BAD_INPUT", `the ${what} contains a line break or NUL character`);
  }
  for (const [what, value] of fields.slice(1)) {
    if (value !== undefined && !ADDRESS.test(value)) throw new RelayError("BAD_INPUT", `the ${what} "${value}" is not an email address`);
  }
  if (options.credentials && options.credentials.secret.length === 0) throw new RelayError("BAD_INPUT", "the password is empty");
  if (options.credentials && options.from === undefined && !ADDRESS.test(options.credentials.user)) {
    throw new RelayError("BAD_INPUT", "the login name is not an email address: give the sender address (--from) for the relay test");
  }
}

function expect2xx(reply: Reply, code: number, fail: () => RelayError): void {
  if (reply.code !== code) throw fail();
}

const oneLine = replyLine;

export async function runSubmissionTest(options: SubmissionOptions): Promise<SubmissionResult> {
  const transcript = options.transcript ?? new Transcript();
  const steps = options.recorder ?? new StepRecorder();
  const deadline: Deadline = {
    overallAt: performance.now() + (options.totalTimeoutMs ?? 30_000),
    stepMs: options.stepTimeoutMs ?? 10_000,
  };
  const firstCheck = steps.results.length;
  const result = (extra: Partial<SubmissionResult> = {}): SubmissionResult => ({ checks: steps.results.slice(firstCheck), transcript: transcript.entries, ...extra });
  let conn: SmtpConnection | undefined;
  let tls: TlsInfo | undefined;
  const planned: Array<[string, string]> = [];
  try {
    checkUserInput(options);
    const { host, port } = options;
    const caSubject = new X509Certificate(options.caPem).subject.replace(/\n/g, ", ");
    const user = options.credentials?.user;
    const from = options.from ?? (user && ADDRESS.test(user) ? user : undefined);

    await steps.run("connect", `Connect to ${host} port ${port}`, async () => {
      conn = await SmtpConnection.open(host, port, transcript, deadline);
      return `connected from ${conn.localAddress ?? "?"}`;
    });
    const c = conn!;

    const startTls = async () => {
      const socket = await handshake(c, host, options.caPem);
      tls = tlsInfo(socket);
      transcript.add("info", `TLS established: ${tls.protocol}, ${tls.cipher}`);
      return socket;
    };

    if (options.security === "tls") {
      await steps.run("tls", "TLS handshake (implicit TLS)", async () => {
        await startTls();
        return `${tls!.protocol}, ${tls!.cipher}`;
      });
      await certificateStep(steps, c, host, caSubject, () => tls);
    }

    let greeting!: Reply;
    await steps.run("greeting", "Server greeting", async () => {
      greeting = await c.readReply({ what: "the greeting", timeoutCode: "GREETING_TIMEOUT" });
      if (greeting.code === 554 || greeting.code === 421) {
        throw new RelayError("CONNECT_REFUSED", `the server refused service: ${oneLine(greeting)}`);
      }
      expect2xx(greeting, 220, () => new RelayError("PROTOCOL_ERROR", `the greeting was ${oneLine(greeting)} instead of 220`));
      return oneLine(greeting);
    });

    let caps!: Capabilities;
    const ehlo = async (id: string, title: string) =>
      steps.run(id, title, async () => {
        caps = await sayEhlo(c);
        return `${caps.keywords.length} extensions${caps.auth.length ? `, AUTH ${caps.auth.join(" ")}` : ""}${caps.starttls ? ", STARTTLS" : ""}`;
      });

    await ehlo("ehlo", "EHLO");

    if (options.security === "starttls") {
      await steps.run("starttls", "Start encryption (STARTTLS)", async () => {
        if (!caps.starttls) {
          if (caps.masked.length > 0 || isMaskedBanner(greeting)) {
            throw new RelayError("STARTTLS_STRIPPED", `STARTTLS is masked on the way (${caps.masked.length ? `EHLO shows ${caps.masked.join(", ")}` : "the greeting is asterisks"}): a firewall is inspecting SMTP`);
          }
          throw new RelayError("STARTTLS_NOT_OFFERED", "the server's EHLO does not offer STARTTLS");
        }
        c.send("STARTTLS");
        const reply = await c.readReply({ what: "STARTTLS" });
        if (reply.code !== 220) throw new RelayError("STARTTLS_REFUSED", `STARTTLS was answered ${oneLine(reply)} instead of 220`);
        // Anything already received now was sent before TLS and would be read as if inside it.
        await new Promise((r) => setImmediate(r));
        const pending = c.pendingBytes();
        if (pending > 0) throw new RelayError("RESPONSE_INJECTION", `${pending} byte(s) arrived after the 220 to STARTTLS and before TLS started`);
        return oneLine(reply);
      });
      await steps.run("tls", "TLS handshake", async () => {
        await startTls();
        return `${tls!.protocol}, ${tls!.cipher}`;
      });
      await certificateStep(steps, c, host, caSubject, () => tls);
      // The pre-TLS capabilities are discarded: only what the server says inside TLS counts.
      await ehlo("ehlo-tls", "EHLO inside TLS");
    }

    planned.push(["auth", "Log in (AUTH)"], ["mail-from", "Sender (MAIL FROM)"], ["rcpt-internal", "Internal recipient (RCPT TO)"], ["rcpt-external", "Relay to an outside recipient (RCPT TO)"], ["quit", "End the session (RSET, QUIT)"]);
    if (!options.credentials) {
      await steps.run("auth-offered", "Login offered", () => {
        if (caps.auth.length === 0) throw new RelayError("AUTH_NOT_OFFERED", "the server offers no AUTH inside TLS");
        const usable = options.mechanisms.filter((m) => caps.auth.includes(m));
        if (usable.length === 0) throw new RelayError("AUTH_MECHANISM_UNAVAILABLE", `the server offers ${caps.auth.join(", ")}; allowed are ${options.mechanisms.join(", ")}`);
        return `usable: ${usable.join(", ")}`;
      });
      for (const [id, title] of planned) steps.skip(id, title, "no password given: login and relay were not tested");
      planned.length = 0;
      await quit(c);
      return result({ ...(tls ? { tls } : {}) });
    }

    const creds = options.credentials;
    planned.shift();
    await steps.run("auth", "Log in (AUTH)", async () => {
      if (caps.auth.length === 0) throw new RelayError("AUTH_NOT_OFFERED", "the server offers no AUTH inside TLS");
      const mechanism = options.mechanisms.find((m) => caps.auth.includes(m));
      if (!mechanism) throw new RelayError("AUTH_MECHANISM_UNAVAILABLE", `the server offers ${caps.auth.join(", ")}; allowed are ${options.mechanisms.join(", ")}`);
      const reply = await authenticate(c, mechanism, creds);
      if (reply.code === 235) return `logged in as ${creds.user} with ${mechanism}`;
      if (reply.code === 504 || reply.code === 534) throw new RelayError("AUTH_MECHANISM_UNAVAILABLE", `${mechanism} was refused: ${oneLine(reply)}`);
      throw new RelayError("AUTH_FAILED", `the login was refused: ${oneLine(reply)}`);
    });

    const sender = from!; // checkUserInput guarantees a sender address whenever there are credentials
    const internal = options.internalRecipient ?? sender;
    const external = options.externalRecipient ?? RESERVED_EXTERNAL_RECIPIENT;
    const envelope = [`MAIL FROM:<${sender}>`, `RCPT TO:<${internal}>`, `RCPT TO:<${external}>`];
    const replies: Reply[] = [];
    const collect = async (what: string) => replies.push(await c.readReply({ what }));
    if (caps.pipelining) {
      c.sendMany(envelope);
      for (const what of ["MAIL FROM", "RCPT TO (internal)", "RCPT TO (external)"]) await collect(what);
    }
    const replyAt = async (i: number, what: string) => {
      if (!caps.pipelining) {
        c.send(envelope[i]!);
        await collect(what);
      }
      return replies[i]!;
    };
    planned.shift();
    await steps.run("mail-from", "Sender (MAIL FROM)", async () => {
      const r = await replyAt(0, "MAIL FROM");
      if (r.code !== 250) throw new RelayError("SENDER_REJECTED", `MAIL FROM:<${sender}> was refused: ${oneLine(r)}`);
      return oneLine(r);
    });
    planned.shift();
    await steps.run("rcpt-internal", "Internal recipient (RCPT TO)", async () => {
      const r = await replyAt(1, "RCPT TO (internal)");
      if (r.code !== 250 && r.code !== 251) throw new RelayError("RELAY_DENIED", `even the internal recipient <${internal}> was refused: ${oneLine(r)}`);
      return oneLine(r);
    });
    planned.shift();
    await steps.run("rcpt-external", "Relay to an outside recipient (RCPT TO)", async () => {
      const r = await replyAt(2, "RCPT TO (external)");
      if (r.code !== 250 && r.code !== 251) throw new RelayError("RELAY_DENIED", `relaying to <${external}> was refused${r.code < 500 ? " (temporarily)" : ""}: ${oneLine(r)}`);
      return `${oneLine(r)} (no message was sent)`;
    });
    planned.shift();
    await steps.run("quit", "End the session (RSET, QUIT)", async () => {
      await quit(c, caps.pipelining);
      return "RSET and QUIT: no message was sent";
    });
    return result({ ...(tls ? { tls } : {}) });
  } catch (err) {
    const failure = err instanceof RelayError ? err : new RelayError("PROTOCOL_ERROR", `unexpected error: ${(err as Error).message}`);
    // A failure outside any step must still show as a failed check, or the verdict would say "pass".
    if (!steps.results.slice(firstCheck).some((c) => c.status === "fail")) steps.fail("session", "Submission test", failure);
    for (const [id, title] of planned) steps.skip(id, title, "not tested: an earlier step failed");
    conn?.destroy();
    return result({ failure, ...(tls ? { tls } : {}) });
  }
}

async function certificateStep(steps: StepRecorder, conn: SmtpConnection, host: string, caSubject: string, info: () => TlsInfo | undefined): Promise<void> {
  await steps.run("certificate", "Server certificate", () => {
    const socket = conn.tlsSocket;
    if (!socket) throw new RelayError("TLS_HANDSHAKE_FAILED", "no TLS session");
    const problem = judgeCertificate(socket, host, caSubject);
    if (problem) throw problem;
    const leaf = info()?.chain[0];
    const daysLeft = leaf ? Math.floor((Date.parse(leaf.notAfter) - Date.now()) / 86_400_000) : Infinity;
    if (daysLeft < CERT_WARN_DAYS) {
      return { status: "warn", message: `valid for ${host}, issued by your organisation, but expires in ${daysLeft} day(s) (${leaf?.notAfter}); IT should renew it`, code: "CERT_EXPIRING" };
    }
    return `valid for ${host}, issued by your organisation (${caSubject}), expires ${leaf?.notAfter ?? "?"}`;
  });
}

async function quit(conn: SmtpConnection, pipelining = false): Promise<void> {
  if (pipelining) {
    conn.sendMany(["RSET", "QUIT"]);
    await conn.readReply({ what: "RSET" });
  } else {
    conn.send("RSET");
    await conn.readReply({ what: "RSET" });
    conn.send("QUIT");
  }
  await conn.readReply({ what: "QUIT" }).catch(() => undefined);
  conn.destroy();
}
