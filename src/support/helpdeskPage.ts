// The helpdesk's page for one reference: its reports, newest first. Every character of a report came
// from a user's computer or a hostile server, so all of it is escaped text — the page has no script,
// and its Content-Security-Policy forbids any (and any request elsewhere) should escaping ever fail.
import { escapeHtml as e } from "../diagnostics/htmlReport.js";
import { describeAccount } from "../diagnostics/report.js";
import type { StoredReport } from "./submission.js";

export const HELPDESK_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.fail{color:#a00000}.warn{color:#8a5a00}.pass{color:#046b1f}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f5f5;padding:.5rem}
@media (max-width:40rem){dl{grid-template-columns:1fr}td,th{display:block}}`;

function one(r: StoredReport): string {
  const rep = r.report;
  const account = rep.account ? describeAccount(rep.account) : "not given";
  const rows = rep.checks.map((c) => `<tr><td class="${c.status === "fail" ? "fail" : c.status === "warn" ? "warn" : "pass"}">${e(c.status.toUpperCase())}</td><td>${e(c.title)}</td><td><code>${e(c.code)}</code></td><td>${e(c.message)}${c.hint ? `<br><em>${e(c.hint)}</em>` : ""}</td></tr>`).join("");
  const transcript = rep.transcript.map((t) => `${t.dir === "client" ? "C:" : t.dir === "server" ? "S:" : "* "} ${t.text}`).join("\n");
  const verdictClass = rep.verdict === "fail" ? "fail" : rep.verdict === "warn" ? "warn" : "pass";
  return `<section><h2>Report ${e(r.reportId)} — <span class="${verdictClass}">${e(rep.verdict.toUpperCase())} ${e(rep.code)}</span></h2>
<dl><dt>Sent</dt><dd>${e(r.sentAt)} (received ${e(r.received)})</dd><dt>Account</dt><dd>${e(account)}</dd>
<dt>Relay</dt><dd>${e(rep.target.host)} port ${rep.target.port} (${rep.target.security === "tls" ? "implicit TLS" : "STARTTLS"})</dd>
<dt>Computer</dt><dd>${e(`${r.os.type} ${r.os.release} (${r.os.arch})`)}</dd><dt>Tool</dt><dd>relay-onboard ${e(r.tool.version)}</dd>
${rep.configuration ? `<dt>Configuration</dt><dd>${e(rep.configuration.issuer)}, version ${rep.configuration.version}</dd>` : ""}</dl>
<table><thead><tr><th>Result</th><th>Step</th><th>Code</th><th>What happened</th></tr></thead><tbody>${rows}</tbody></table>
<details><summary>Conversation with the server (${rep.transcript.length} lines, no password)</summary><pre>${e(transcript)}</pre></details></section>`;
}

export function helpdeskPage(reference: string, reports: readonly StoredReport[]): string {
  const body = reports.length ? reports.map(one).join("\n") : "<p>No report has been received for this reference yet. Ask the user to press “Send to my helpdesk”.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${HELPDESK_CSP}">
<title>Relay Onboard reports: ${e(reference)}</title><style>${STYLE}</style></head>
<body><h1>Reports for ${e(reference)}</h1><p>${reports.length} report(s), newest first.</p>
${body}
</body></html>
`;
}

/** The same for a terminal: one block per report (the caller makes it terminal-safe). */
export function helpdeskText(reference: string, reports: readonly StoredReport[]): string {
  if (!reports.length) return `No report for ${reference} yet.\n`;
  return reports
    .map((r) => {
      const rep = r.report;
      const failed = rep.checks.filter((c) => c.status === "fail" || c.status === "warn").map((c) => `  ${c.status.toUpperCase()} ${c.code}: ${c.message}`);
      return [`${reference} report ${r.reportId}: ${rep.verdict.toUpperCase()} ${rep.code}`, `  sent ${r.sentAt}, received ${r.received}`, `  account ${rep.account?.email ?? "not given"}${rep.account?.login && rep.account.login !== rep.account.email ? ` (login ${rep.account.login})` : ""}`, `  relay ${rep.target.host}:${rep.target.port} ${rep.target.security}; computer ${r.os.type} ${r.os.release} (${r.os.arch}); relay-onboard ${r.tool.version}`, ...failed].join("\n");
    })
    .join("\n\n") + "\n";
}
