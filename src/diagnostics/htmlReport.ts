// A self-contained HTML report: no scripts, no external resources, every value escaped (a hostile
// server writes part of this page through its replies). The app saves it in the user's language
// (the catalogues in src/i18n); what the server said stays as it said it. On a phone each step is
// a block of its own rather than a table too narrow to read.
import { formatFingerprint } from "../certs/fingerprint.js";
import { checkTitle } from "../i18n/checkTitle.js";
import { catalogueLanguage, translator, type MessageId } from "../i18n/translate.js";
import { readableIso } from "../time.js";
import type { Report } from "./report.js";
import { headline } from "./textReport.js";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function renderHtmlReport(report: Report, passLine?: string, locale?: string): string {
  const e = escapeHtml;
  const lang = catalogueLanguage(locale);
  const t = translator(lang);
  const { host, port } = report.target;
  // A step's title in the report's language (English keeps main's own titles).
  const title = (c: Report["checks"][number]) => (lang === "en" ? c.title : checkTitle(t, c, { host, port }));
  const number = new Intl.NumberFormat(lang);
  const seconds = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
  const end = Math.max(1, ...report.checks.map((c) => c.startMs + c.durationMs));
  const th = { result: t("report.th.result"), step: t("report.th.step"), code: t("report.th.code"), time: t("report.th.time"), timeline: t("report.th.timeline"), details: t("report.th.details") };
  const rows = report.checks
    .map((c) => {
      const left = (c.startMs / end) * 100;
      const width = Math.max(0.5, (c.durationMs / end) * 100);
      return `<tr><td data-label="${e(th.result)}"><span class="badge ${c.status}">${e(t(`report.status.${c.status}`))}</span></td><td class="step" data-label="${e(th.step)}">${e(title(c))}</td><td data-label="${e(th.code)}"><code>${e(c.code)}</code></td><td class="num" data-label="${e(th.time)}">${e(t("report.ms", { ms: number.format(c.durationMs) }))}</td>` +
        `<td class="wf"><div class="bar ${c.status}" style="margin-left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></div></td><td data-label="${e(th.details)}">${e(c.message)}${c.hint && c.status !== "pass" ? `<div class="hint">${e(c.hint)}</div>` : ""}</td></tr>`;
    })
    .join("\n");
  const fp = (hex: string) => `<code class="fp">${formatFingerprint(hex).split(" ").map((g) => `<span>${e(g)}</span>`).join(" ")}</code>`;
  const chain = report.tls
    ? `<h2>TLS</h2><p>${e(report.tls.protocol)}, ${e(report.tls.cipher)}</p><ol>${report.tls.chain
        .map((c) => `<li>${e(c.subject)}<br>${e(t("report.issuedBy", { issuer: c.issuer, expires: c.notAfter }))}<br>${fp(c.sha256)}</li>`)
        .join("")}</ol>`
    : "";
  const transcript = report.transcript.map((x) => `<span class="${x.dir}">+${x.t}ms ${x.dir === "client" ? "C:" : x.dir === "server" ? "S:" : "* "} ${e(x.text)}</span>`).join("\n");
  // The verdict in words: English keeps the command line's sentences; other languages the app's own.
  const code = report.code === "OK" ? undefined : report.code;
  const [verdictLine, action] = lang === "en"
    ? headline(report, passLine)
    : report.verdict === "pass"
      ? [`${t("diag.verdict.pass")}: ${t("report.passLine", { host, port })}`]
      : [`${t(`diag.verdict.${report.verdict}`)} ${report.code}${code ? `: ${t(`code.${code}.user` as MessageId)}` : ""}`, code ? `${t("report.whatToDo")} ${t(`code.${code}.next` as MessageId)}` : undefined];
  const took = Math.max(0, Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const account = report.account;
  const meta: Array<[string, string]> = [
    [t("report.date"), t("report.took", { when: readableIso(report.startedAt), seconds: seconds.format(took) })],
    [t("report.relay"), t("report.relayValue", { host, port, security: report.target.security === "tls" ? t("report.implicitTls") : "STARTTLS" })],
    [t("report.verdict"), `${report.verdict.toUpperCase()} ${report.code}`],
    [t("report.tool"), `relay-onboard ${report.tool.version}`],
    [t("report.configuration"), report.configuration ? t("report.configurationValue", { issuer: report.configuration.issuer, version: report.configuration.version }) : t("report.noConfiguration")],
    ...(report.reference ? ([[t("report.reference"), report.reference]] as Array<[string, string]>) : []),
    ...(report.reportId ? ([[t("report.report"), report.reportId]] as Array<[string, string]>) : []),
    ...(account ? ([[t("report.account"), account.login && account.login !== account.email ? t("report.accountLogin", { email: account.email ?? "", login: account.login }) : (account.email ?? account.login ?? "")]] as Array<[string, string]>) : []),
    ...(report.os ? ([[t("report.computer"), `${report.os.type} ${report.os.release} (${report.os.arch})`]] as Array<[string, string]>) : []),
  ];
  const anchor = report.trustAnchor ? `<dt>${e(t("report.orgRoot"))}</dt><dd>${e(report.trustAnchor.subject)}<br>${fp(report.trustAnchor.sha256)}</dd>` : "";
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="color-scheme" content="light dark">
<title>${e(t("report.pageTitle", { host }))}</title>
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
@media (max-width:640px){.wf{display:none}dl{grid-template-columns:minmax(0,1fr)}dt{margin-top:4px}
.steps thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}.steps,.steps tbody,.steps tr,.steps td{display:block}
.steps tr{border-bottom:1px solid var(--line);padding:6px 0}.steps td{border:0;padding:1px 0}.steps td.num{text-align:left}
.steps td[data-label]:not(:first-child):not(.step)::before{content:attr(data-label) ": ";color:var(--muted)}.steps td:first-child{float:left;margin-right:8px}.steps td.step{font-weight:600}}
@media (forced-colors:active){.badge{border:1px solid CanvasText}.bar{forced-color-adjust:none;background:CanvasText}}
</style></head><body>
<header>
<h1>${e(t("report.title"))}</h1>
<p class="verdict ${report.verdict}">${e(verdictLine ?? "")}</p>${action ? `<p>${e(action)}</p>` : ""}
<dl>${meta.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")}${anchor}</dl>
</header>
<h2>${e(t("report.steps"))}</h2>
<table class="steps"><thead><tr><th scope="col">${e(th.result)}</th><th scope="col">${e(th.step)}</th><th scope="col">${e(th.code)}</th><th scope="col">${e(th.time)}</th><th scope="col" class="wf">${e(th.timeline)}</th><th scope="col">${e(th.details)}</th></tr></thead><tbody>
${rows}
</tbody></table>
${chain}
<h2>${e(t("report.transcript"))}</h2>
<pre tabindex="0">${transcript}</pre>
</body></html>
`;
}
