// Redaction by protocol state, per mechanism: between a client AUTH line and the server's final
// reply, every client line in the transcript is the marker — and none of the bytes the server
// actually received in that exchange appears in the JSON, text or HTML report, nor in the onboard
// log. Run with the right and a wrong password, so every continuation line (LOGIN's two, CRAM-MD5's
// and NTLM's one, XOAUTH2's empty line after an error) is exercised.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCert } from "../../src/certs/generate.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import type { SaslMechanism } from "../../src/config/mechanisms.js";
import { runCheck } from "../../src/diagnostics/check.js";
import { submissionOf } from "../../src/support/send.js";
import { renderHtmlReport } from "../../src/diagnostics/htmlReport.js";
import type { Report } from "../../src/diagnostics/report.js";
import { renderTextReport } from "../../src/diagnostics/textReport.js";
import { AUTH_MARKER } from "../../src/smtp/transcript.js";
import { fakeSmtp, type FakeSmtp } from "../helpers/fakeSmtp.js";
import { issueServerCert, jwksText, makeKey, signed, tempDir, testCa, unsignedPayload } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const MECHANISMS: SaslMechanism[] = ["PLAIN", "LOGIN", "CRAM-MD5", "NTLM", "XOAUTH2"];
const USER = "user@internal.test";
const PASSWORD = "correct horse";
let ca: IssuedCert;
let server: FakeSmtp;

beforeAll(async () => {
  ca = await testCa();
  server = await fakeSmtp({ user: USER, password: PASSWORD }, await issueServerCert(ca, ["127.0.0.1"]));
});
afterAll(async () => server.close());

/** What the server received from the AUTH line to the end of the exchange (the lines that carry credentials). */
function authLinesReceived(from: number): string[] {
  const lines = server.received.slice(from).map((r) => r.line);
  const start = lines.findIndex((l) => /^AUTH /i.test(l));
  const end = lines.findIndex((l, i) => i > start && /^(MAIL|RSET|QUIT|EHLO)\b/i.test(l));
  return lines.slice(start, end === -1 ? undefined : end);
}

/** Every client line from AUTH to the server's final (non-334) reply is the marker. */
function expectTranscriptRedacted(report: Report, mechanism: SaslMechanism): void {
  const entries = report.transcript;
  const start = entries.findIndex((e) => e.dir === "client" && e.text.startsWith("AUTH "));
  expect(start, "an AUTH line in the transcript").toBeGreaterThanOrEqual(0);
  expect([`AUTH ${mechanism}`, `AUTH ${mechanism} ${AUTH_MARKER(mechanism)}`]).toContain(entries[start]!.text);
  let clientLines = 0;
  for (const entry of entries.slice(start + 1)) {
    if (entry.dir === "server" && !entry.text.startsWith("334")) break;
    if (entry.dir === "client") {
      clientLines++;
      expect(entry.text, `${mechanism}: a client line inside AUTH`).toBe(AUTH_MARKER(mechanism));
    }
  }
  const continuations = { PLAIN: 0, LOGIN: 2, "CRAM-MD5": 1, NTLM: 1, XOAUTH2: 0 }[mechanism];
  expect(clientLines, `${mechanism}: continuation lines`).toBeGreaterThanOrEqual(continuations);
}

/** No credential-bearing part of what the server received appears in the outputs. */
function expectNoAuthData(outputs: string[], received: string[], mechanism: SaslMechanism): void {
  const secrets = received
    .flatMap((line) => (/^AUTH /i.test(line) ? line.split(" ").slice(2) : [line]))
    .filter((part) => part.length >= 4 && part !== "*");
  if (mechanism !== "PLAIN" && mechanism !== "XOAUTH2") expect(secrets.length, `${mechanism}: continuation data seen by the server`).toBeGreaterThan(0);
  for (const output of outputs) {
    for (const secret of secrets) expect(output.includes(secret), `${mechanism}: "${secret.slice(0, 16)}…" leaked`).toBe(false);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(Buffer.from(PASSWORD).toString("base64"));
  }
}

describe("redaction by protocol state, for every mechanism", () => {
  for (const mechanism of MECHANISMS) {
    for (const secret of [PASSWORD, "wrong Pa55word"]) {
      it(`${mechanism}, ${secret === PASSWORD ? "accepted" : "refused"} login: transcript, JSON, text and HTML`, async () => {
        const from = server.received.length;
        const report = await runCheck({
          host: "127.0.0.1", port: server.port, security: "starttls", caPem: ca.certPem, mechanisms: [mechanism],
          credentials: { user: USER, secret }, gridPorts: [], version: "test", timeoutMs: 5000,
        });
        expect(report.checks.find((c) => c.id === "auth")?.status).toBe(secret === PASSWORD ? "pass" : "fail");
        expectTranscriptRedacted(report, mechanism);
        const received = authLinesReceived(from);
        expect(received[0]).toMatch(new RegExp(`^AUTH ${mechanism}`));
        const forms = (s: string) => [s, Buffer.from(s).toString("base64")];
        // What "Send to my helpdesk" sends, and the report in each language, as much as what is saved.
        const sent = submissionOf({ reference: "RO-0000-0000", report, version: "test" }).body;
        const outputs = [JSON.stringify(report), renderTextReport(report), renderHtmlReport(report), renderHtmlReport(report, undefined, "de"), sent];
        expectNoAuthData(outputs, received, mechanism);
        for (const output of outputs) for (const f of forms(secret)) expect(output).not.toContain(f);
      });
    }
  }

  it("the onboard log of a real run holds no client line of the exchange", async () => {
    const dir = await tempDir("ro-redact-");
    const key = await makeKey();
    for (const mechanism of MECHANISMS) {
      const payload = await unsignedPayload();
      payload.config.submission = { host: "127.0.0.1", port: server.port, security: "starttls", auth: [mechanism], username: "{email}" };
      payload.config.rootCa = { pem: ca.certPem, sha256: sha256Hex(singleCertificateDer(ca.certPem)) };
      const { writeFile } = await import("node:fs/promises");
      await writeFile(join(dir, "c.jws"), await signed(key, { payload, now: new Date(), ver: MECHANISMS.indexOf(mechanism) + 1 }));
      await writeFile(join(dir, "t.json"), jwksText([key]));
      const from = server.received.length;
      // Apple Mail is not on this machine: the client step fails (exit 4) after the relay test, which is what is looked at here.
      // The command line as it ships (the installers' executable).
      const ran = await runShipped(["onboard", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "state"), "--log-dir", join(dir, "logs"), "--out-dir", dir, "--email", USER, "--password-env", "RELAY_PW", "--ca-store", "none", "--clients", "apple-mail", "--yes"], { env: { RELAY_PW: "wrong Pa55word" } });
      const [status, out] = [ran.status, ran.stdout + ran.stderr];
      expect(status, out).toBe(4);
      const log = await readFile(join(dir, "logs", "onboard.log"), "utf8");
      expect(log).toMatch(/test failed AUTH_FAILED/);
      expectNoAuthData([log, out], authLinesReceived(from), mechanism);
    }
  });
});
