// One way to show a fingerprint: the CLI's text and the HTML report render the same characters,
// broken only between groups (the app's Trust screen and Diagnostics are compared with these
// character for character in test/e2e/app.test.ts).
import { describe, expect, it } from "vitest";
import { fingerprintGroups, formatFingerprint } from "../../src/certs/fingerprint.js";
import { renderHtmlReport } from "../../src/diagnostics/htmlReport.js";
import type { Report } from "../../src/diagnostics/report.js";
import { renderTextReport } from "../../src/diagnostics/textReport.js";

const HEX = "579f947e91b9078121f81262df598c5e07a55246e424afdea75f5b90d1941811";
const SHOWN = "57:9F:94:7E 91:B9:07:81 21:F8:12:62 DF:59:8C:5E 07:A5:52:46 E4:24:AF:DE A7:5F:5B:90 D1:94:18:11";

const report: Report = {
  tool: { name: "relay-onboard", version: "test" },
  startedAt: "2026-11-30T14:02:11.123+01:00",
  finishedAt: "2026-11-30T14:02:11.456+01:00",
  target: { host: "relay.example.org", port: 587, security: "starttls" },
  verdict: "pass",
  code: "OK",
  checks: [],
  tls: { protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", chain: [{ subject: "CN=relay", issuer: "CN=Org Root", sha256: HEX, notAfter: "2027-01-01T00:00:00.000Z" }] },
  transcript: [],
  trustAnchor: { subject: "CN=Org Root", sha256: HEX },
} as unknown as Report;

describe("fingerprints for people", () => {
  it("uppercase pairs with colons, four bytes to a group, whatever form comes in", () => {
    expect(formatFingerprint(HEX)).toBe(SHOWN);
    expect(formatFingerprint(HEX.toUpperCase().match(/../g)!.join(":"))).toBe(SHOWN);
    expect(formatFingerprint(SHOWN)).toBe(SHOWN);
    expect(fingerprintGroups(HEX)).toHaveLength(8);
    expect(fingerprintGroups("abcdef")).toEqual(["AB:CD:EF"]);
    expect(formatFingerprint("")).toBe("");
  });

  it("renders identically in the text report and the HTML report", () => {
    expect(renderTextReport(report)).toContain(`SHA-256 ${SHOWN}\n`);
    expect(renderTextReport(report)).toContain(`Organisation root: CN=Org Root, SHA-256 ${SHOWN}\n`);
    const html = renderHtmlReport(report);
    const codes = [...html.matchAll(/<code class="fp">(.*?)<\/code>/g)].map((m) => m[1]!);
    expect(codes.map((c) => c.replace(/<[^>]+>/g, ""))).toEqual([SHOWN, SHOWN]); // the organisation root, and the chain
    const code = codes[0]!;
    expect(code).toContain("<span>57:9F:94:7E</span> <span>91:B9:07:81</span>");
  });
});
