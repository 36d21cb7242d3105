// SMTP reply parsing (RFC 5321 §4.2) with hard caps, so a hostile server can neither make us
// buffer without bound nor smuggle an inconsistent multi-line reply past us.
import { RelayError } from "../errors.js";

export const LIMITS = {
  /** Longest reply line we accept, CRLF included (RFC 5321 allows 512; real servers stay far below). */
  lineBytes: 2048,
  linesPerReply: 100,
  replyBytes: 64 * 1024,
} as const;

export interface Reply {
  code: number;
  /** Text of each line, without the code and separator. */
  lines: string[];
}

export function replyText(reply: Reply): string {
  return reply.lines.map((l, i) => `${reply.code}${i === reply.lines.length - 1 ? " " : "-"}${l}`).join("\n");
}

const LINE = /^([2-5]\d\d)(?:([ -])(.*))?$/s;

/**
 * Incremental parser: feed bytes, take complete replies. Bytes after a complete reply stay
 * buffered (`pendingBytes`) — which is how STARTTLS response injection is detected.
 */
export class ReplyParser {
  private buffer: Buffer = Buffer.alloc(0);
  private current: { code: number; lines: string[]; bytes: number } | undefined;
  private readonly replies: Reply[] = [];

  /** Adds received bytes; throws PROTOCOL_ERROR on anything malformed or oversized. */
  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const newline = this.buffer.indexOf(0x0a);
      if (newline === -1) {
        if (this.buffer.length > LIMITS.lineBytes) throw protocol(`a reply line is longer than ${LIMITS.lineBytes} bytes`);
        return;
      }
      if (newline + 1 > LIMITS.lineBytes) throw protocol(`a reply line is longer than ${LIMITS.lineBytes} bytes`);
      const raw = this.buffer.subarray(0, newline + 1);
      this.buffer = this.buffer.subarray(newline + 1);
      this.takeLine(raw);
    }
  }

  private takeLine(raw: Buffer): void {
    const text = raw.toString("latin1").replace(/\r?\n$/, "");
    if (/[\r\0]/.test(text)) throw protocol("a reply line contains a stray CR or NUL");
    const match = LINE.exec(text);
    if (!match) throw protocol(`not an SMTP reply line: ${JSON.stringify(text.slice(0, 80))}`);
    const code = Number(match[1]);
    const last = match[2] !== "-";
    const lineText = match[3] ?? "";
    if (this.current === undefined) this.current = { code, lines: [], bytes: 0 };
    else if (this.current.code !== code) throw protocol(`a multi-line reply changes its code from ${this.current.code} to ${code}`);
    this.current.lines.push(lineText);
    this.current.bytes += raw.length;
    if (this.current.lines.length > LIMITS.linesPerReply) throw protocol(`a reply has more than ${LIMITS.linesPerReply} lines`);
    if (this.current.bytes > LIMITS.replyBytes) throw protocol(`a reply is larger than ${LIMITS.replyBytes} bytes`);
    if (last) {
      this.replies.push({ code: this.current.code, lines: this.current.lines });
      this.current = undefined;
    }
  }

  /** The next complete reply, if one has arrived. */
  take(): Reply | undefined {
    return this.replies.shift();
  }

  /** Bytes received beyond the complete replies taken so far (a partial line, or whole replies). */
  pendingBytes(): number {
    const queued = this.replies.reduce((n, r) => n + r.lines.reduce((m, l) => m + l.length + 6, 0), 0);
    return this.buffer.length + (this.current?.bytes ?? 0) + queued;
  }
}

function protocol(why: string): RelayError {
  return new RelayError("PROTOCOL_ERROR", why);
}
