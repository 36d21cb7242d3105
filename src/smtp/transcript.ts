// The session transcript: what each side said, with time offsets. Client lines of an AUTH exchange
// are never recorded, only a marker — redaction follows the protocol state, not a search for the
// password, so an encoding we did not think of cannot leak it.

export interface TranscriptEntry {
  /** Milliseconds since the session started. */
  t: number;
  dir: "client" | "server" | "info";
  text: string;
}

export const AUTH_MARKER = (mechanism: string) => `[hidden: ${mechanism} authentication data]`;

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  constructor(private readonly start = performance.now()) {}

  now(): number {
    return Math.round(performance.now() - this.start);
  }

  add(dir: TranscriptEntry["dir"], text: string): void {
    // Keep the transcript printable and bounded: a hostile server controls what it says.
    const clean = text.replace(/[^\x20-\x7e\n]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
    this.entries.push({ t: this.now(), dir, text: clean.length > 2100 ? `${clean.slice(0, 2100)}…` : clean });
  }
}
