// The configuration schema field by field: every limit at its boundary, the characters refused in
// text shown to users, the user-name template, and the one-line summary of schema failures.
import { describe, expect, it } from "vitest";
import { claimsSchema, configSchema, describeIssues, isHostName, payloadSchema, unsignedPayloadSchema, type OrgConfig } from "../../src/config/schema.js";
import { NOW_S, unsignedPayload } from "../helpers/org.js";

let base: OrgConfig;
const valid = (config: unknown) => configSchema.safeParse(config).success;
const withOrg = (patch: Partial<OrgConfig["organization"]>) => ({ ...base, organization: { ...base.organization, ...patch } });
const withSub = (patch: Partial<OrgConfig["submission"]>) => ({ ...base, submission: { ...base.submission, ...patch } });

describe("configuration schema", () => {
  it("accepts the contract's example shape", async () => {
    base = (await unsignedPayload()).config;
    expect(valid(base)).toBe(true);
    expect(valid({ ...base, inbound: { host: "mx.internal.test", port: 25 }, probe: { externalRecipient: "probe@example.com" } })).toBe(true);
  });

  it("refuses control and bidirectional-override characters in text, at the edges of each range", () => {
    for (const bad of ["\u0000", "\u0009", "\u001f", "\u007f", "\u0080", "\u0085", "\u009b", "\u009f", "\u061c", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"]) {
      expect(valid(withOrg({ name: `Org${bad}Name` })), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ["\u0020", "\u007e", "\u00a0", "\u2029", "\u202f", "\u2065", "\u206a", "é", "社"]) {
      expect(valid(withOrg({ name: `Org${good}Name` })), JSON.stringify(good)).toBe(true);
    }
  });

  it("limits text lengths exactly", () => {
    expect(valid(withOrg({ name: "n".repeat(200) }))).toBe(true);
    expect(valid(withOrg({ name: "n".repeat(201) }))).toBe(false);
    expect(valid(withOrg({ name: "" }))).toBe(false);
    expect(valid(withOrg({ support: { phone: "1".repeat(64) } }))).toBe(true);
    expect(valid(withOrg({ support: { phone: "1".repeat(65) } }))).toBe(false);
    expect(valid(withSub({ username: `${"u".repeat(249)}{email}` }))).toBe(true);
    expect(valid(withSub({ username: `${"u".repeat(250)}{email}` }))).toBe(false);
  });

  it("domains: a non-empty list of distinct names", () => {
    expect(valid(withOrg({ domains: ["internal.test", "example.org"] }))).toBe(true);
    expect(valid(withOrg({ domains: [] }))).toBe(false);
    expect(valid(withOrg({ domains: ["internal.test", "internal.test"] }))).toBe(false);
    expect(valid(withOrg({ domains: ["bad domain"] }))).toBe(false);
  });

  it("host names: labels of 1–63 letters, digits and inner hyphens, 253 characters in all", () => {
    const label = (n: number) => "a".repeat(n);
    expect(isHostName(`${label(63)}.test`)).toBe(true);
    expect(isHostName(`${label(64)}.test`)).toBe(false);
    const long = [label(63), label(63), label(63), label(61)].join(".");
    expect(long).toHaveLength(253);
    expect(isHostName(long)).toBe(true);
    expect(isHostName(`${long}a`)).toBe(false);
    for (const good of ["a", "A-b.C9", "xn--bcher-kva.example"]) expect(isHostName(good), good).toBe(true);
    for (const bad of ["", "-a", "a-", "a..b", "a_b", "a.b.", ".a"]) expect(isHostName(bad), bad).toBe(false);
  });

  it("ports from 1 to 65535, integers only", () => {
    for (const port of [1, 587, 65535]) expect(valid(withSub({ port })), String(port)).toBe(true);
    for (const port of [0, 65536, 587.5, -1]) expect(valid(withSub({ port })), String(port)).toBe(false);
  });

  it("mechanisms: a non-empty list of distinct known ones", () => {
    expect(valid(withSub({ auth: ["XOAUTH2", "NTLM", "CRAM-MD5", "LOGIN", "PLAIN"] }))).toBe(true);
    expect(valid(withSub({ auth: [] }))).toBe(false);
    expect(valid(withSub({ auth: ["PLAIN", "PLAIN"] }))).toBe(false);
    expect(valid({ ...base, submission: { ...base.submission, auth: ["GSSAPI"] } })).toBe(false);
    expect(valid({ ...base, submission: { ...base.submission, security: "none" } })).toBe(false);
  });

  it("user-name templates: literal text and the three placeholders only", () => {
    for (const good of ["{email}", "{local}", "{local}@{domain}", "CORP\\{local}", "fixed-user"]) expect(valid(withSub({ username: good })), good).toBe(true);
    for (const bad of ["{user}", "{email", "email}", "{{email}}", "{EMAIL}", ""]) expect(valid(withSub({ username: bad })), bad).toBe(false);
  });

  it("rootCa: 64 lowercase hex digits, a PEM of at most 16 KiB", () => {
    expect(valid({ ...base, rootCa: { ...base.rootCa, sha256: base.rootCa.sha256.toUpperCase() } })).toBe(false);
    expect(valid({ ...base, rootCa: { ...base.rootCa, sha256: base.rootCa.sha256.slice(1) } })).toBe(false);
    expect(valid({ ...base, rootCa: { ...base.rootCa, pem: `${base.rootCa.pem}${" ".repeat(16_384 - base.rootCa.pem.length)}` } })).toBe(true);
    expect(valid({ ...base, rootCa: { ...base.rootCa, pem: `${base.rootCa.pem}${" ".repeat(16_385 - base.rootCa.pem.length)}` } })).toBe(false);
    expect(valid({ ...base, rootCa: { ...base.rootCa, pem: "" } })).toBe(false);
  });

  it("support contacts: an https URL and an email address", () => {
    expect(valid(withOrg({ support: { url: "https://help.internal.test/x", email: "help@internal.test" } }))).toBe(true);
    expect(valid(withOrg({ support: { url: "http://help.internal.test" } }))).toBe(false);
    expect(valid(withOrg({ support: { url: "javascript:alert(1)" } }))).toBe(false);
    expect(valid(withOrg({ support: { url: `https://h.test/${"p".repeat(2048)}` } }))).toBe(false);
    expect(valid(withOrg({ support: { email: "not-an-address" } }))).toBe(false);
    expect(valid(withOrg({ support: { email: `${"e".repeat(250)}@x.test` } }))).toBe(false);
    expect(valid(withOrg({ support: { email: "help\u202e@internal.test" } }))).toBe(false);
  });

  it("incoming: IMAP or POP3 with TLS or STARTTLS", () => {
    const incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
    expect(valid({ ...base, incoming })).toBe(true);
    expect(valid({ ...base, incoming: { ...incoming, protocol: "pop3" } })).toBe(true);
    expect(valid({ ...base, incoming: { ...incoming, protocol: "smtp" } })).toBe(false);
    expect(valid({ ...base, incoming: { ...incoming, security: "plain" } })).toBe(false);
  });

  it("claims: dates within year 9999, ver from 1, strict payload", () => {
    const claims = { iss: "internal.test", iat: NOW_S, exp: NOW_S + 60, ver: 1 };
    expect(claimsSchema.safeParse(claims).success).toBe(true);
    expect(claimsSchema.safeParse({ ...claims, exp: 253_402_300_799 }).success).toBe(true);
    expect(claimsSchema.safeParse({ ...claims, exp: 253_402_300_800 }).success).toBe(false);
    expect(claimsSchema.safeParse({ ...claims, iat: -1 }).success).toBe(false);
    expect(claimsSchema.safeParse({ ...claims, ver: 0 }).success).toBe(false);
    expect(claimsSchema.safeParse({ ...claims, ver: 1.5 }).success).toBe(false);
    expect(claimsSchema.safeParse({ ...claims, nbf: NOW_S }).success).toBe(true);
    expect(claimsSchema.safeParse({ ...claims, iss: "" }).success).toBe(false);
    const payload = { ...claims, config: base };
    expect(payloadSchema.safeParse(payload).success).toBe(true);
    expect(payloadSchema.safeParse({ ...payload, extra: 1 }).success).toBe(false);
    expect(unsignedPayloadSchema.safeParse({ iss: "internal.test", config: base }).success).toBe(true);
    expect(unsignedPayloadSchema.safeParse({ iss: "internal.test", config: base, ver: 3 }).success).toBe(false);
  });

  it("tells IT exactly which field is wrong and why", () => {
    const why = (config: unknown) => {
      const r = configSchema.safeParse(config);
      expect(r.success).toBe(false);
      return describeIssues(r.error!);
    };
    expect(why(withSub({ host: "999.1.1.1" }))).toBe("submission.host: must be a host name or a valid IP address");
    expect(why(withOrg({ domains: ["internal.12"] }))).toBe("organization.domains.0: must be a domain name");
    expect(why(withOrg({ support: { email: "a\u202e@internal.test" } }))).toMatch(/^organization\.support\.email: Invalid email address/);
    expect(why({ ...base, rootCa: { ...base.rootCa, sha256: `a${base.rootCa.sha256}` } })).toBe("rootCa.sha256: must be 64 lowercase hex digits");
    expect(why({ ...base, rootCa: { ...base.rootCa, sha256: `${base.rootCa.sha256.slice(1)}g` } })).toBe("rootCa.sha256: must be 64 lowercase hex digits");
    expect(why({ ...base, rootCa: { ...base.rootCa, sha256: "0".repeat(64) } })).toMatch(/^rootCa\.sha256: does not match the certificate \(its SHA-256 is [0-9a-f]{64}\)$/);
    expect(why({ ...base, rootCa: { ...base.rootCa, pem: "not a certificate" } })).toBe("rootCa.pem: expected exactly one PEM certificate, found 0");
    expect(why({ ...base, x: 1, y: 2 })).toBe('(document): unknown field(s) "x", "y"');
    expect(describeIssues(configSchema.safeParse(withSub({ port: 0 })).error!)).toBe("submission.port: Too small: expected number to be >=1");
  });

  it("names and domains ending in letters after digits are names; IP-looking ones must be valid", () => {
    for (const good of ["a.1abc", "relay.v4", "mx1.example.org"]) expect(valid(withSub({ host: good })), good).toBe(true);
    for (const good of ["mail.v4", "example.abc1", "x.1abc"]) expect(valid(withOrg({ domains: [good] })), good).toBe(true);
    for (const bad of ["internal.12", "x.1", "10.0.0.1"]) expect(valid(withOrg({ domains: [bad] })), bad).toBe(false);
    expect(valid(withSub({ security: "tls", port: 465 }))).toBe(true);
    for (const url of ["xhttps://help.internal.test", "httpss://help.internal.test"]) expect(valid(withOrg({ support: { url } })), url).toBe(false);
  });

  it("summarises failures on one line: paths, unknown fields, at most three, and how many more", () => {
    const one = configSchema.safeParse({ ...base, extra: 1, submission: { ...base.submission, port: 0 } });
    expect(one.success).toBe(false);
    const text = describeIssues(one.error!);
    expect(text).toContain('(document): unknown field(s) "extra"');
    expect(text).toMatch(/submission\.port: /);
    expect(text).not.toContain("more)");
    const many = configSchema.safeParse({ ...base, a: 1, submission: { ...base.submission, port: 0, host: "bad host", username: "{x}" } });
    const summary = describeIssues(many.error!);
    expect(summary.split("; ")).toHaveLength(3);
    expect(summary).toMatch(/ \(and 1 more\)$/);
    expect(describeIssues(many.error!, 1)).toMatch(/ \(and 3 more\)$/);
    expect(describeIssues(many.error!, 4)).not.toMatch(/more\)/);
  });

  it("names a control or bidirectional character in an address besides zod's own verdict on it", async () => {
    for (const email of ["help\u202edesk@internal.test", "help\u0007desk@internal.test"]) {
      const payload = await unsignedPayload();
      payload.config.organization.support = { ...payload.config.organization.support, email };
      const issues = unsignedPayloadSchema.safeParse(payload).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      expect(issues, JSON.stringify(email)).toEqual(["config.organization.support.email: Invalid email address", "config.organization.support.email: must not contain control characters"]);
    }
  });
});
