// Text from the network or from files (server replies, certificate names, profile values) reaches
// terminals, logs and reports only with its control characters made visible (DESIGN.md, security
// invariants): a server must not be able to clear the screen, paint a fake "PASS", set the window
// title, forge a log line or reorder what is read. Escaped: C0 (but TAB), DEL, C1, and the
// bidirectional controls.

/**
 * Characters never accepted in text we store or show as given (names, configuration text): C0
 * (TAB included), DEL, C1, and the bidirectional controls that could make text read otherwise.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, keeping line breaks for multi-line output
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  if (c === "\r") return "\\r";
  if (c === "\n") return "\\n";
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of text, safe for a terminal or a log: every control character (line breaks too) shown as an escape. */
export function visible(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** Several lines for a terminal: line breaks and TABs kept, every other control character shown. */
export function visibleLines(text: string): string {
  return text.replace(CONTROLS_BUT_NEWLINE, escape);
}

/** JSON text whose strings hold no raw DEL, C1 or bidirectional control (JSON already escapes C0). */
export function terminalSafeJson(json: string): string {
  return json.replace(CONTROLS_BUT_NEWLINE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
