// One SMTP connection: a socket (plain, then TLS after STARTTLS, or TLS from the start), a reply
// parser, per-step deadlines bounded by an overall deadline, and the transcript. Redaction follows
// the protocol state here, for every caller: from a client `AUTH` line until the server's final
// (non-334) reply, no client line reaches the transcript, whatever the mechanism.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { RelayError, type FailureCode } from "../errors.js";
import { ReplyParser, replyText, type Reply } from "./reply.js";
import { AUTH_MARKER, type Transcript } from "./transcript.js";

export interface Deadline {
  /** performance.now() value after which everything stops. */
  overallAt: number;
  stepMs: number;
  /** The user cancelled: the socket is closed at once and the step ends with this error. */
  signal?: AbortSignal;
}

const cancelled = () => new RelayError("TIMEOUT", "the test was cancelled");

/** A link whose round trip is at most this short waits for the TLS 1.3 ticket (see startTls). */
const TICKET_WAIT_MS = 3;

export function remaining(deadline: Deadline): number {
  return Math.max(0, Math.min(deadline.stepMs, deadline.overallAt - performance.now()));
}

export class SmtpConnection {
  private parser = new ReplyParser();
  private waiter: { resolve: () => void } | undefined;
  private failure: Error | undefined;
  private closed = false;
  private sentAt: number | undefined;
  /** The shortest command → reply time seen, an estimate of the round trip. */
  private rttMs: number | undefined;
  /** Set by a client AUTH line, cleared by the server's final reply to the exchange. */
  private authMechanism: string | undefined;

  private constructor(
    private socket: Socket | TLSSocket,
    readonly transcript: Transcript,
    private readonly deadline: Deadline,
  ) {
    this.listen(socket);
    deadline.signal?.addEventListener("abort", () => this.cancel(), { once: true });
  }

  private cancel(): void {
    this.failure ??= cancelled();
    this.socket.destroy();
    this.wake();
  }

