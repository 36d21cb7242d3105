// A self-contained HTML report for the helpdesk: no scripts, no external resources, every value
// escaped (a hostile server writes part of this page through its replies).
import { formatFingerprint } from "../certs/fingerprint.js";
import { readableIso } from "../time.js";
import { describeAccount, type Report } from "./report.js";
import { headline } from "./textReport.js";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const MARK = { pass: "✓ pass", warn: "! warn", fail: "✗ fail", skip: "– skip" } as const;

export function renderHtmlReport(report: Report, passLine?: string): string {
  const e = escapeHtml;
  const end = Math.max(1, ...report.checks.map((c) => c.startMs + c.durationMs));
  const rows = report.checks
    .map((c) => {
      const left = (c.startMs / end) * 100;
      const width = Math.max(0.5, (c.durationMs / end) * 100);
      return `<tr><td><span class="badge ${c.status}">${MARK[c.status]}</span></td><td>${e(c.title)}</td><td><code>${e(c.code)}</code></td><td class="num">${c.durationMs} ms</td>` +
        `<td class="wf"><div class="bar ${c.status}" style="margin-left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></div></td><td>${e(c.message)}${c.hint && c.status !== "pass" ? `<div class="hint">${e(c.hint)}</div>` : ""}</td></tr>`;
    })
    .join("\n");
  const fp = (hex: string) => `<code class="fp">${formatFingerprint(hex).split(" ").map((g) => `<span>${e(g)}</span>`).join(" ")}</code>`;
  const chain = report.tls
    ? `<h2>TLS</h2><p>${e(report.tls.protocol)}, ${e(report.tls.cipher)}</p><ol>${report.tls.chain
        .map((c) => `<li>${e(c.subject)}<br>issued by ${e(c.issuer)}, expires ${e(c.notAfter)}<br>${fp(c.sha256)}</li>`)
        .join("")}</ol>`
    : "";
  const transcript = report.transcript.map((t) => `<span class="${t.dir}">+${t.t}ms ${t.dir === "client" ? "C:" : t.dir === "server" ? "S:" : "* "} ${e(t.text)}</span>`).join("\n");
  const [title, action] = headline(report, passLine);
  const security = report.target.security === "tls" ? "implicit TLS" : "STARTTLS";
  const meta: Array<[string, string]> = [
    ["Date", `${readableIso(report.startedAt)} (took ${Math.max(0, Date.parse(report.finishedAt) - Date.parse(report.startedAt))} ms)`],
    ["Relay", `${report.target.host} port ${report.target.port} (${security})`],
    ["Verdict", `${report.verdict.toUpperCase()} ${report.code}`],
    ["Tool", `relay-onboard ${report.tool.version}`],
    ["Configuration", report.configuration ? `${report.configuration.issuer}, version ${report.configuration.version}` : "none (flags only)"],
    ...(report.reference ? ([["Reference", report.reference]] as Array<[string, string]>) : []),
    ...(report.reportId ? ([["Report", report.reportId]] as Array<[string, string]>) : []),
    ...(report.account ? ([["Account", describeAccount(report.account)]] as Array<[string, string]>) : []),
    ...(report.os ? ([["Computer", `${report.os.type} ${report.os.release} (${report.os.arch})`]] as Array<[string, string]>) : []),
  ];
  const anchor = report.trustAnchor ? `<dt>Organisation root</dt><dd>${e(report.trustAnchor.subject)}<br>${fp(report.trustAnchor.sha256)}</dd>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="color-scheme" content="light dark">
<title>Relay Onboard report: ${e(report.target.host)}</title>
<style>
:root{--fg:#1f2328;--muted:#57606a;--bg:#fff;--code:#f6f8fa;--line:#d0d7de;--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--skip:#6e7781;--client:#0550ae;--pass-text:#1a7f37;--warn-text:#9a6700;--fail-text:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--code:#161b22;--line:#3d444d;--pass:#238636;--warn:#9e6a03;--fail:#da3633;--skip:#6e7781;--client:#79c0ff;--pass-text:#3fb950;--warn-text:#d29922;--fail-text:#f85149}}
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;padding:1em;max-width:1100px;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
.verdict{font-size:1.3em;font-weight:600}.verdict.pass{color:var(--pass-text)}.verdict.warn{color:var(--warn-text)}.verdict.fail{color:var(--fail-text)}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px}dt{color:var(--muted)}dd{margin:0}
table{border-collapse:collapse;width:100%}th{text-align:left;border-bottom:2px solid var(--line);padding:4px 6px}td{border-bottom:1px solid var(--line);padding:4px 6px;vertical-align:top}
.badge{color:#fff;border-radius:3px;padding:0 6px;font-size:12px;text-transform:uppercase;white-space:nowrap}
.badge.pass,.bar.pass{background:var(--pass)}.badge.warn,.bar.warn{background:var(--warn)}.badge.fail,.bar.fail{background:var(--fail)}.badge.skip,.bar.skip{background:var(--skip)}
.wf{width:25%;min-width:120px}.bar{height:10px;border-radius:2px}.num{text-align:right;white-space:nowrap}
.hint{color:var(--muted);font-size:12px}pre{background:var(--code);padding:1em;overflow-x:auto;overflow-wrap:normal}
.fp span{white-space:nowrap}.client{color:var(--client)}.info{color:var(--muted)}
@media (max-width:640px){.wf{display:none}dl{grid-template-columns:minmax(0,1fr)}dt{margin-top:4px}}
@media (forced-colors:active){.badge{border:1px solid CanvasText}.bar{forced-color-adjust:none;background:CanvasText}}
</style></head><body>
<header>
<h1>Relay Onboard report</h1>
<p class="verdict ${report.verdict}">${e(title ?? "")}</p>${action ? `<p>${e(action)}</p>` : ""}
<dl>${meta.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")}${anchor}</dl>
</header>
<h2>Steps</h2>
<table><thead><tr><th scope="col">Result</th><th scope="col">Step</th><th scope="col">Code</th><th scope="col">Time</th><th scope="col" class="wf">Timeline</th><th scope="col">Details</th></tr></thead><tbody>
${rows}
</tbody></table>
${chain}
<h2>Transcript (login data hidden)</h2>
<pre tabindex="0">${transcript}</pre>
</body></html>
`;
}
