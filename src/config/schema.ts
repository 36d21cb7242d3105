// The signed configuration's payload (DESIGN.md "The signed configuration"). Every object is strict:
// an unknown field is an error, because a field we ignore is a setting IT believes is in force.
import { isIP } from "node:net";
import { z } from "zod";
import { inspectCaCertificate } from "../certs/pem.js";
import { UNSAFE_TEXT as UNSAFE_CHARS } from "../safeText.js";
import { SASL_MECHANISMS, type SaslMechanism } from "./mechanisms.js";

const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !UNSAFE_CHARS.test(s), "must not contain control or bidirectional-override characters");

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
export function isHostName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  return labels.length >= 1 && labels.every((l) => LABEL.test(l));
}
/**
 * A server: a host name, or an IP literal that is a valid address. A name whose last label is all
 * digits is an IPv4 literal (as URL parsers read it), so `999.999.999.999` is refused, not taken
 * for a name.
 */
export function isHost(value: string): boolean {
  if (value.includes(":")) return isIP(value) === 6;
  if (/^\d+$/.test(value.slice(value.lastIndexOf(".") + 1))) return isIP(value) === 4;
  return isHostName(value);
}
const host = z.string().refine(isHost, "must be a host name or a valid IP address");
// A mail domain is a name: one ending in a numeric label would be an IPv4 literal.
const domain = z.string().refine((d) => isHostName(d) && !/^\d+$/.test(d.slice(d.lastIndexOf(".") + 1)), "must be a domain name");
const port = z.int().min(1).max(65535);
const email = z.email().max(254).refine((s) => !UNSAFE_CHARS.test(s), "must not contain control characters");

export { SASL_MECHANISMS, type SaslMechanism };

// A user name template: literal text with {email}, {local} and {domain} placeholders only.
const usernameTemplate = text(256).refine(
  (t) => t.replace(/\{(email|local|domain)\}/g, "").match(/[{}]/) === null,
  "may only use the placeholders {email}, {local} and {domain}",
);

const uniqueList = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1)
    .refine((a) => new Set(a).size === a.length, "must not repeat an entry");

export const rootCaSchema = z
  .strictObject({
    pem: z.string().min(1).max(16_384),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
  })
  .superRefine((ca, ctx) => {
    let actual: string;
    try {
      actual = inspectCaCertificate(ca.pem).sha256;
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["pem"], message: (err as Error).message });
      return;
    }
    // A malformed fingerprint is already reported as such; "does not match" would only add noise.
    if (/^[0-9a-f]{64}$/.test(ca.sha256) && actual !== ca.sha256) {
      ctx.addIssue({ code: "custom", path: ["sha256"], message: `does not match the certificate (its SHA-256 is ${actual})` });
    }
  });

/** A root no longer trusted: removed from every store Relay Onboard manages on the next run. */
export const retiredRootSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
  subject: text(500).optional(),
});

const MAX_ROOTS = 8;

export const configSchema = z.strictObject({
  organization: z.strictObject({
    name: text(200),
    domains: uniqueList(domain),
    support: z
      .strictObject({
        email: email.optional(),
        url: z.url({ protocol: /^https$/ }).max(2048).optional(),
        phone: text(64).optional(),
        /** Where a user may send a report (DESIGN.md, "Helpdesk reports"): https only. */
        reportUrl: z.url({ protocol: /^https$/ }).max(2048).optional(),
      })
      .optional(),
  }),
  rootCa: rootCaSchema,
  additionalRoots: z.array(rootCaSchema).min(1).max(MAX_ROOTS).optional(),
  retiredRoots: z.array(retiredRootSchema).min(1).max(MAX_ROOTS * 4).optional(),
  submission: z.strictObject({
    host,
    port,
    security: z.enum(["starttls", "tls"]),
    auth: uniqueList(z.enum(SASL_MECHANISMS)),
    username: usernameTemplate,
  }),
  inbound: z.strictObject({ host, port }).optional(),
  incoming: z
    .strictObject({
      protocol: z.enum(["imap", "pop3"]),
      host,
      port,
      security: z.enum(["starttls", "tls"]),
      username: usernameTemplate,
    })
    .optional(),
  probe: z.strictObject({ externalRecipient: email }).optional(),
}).superRefine((config, ctx) => {
  // Rotation must be unambiguous: each current root once, and nothing both current and retired
  // (the next run would install it and take it out again).
  const current = new Map<string, string>([[config.rootCa.sha256, "rootCa"]]);
  config.additionalRoots?.forEach((root, i) => {
    const clash = current.get(root.sha256);
    if (clash) ctx.addIssue({ code: "custom", path: ["additionalRoots", i, "sha256"], message: `repeats ${clash}` });
    else current.set(root.sha256, `additionalRoots.${i}`);
  });
  const retired = new Set<string>();
  config.retiredRoots?.forEach((root, i) => {
    const clash = current.get(root.sha256);
    if (clash) ctx.addIssue({ code: "custom", path: ["retiredRoots", i, "sha256"], message: `retires a current root (${clash}): a root cannot be trusted and retired at once` });
    if (retired.has(root.sha256)) ctx.addIssue({ code: "custom", path: ["retiredRoots", i, "sha256"], message: "must not repeat an entry" });
    retired.add(root.sha256);
  });
});

const numericDate = z.int().min(0).max(253_402_300_799); // up to year 9999

/** The JWT-style claims, checked before the configuration so an expired document says "expired". */
export const claimsSchema = z.looseObject({
  iss: text(253),
  iat: numericDate,
  exp: numericDate,
  nbf: numericDate.optional(),
  ver: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const payloadSchema = z.strictObject({
  iss: text(253),
  iat: numericDate,
  exp: numericDate,
  nbf: numericDate.optional(),
  ver: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  config: configSchema,
});

export type OrgConfig = z.infer<typeof configSchema>;
export type ConfigPayload = z.infer<typeof payloadSchema>;

/** What IT writes before signing: the issuer and the configuration (sign adds iat, exp, ver). */
export const unsignedPayloadSchema = z.strictObject({ iss: text(253), config: configSchema });
export type UnsignedPayload = z.infer<typeof unsignedPayloadSchema>;

/** One readable line from a schema failure: the first few problems with their paths. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const path = issue.path.map(String).join(".") || "(document)";
    if (issue.code === "unrecognized_keys") return `${path}: unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : "";
  return parts.join("; ") + more;
}
