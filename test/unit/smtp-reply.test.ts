// The SMTP reply parser (RFC 5321 §4.2) on its own: multi-line replies, the hard caps, stray CR
// and NUL, inconsistent codes, what is left pending (the response-injection signal), and the same
// replies however the bytes are split.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "../../src/errors.js";
import { LIMITS, ReplyParser, replyText, type Reply } from "../../src/smtp/reply.js";

function parse(...chunks: string[]): { parser: ReplyParser; replies: Reply[] } {
  const parser = new ReplyParser();
  for (const c of chunks) parser.push(Buffer.from(c, "latin1"));
  const replies: Reply[] = [];
  for (let r = parser.take(); r; r = parser.take()) replies.push(r);
  return { parser, replies };
}

function refusal(...chunks: string[]): string {
  try {
    parse(...chunks);
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe("PROTOCOL_ERROR");
    return (err as RelayError).message;
  }
  throw new Error("the parser accepted it");
}

describe("reply parser", () => {
  it("reads single and multi-line replies, with CRLF or a bare LF", () => {
    const { replies, parser } = parse("220 mx.test ESMTP\r\n250-mx.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n354\n");
    expect(replies).toEqual([
      { code: 220, lines: ["mx.test ESMTP"] },
      { code: 250, lines: ["mx.test", "PIPELINING", "AUTH PLAIN LOGIN"] },
      { code: 354, lines: [""] },
    ]);
    expect(parser.take()).toBeUndefined();
    expect(parser.pendingBytes()).toBe(0);
  });

  it("keeps the text after the separator exactly, spaces and 8-bit bytes included", () => {
    expect(parse("250  two  spaces \r\n").replies[0]!.lines).toEqual([" two  spaces "]);
    expect(parse("250 caf\xe9\r\n").replies[0]!.lines).toEqual(["caf\xe9"]);
    expect(replyText({ code: 250, lines: ["a", "b", "c"] })).toBe("250-a\n250-b\n250 c");
    expect(replyText({ code: 221, lines: ["bye"] })).toBe("221 bye");
  });

  it("waits for the last line of a multi-line reply", () => {
    const parser = new ReplyParser();
    parser.push(Buffer.from("250-first\r\n250-sec"));
    expect(parser.take()).toBeUndefined();
    expect(parser.pendingBytes()).toBe("250-first\r\n250-sec".length);
    parser.push(Buffer.from("ond\r\n250 last\r\n"));
    expect(parser.take()).toEqual({ code: 250, lines: ["first", "second", "last"] });
    expect(parser.pendingBytes()).toBe(0);
  });

  it("refuses lines that are not replies", () => {
    for (const bad of ["hello\r\n", "25 short\r\n", "2500 long\r\n", "600 out of range\r\n", "199 too low\r\n", "250x no separator\r\n", "\r\n", " 250 leading space\r\n", "250_underscore\r\n"]) {
      expect(refusal(bad), JSON.stringify(bad)).toMatch(/not an SMTP reply line/);
    }
    for (const good of ["200 x\r\n", "599 x\r\n", "250\r\n", "250 \r\n", "250-\r\n250 \r\n"]) expect(parse(good).replies.length, JSON.stringify(good)).toBe(1);
  });

  it("refuses a stray CR or NUL inside a line", () => {
    expect(refusal("250 a\rb\r\n")).toMatch(/stray CR or NUL/);
    expect(refusal("250 a\0b\r\n")).toMatch(/stray CR or NUL/);
    expect(refusal("250 a\r\r\n")).toMatch(/stray CR or NUL/);
  });

  it("refuses a multi-line reply that changes its code", () => {
    expect(refusal("250-a\r\n251 b\r\n")).toMatch(/changes its code from 250 to 251/);
  });

  it("caps the line length at exactly LIMITS.lineBytes, with or without the newline having arrived", () => {
    const line = (n: number) => `250 ${"x".repeat(n - 6)}\r\n`; // n bytes in all
    expect(line(LIMITS.lineBytes)).toHaveLength(LIMITS.lineBytes);
    expect(parse(line(LIMITS.lineBytes)).replies).toHaveLength(1);
    expect(refusal(line(LIMITS.lineBytes + 1))).toMatch(/longer than 2048 bytes/);
    // A line that never ends is refused as soon as it is too long, not buffered for ever.
    const parser = new ReplyParser();
    parser.push(Buffer.from(`250 ${"x".repeat(LIMITS.lineBytes - 4)}`));
    expect(() => parser.push(Buffer.from("x"))).toThrow(/longer than 2048 bytes/);
  });

  it("accepts a reply of exactly LIMITS.replyBytes, and refuses one that goes past it", () => {
    const lines = (n: number, last: boolean) => Array.from({ length: n }, (_, i) => `250${last && i === n - 1 ? " " : "-"}${"z".repeat(2042)}\r\n`).join("");
    expect(lines(32, true)).toHaveLength(LIMITS.replyBytes);
    expect(parse(lines(32, true)).replies[0]!.lines).toHaveLength(32);
    expect(refusal(`${lines(32, false)}250 \r\n`)).toMatch(/larger than 65536 bytes/);
  });

  it("quotes at most 80 characters of a line it refuses", () => {
    const message = refusal(`garbage ${"g".repeat(500)}\r\n`);
    expect(message).toContain(JSON.stringify(`garbage ${"g".repeat(72)}`));
    expect(message.length).toBeLessThan(140);
  });

  it("caps the lines per reply and the bytes per reply", () => {
    const lines = (n: number, width = 1) => `${Array.from({ length: n - 1 }, () => `250-${"y".repeat(width)}\r\n`).join("")}250 end\r\n`;
    expect(parse(lines(LIMITS.linesPerReply)).replies[0]!.lines).toHaveLength(LIMITS.linesPerReply);
    expect(refusal(lines(LIMITS.linesPerReply + 1))).toMatch(/more than 100 lines/);
    // 40 lines of ~2 KiB: under the line and line-count caps, over 64 KiB in all.
    expect(refusal(lines(40, 1700))).toMatch(/larger than 65536 bytes/);
    const under = lines(30, 2000);
    expect(under.length).toBeLessThan(LIMITS.replyBytes);
    expect(parse(under).replies).toHaveLength(1);
  });

  it("counts everything not yet taken as pending: a partial line, a continuation only, whole replies", () => {
    for (const after of ["x", "250-x\r\n", "250 AUTH PLAIN\r\n", "250-a\r\n250 b\r\n"]) {
      const parser = new ReplyParser();
      parser.push(Buffer.from(`220 ready\r\n${after}`));
      expect(parser.take()).toEqual({ code: 220, lines: ["ready"] });
      expect(parser.pendingBytes(), JSON.stringify(after)).toBeGreaterThan(0);
    }
    const parser = new ReplyParser();
    parser.push(Buffer.from("220 ready\r\n"));
    // A complete reply not yet taken counts with its wire size.
    expect(parser.pendingBytes()).toBe("220 ready\r\n".length);
    expect(parser.take()).toBeDefined();
    expect(parser.pendingBytes()).toBe(0);
  });

  it("gives the same replies however the bytes are split (property)", () => {
    const replyArb = fc.record({
      code: fc.integer({ min: 200, max: 599 }),
      lines: fc.array(fc.stringMatching(/^[\x20-\x7e]{0,40}$/), { minLength: 1, maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.array(replyArb, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (replies, cuts) => {
        const wire = Buffer.from(replies.map((r) => r.lines.map((l, i) => `${r.code}${i === r.lines.length - 1 ? " " : "-"}${l}\r\n`).join("")).join(""), "latin1");
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const parser = new ReplyParser();
        let last = 0;
        for (const p of [...points, wire.length]) {
          parser.push(wire.subarray(last, p));
          last = p;
        }
        const got: Reply[] = [];
        for (let r = parser.take(); r; r = parser.take()) got.push(r);
        expect(got).toEqual(replies);
        expect(parser.pendingBytes()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("splits at every single byte boundary of an EHLO reply", () => {
    const wire = Buffer.from("250-relay.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n");
    for (let cut = 0; cut <= wire.length; cut++) {
      const parser = new ReplyParser();
      parser.push(wire.subarray(0, cut));
      expect(parser.pendingBytes()).toBe(cut);
      parser.push(wire.subarray(cut));
      expect(parser.take()).toEqual({ code: 250, lines: ["relay.test", "PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN"] });
      expect(parser.pendingBytes()).toBe(0);
    }
  });
});
