// A self-contained HTML report for the helpdesk: no scripts, no external resources, every value
// escaped (a hostile server writes part of this page through its replies).
import { colonHex } from "../certs/pem.js";
import type { Report } from "./report.js";
import { headline } from "./textReport.js";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const COLORS = { pass: "#1a7f37", warn: "#9a6700", fail: "#cf222e", skip: "#6e7781" } as const;

export function renderHtmlReport(report: Report, passLine?: string): string {
  const e = escapeHtml;
  const end = Math.max(1, ...report.checks.map((c) => c.startMs + c.durationMs));
  const rows = report.checks
    .map((c) => {
      const left = (c.startMs / end) * 100;
      const width = Math.max(0.5, (c.durationMs / end) * 100);
      return `<tr><td><span class="badge" style="background:${COLORS[c.status]}">${e(c.status)}</span></td><td>${e(c.title)}</td><td><code>${e(c.code)}</code></td><td class="num">${c.durationMs} ms</td>` +
        `<td class="wf"><div class="bar" style="margin-left:${left.toFixed(2)}%;width:${width.toFixed(2)}%;background:${COLORS[c.status]}"></div></td><td>${e(c.message)}${c.hint && c.status !== "pass" ? `<div class="hint">${e(c.hint)}</div>` : ""}</td></tr>`;
    })
    .join("\n");
  const chain = report.tls
    ? `<h2>TLS</h2><p>${e(report.tls.protocol)}, ${e(report.tls.cipher)}</p><ol>${report.tls.chain
        .map((c) => `<li>${e(c.subject)}<br>issued by ${e(c.issuer)}, expires ${e(c.notAfter)}<br><code>${e(colonHex(c.sha256))}</code></li>`)
        .join("")}</ol>`
    : "";
  const transcript = report.transcript.map((t) => `<span class="${t.dir}">+${t.t}ms ${t.dir === "client" ? "C:" : t.dir === "server" ? "S:" : "* "} ${e(t.text)}</span>`).join("\n");
  const [title, action] = headline(report, passLine);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Relay Onboard report: ${e(report.target.host)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1f2328}
.verdict{font-size:1.3em;font-weight:600;color:${COLORS[report.verdict]}}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #d0d7de;padding:4px 6px;vertical-align:top}
.badge{color:#fff;border-radius:3px;padding:0 6px;font-size:12px;text-transform:uppercase}
.wf{width:25%;min-width:120px}.bar{height:10px;border-radius:2px}.num{text-align:right;white-space:nowrap}
.hint{color:#57606a;font-size:12px}pre{background:#f6f8fa;padding:1em;overflow-x:auto}
.client{color:#0550ae}.server{color:#1f2328}.info{color:#6e7781}
</style></head><body>
<h1>Relay Onboard report</h1>
<p class="verdict">${e(title ?? "")}</p>${action ? `<p>${e(action)}</p>` : ""}
<p>Relay <b>${e(report.target.host)}</b> port ${report.target.port} (${report.target.security === "tls" ? "implicit TLS" : "STARTTLS"}), relay-onboard ${e(report.tool.version)}${report.reference ? `, reference <b>${e(report.reference)}</b>` : ""}</p>
<h2>Steps</h2>
<table><tbody>
${rows}
</tbody></table>
${chain}
<h2>Transcript (login data hidden)</h2>
<pre>${transcript}</pre>
</body></html>
`;
}
