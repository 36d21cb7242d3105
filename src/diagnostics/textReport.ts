// The human report: first the verdict and the next action, then the steps, TLS and the transcript.
import { formatFingerprint } from "../certs/fingerprint.js";
import { readableIso } from "../time.js";
import { FAILURE_CODES } from "../errors.js";
import { describeAccount, type Report } from "./report.js";
import type { CheckResult } from "./steps.js";

const MARK: Record<CheckResult["status"], string> = { pass: "[ OK ]", warn: "[WARN]", fail: "[FAIL]", skip: "[SKIP]" };

export function headline(report: Report, passLine?: string): string[] {
  const failed = report.checks.find((c) => c.code === report.code && c.status !== "pass" && c.status !== "skip");
  if (report.verdict === "pass") return [`PASS: ${passLine ?? `${report.target.host} port ${report.target.port} works for sending mail.`}`];
  const code = report.code === "OK" ? undefined : report.code;
  const hint = code ? FAILURE_CODES[code].hint : "";
  return [`${report.verdict.toUpperCase()} ${report.code}: ${failed?.message ?? (code ? FAILURE_CODES[code].title : "")}`, `What to do: ${hint}`];
}

export function renderTextReport(report: Report, passLine?: string): string {
  const out: string[] = [...headline(report, passLine), ""];
  const { host, port, security } = report.target;
  out.push(`Relay ${host} port ${port} (${security === "tls" ? "implicit TLS" : "STARTTLS"}), relay-onboard ${report.tool.version}`);
  out.push(`Date: ${readableIso(report.startedAt)}${report.configuration ? `; configuration ${report.configuration.issuer} version ${report.configuration.version}` : ""}${report.reference ? `; reference ${report.reference}` : ""}${report.reportId ? `, report ${report.reportId}` : ""}`);
  if (report.account) out.push(`Account: ${describeAccount(report.account)}`);
  if (report.os) out.push(`Computer: ${report.os.type} ${report.os.release} (${report.os.arch})`);
  for (const c of report.checks) {
    out.push(`  ${MARK[c.status]} ${c.title.padEnd(40)} ${String(c.durationMs).padStart(5)} ms  ${c.message}`);
  }
  if (report.trustAnchor) out.push(`Organisation root: ${report.trustAnchor.subject}, SHA-256 ${formatFingerprint(report.trustAnchor.sha256)}`);
  if (report.tls) {
    out.push("", `TLS: ${report.tls.protocol}, ${report.tls.cipher}`);
    report.tls.chain.forEach((cert, i) => {
      out.push(`  [${i}] ${cert.subject}`, `      issued by ${cert.issuer}, expires ${cert.notAfter}`, `      SHA-256 ${formatFingerprint(cert.sha256)}`);
    });
  }
  if (report.transcript.length > 0) {
    out.push("", "Transcript (login data hidden):");
    const arrow = { client: "C:", server: "S:", info: "* " } as const;
    for (const e of report.transcript) {
      e.text.split("\n").forEach((line, i) => out.push(`  ${i === 0 ? `+${e.t}ms`.padStart(8) : "        "} ${arrow[e.dir]} ${line}`));
    }
  }
  return out.join("\n") + "\n";
}