  /** Opens a TCP connection (and, for implicit TLS, nothing more: call startTls next). */
  static async open(host: string, port: number, transcript: Transcript, deadline: Deadline): Promise<SmtpConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      // No Nagle: SMTP is lock-step small writes, and Nagle plus delayed ACKs adds ~40 ms per
      // exchange (measured right after the TLS handshake).
      if (deadline.signal?.aborted) return reject(cancelled());
      const s = netConnect({ host, port, noDelay: true });
      const onAbort = () => {
        clearTimeout(timer);
        s.destroy();
        reject(cancelled());
      };
      deadline.signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => {
        deadline.signal?.removeEventListener("abort", onAbort);
        s.destroy();
        reject(new RelayError("CONNECT_TIMEOUT", `no answer from ${host} port ${port} within ${Math.round(remaining(deadline) / 100) / 10 || deadline.stepMs / 1000} s; the port is probably blocked`));
      }, remaining(deadline));
      s.once("connect", () => {
        clearTimeout(timer);
        deadline.signal?.removeEventListener("abort", onAbort);
        resolve(s);
      });
      s.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        deadline.signal?.removeEventListener("abort", onAbort);
        reject(connectError(host, port, err));
      });
    });
    transcript.add("info", `connected to ${socket.remoteAddress ?? host} port ${port} from ${socket.localAddress ?? "?"}`);
    return new SmtpConnection(socket, transcript, deadline);
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get tlsSocket(): TLSSocket | undefined {
    return "encrypted" in this.socket ? this.socket : undefined;
  }

  private listen(socket: Socket): void {
    socket.on("data", (chunk: Buffer) => {
      try {
        this.parser.push(chunk);
      } catch (err) {
        this.failure ??= err as Error;
        socket.destroy();
      }
      this.wake();
    });
    socket.on("error", (err) => {
      this.failure ??= err;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }

  /** Sends one command line. */
  send(line: string): void {
    this.sendMany([line]);
  }

  /** Sends several lines in one write (PIPELINING). */
  sendMany(lines: string[]): void {
    for (const line of lines) {
      if (/[\r\n\0]/.test(line)) throw new RelayError("BAD_INPUT", "refusing to send a command containing CR, LF or NUL");
    }
    for (const line of lines) this.transcript.add("client", this.shown(line));
    this.socket.write(lines.map((l) => `${l}\r\n`).join(""));
    this.sentAt = performance.now();
  }

  /** What the transcript may show of a client line, given the protocol state. */
  private shown(line: string): string {
    if (this.authMechanism !== undefined) return AUTH_MARKER(this.authMechanism);
    const auth = /^AUTH[ \t]+(\S+)(.*)$/i.exec(line);
    if (!auth) return line;
    // Only the mechanism name is shown: an initial response is credential data.
    this.authMechanism = auth[1]!.toUpperCase().slice(0, 20);
    return auth[2]!.trim() === "" ? `AUTH ${this.authMechanism}` : `AUTH ${this.authMechanism} ${AUTH_MARKER(this.authMechanism)}`;
  }

  /** Waits for the next complete reply, within the step deadline. */
  async readReply(step: { timeoutCode?: FailureCode; what: string; withinMs?: number }): Promise<Reply> {
    const ms = Math.min(remaining(this.deadline), step.withinMs ?? Infinity);
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
    for (;;) {
      const reply = this.parser.take();
      if (reply) {
        if (this.sentAt !== undefined) {
          const rtt = performance.now() - this.sentAt;
          this.rttMs = Math.min(this.rttMs ?? rtt, rtt);
          this.sentAt = undefined;
        }
        this.transcript.add("server", replyText(reply));
        // A 334 continues an AUTH exchange; any other reply ends it.
        if (reply.code !== 334) this.authMechanism = undefined;
        return reply;
      }
      if (this.failure) {
        const err = this.failure;
        this.transcript.add("info", err.message);
        if (err instanceof RelayError) throw err;
        throw new RelayError("PROTOCOL_ERROR", `the connection failed while waiting for ${step.what}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      }
      if (this.closed) throw new RelayError("PROTOCOL_ERROR", `the server closed the connection while we waited for ${step.what}`);
      const woke = await Promise.race([new Promise<void>((resolve) => (this.waiter = { resolve })), timer]);
      if (woke === "timeout") {
        this.destroy();
        const code = step.timeoutCode ?? "TIMEOUT";
        throw new RelayError(code, `no complete answer to ${step.what} within ${(ms / 1000).toFixed(1)} s`);
      }
    }
  }

  /** Bytes received but not yet consumed as replies. */
  pendingBytes(): number {
    return this.parser.pendingBytes();
  }

  /**
   * Starts TLS on the current socket. Nothing read before survives: the parser is replaced, and
   * the caller must have checked pendingBytes() === 0 (response injection) beforehand.
   */
  async startTls(options: ConnectionOptions): Promise<TLSSocket> {
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("error");
    plain.removeAllListeners("close");
    this.parser = new ReplyParser();
    const ms = remaining(this.deadline);
    const tls = await new Promise<TLSSocket>((resolve, reject) => {
      const t = tlsConnect({ ...options, socket: plain });
      const onAbort = () => {
        clearTimeout(timer);
        t.destroy();
        reject(cancelled());
      };
      this.deadline.signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => {
        t.destroy();
        reject(new RelayError("TIMEOUT", `the TLS handshake did not finish within ${(ms / 1000).toFixed(1)} s`));
      }, ms);
      t.once("secureConnect", () => {
        clearTimeout(timer);
        this.deadline.signal?.removeEventListener("abort", onAbort);
        if (t.getProtocol() !== "TLSv1.3" || (this.rttMs ?? Infinity) > TICKET_WAIT_MS) return resolve(t);
        // A TLS 1.3 server sends a session ticket just after the handshake; a server with Nagle on
        // (Postfix) then holds its reply to our next command until we ACK the ticket, and our
        // kernel delays that ACK (~40 ms on Linux). On a short link the ticket arrives within a
        // millisecond, so the next command waits for it and carries the ACK. On a long link we do
        // not spend a round trip on it: the command goes at once.
        const before = plain.bytesRead;
        const started = performance.now();
        const poll = () => {
          if (plain.bytesRead > before || performance.now() - started >= TICKET_WAIT_MS) resolve(t);
          else setTimeout(poll, 0);
        };
        poll();
      });
      t.once("error", (err: Error) => {
        clearTimeout(timer);
        this.deadline.signal?.removeEventListener("abort", onAbort);
        t.destroy();
        reject(err);
      });
      // Read from the first byte: nothing the server sends inside TLS may be lost.
      this.socket = t;
      this.closed = false;
      this.failure = undefined;
      this.listen(t);
    });
    return tls;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The socket no longer keeps the process alive (a goodbye in the background). */
  unref(): void {
    this.socket.unref();
  }
}

function connectError(host: string, port: number, err: NodeJS.ErrnoException): RelayError {
  switch (err.code) {
    case "ECONNREFUSED":
      return new RelayError("CONNECT_REFUSED", `${host} refused the connection on port ${port}`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return new RelayError("DNS_FAILED", `the name ${host} does not resolve`);
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new RelayError("CONNECT_TIMEOUT", `${host} port ${port} cannot be reached (${err.code})`);
    default:
      return new RelayError("CONNECT_REFUSED", `cannot connect to ${host} port ${port}: ${err.code ?? err.message}`);
  }
}
