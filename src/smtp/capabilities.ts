// EHLO capabilities, and the tell-tale signs of a firewall's "SMTP inspection" masking them.
import type { Reply } from "./reply.js";

export interface Capabilities {
  starttls: boolean;
  pipelining: boolean;
  /** SASL mechanisms advertised, upper case. */
  auth: string[];
  /** Keywords that look masked (e.g. XXXXXXXA where STARTTLS was). */
  masked: string[];
  keywords: string[];
}

// Cisco-style inspection overwrites keywords with X or * of the same length (STARTTLS → XXXXXXXA).
const MASKED = /^(?:X{4,}[A-Z]?|\*{4,})$/i;

export function parseEhlo(reply: Reply): Capabilities {
  const keywords = reply.lines.slice(1).map((l) => l.trim()).filter((l) => l.length > 0);
  const upper = keywords.map((k) => k.toUpperCase());
  const auth = new Set<string>();
  for (const k of upper) {
    // "AUTH PLAIN LOGIN" and the pre-RFC "AUTH=PLAIN LOGIN" form.
    const m = /^AUTH[ =](.*)$/.exec(k);
    if (m?.[1]) for (const mech of m[1].split(/\s+/)) if (mech) auth.add(mech);
  }
  return {
    starttls: upper.includes("STARTTLS"),
    pipelining: upper.includes("PIPELINING"),
    auth: [...auth],
    masked: keywords.filter((k) => MASKED.test(k.split(/\s+/)[0] ?? "")),
    keywords,
  };
}

/** A greeting made of asterisks is how some firewalls hide the banner while inspecting SMTP. */
export function isMaskedBanner(greeting: Reply): boolean {
  const text = greeting.lines.join(" ");
  const stars = (text.match(/\*/g) ?? []).length;
  return stars >= 8 && stars >= text.replace(/\s/g, "").length * 0.6;
}
