// The helpdesk's view: every step with pass/warn/fail and timings, a waterfall of the session,
// TLS and certificate details, the port grid, the redacted transcript, and the support summary.
import { useEffect, useRef, useState } from "react";
import type { Problem, SupportSummary, TestProgress } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { api, call } from "./api.js";
import { CopyButton, Fingerprint, ProblemBox } from "./common.js";
import { checkTitle } from "../../src/i18n/checkTitle.js";
import { Offboard } from "./Offboard.js";
import { SendReport } from "./SendReport.js";
import { useDates, useT } from "./i18n.js";

export function Diagnostics({ active, latest, allowOffboard, reportSending, configured, onOffboarded }: {
  active: boolean;
  latest: Report | undefined;
  allowOffboard: boolean;
  reportSending: boolean;
  /** The relay as the configuration names it, to say when the tested port differs. */
  configured: { port: number; security: "starttls" | "tls" } | undefined;
  onOffboarded: () => void;
}) {
  const t = useT();
  const dates = useDates();
  const [report, setReport] = useState<Report | undefined>(latest);
  const [progress, setProgress] = useState<TestProgress[]>([]);
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState<SupportSummary | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [notOpened, setNotOpened] = useState(false);
  // The report shown before this diagnosis: it stays saved, and the window says so.
  const [keptEarlier, setKeptEarlier] = useState<string | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const busyRef = useRef(false);
  useEffect(() => api().onProgress((p) => busyRef.current && setProgress((list) => [...list, p])), []);
  // The wizard's latest test is shown here as soon as it exists; a diagnosis run here is shown
  // instead, as its own report (the earlier one stays saved under the same reference).
  useEffect(() => setReport(latest), [latest]);
  const refreshSummary = () => void call("support:summary").then((r) => (r.ok ? setSummary(r.value) : setProblem(r.problem)));
  useEffect(() => {
    if (active) refreshSummary();
  }, [active, report]);

  const run = async () => {
    busyRef.current = true;
    setBusy(true);
    setProgress([]);
    setProblem(undefined);
    const previous = report?.reportId;
    const r = await call("relay:diagnose");
    busyRef.current = false;
    setBusy(false);
    if (r.ok) {
      setReport(r.value);
      setKeptEarlier(previous);
    } else setProblem(r.problem);
  };
  const end = Math.max(1, ...(report?.checks.map((c) => c.startMs + c.durationMs) ?? [1]));
  const ports = report?.checks.filter((c) => /port-\d+-ipv[46]$/.test(c.id)) ?? [];
  const steps = report?.checks.filter((c) => !ports.includes(c)) ?? [];
  return (
    <section className="diagnostics">
      <h1 tabIndex={-1}>{t("diag.title")}</h1>
      <p>{t("diag.intro")}</p>
      <div className="actions">
        {busy ? (
          <button type="button" onClick={() => void call("relay:cancel")}>
            {t("diag.cancel")}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void run()}>
            {t("diag.run")}
          </button>
        )}
        {(["html", "json"] as const).map((format) => (
          <button
            key={format}
            type="button"
            disabled={!report}
            onClick={() => void call("report:save", { format }).then((r) => (r.ok ? setSaved(r.value.saved ? t("diag.saved", { path: r.value.path ?? "" }) : t("diag.notSaved")) : setProblem(r.problem)))}
          >
            {t("diag.save", { format: format.toUpperCase() })}
          </button>
        ))}
      </div>
      {busy && (
        <ol className="progress" aria-live="polite" aria-label={t("diag.progressLabel")}>
          <li role="status">
            {t("diag.running")} {progress.length > 0 ? t("diag.last", { step: checkTitle(t, progress[progress.length - 1]!, { host: report?.target.host ?? "", port: report?.target.port ?? 0 }) }) : ""}
          </li>
          {progress.map((p) => (
            <li key={p.id}>
              <span className={`badge ${p.status}`}>{t(`diag.status.${p.status}`)}</span> {checkTitle(t, p, { host: report?.target.host ?? "", port: report?.target.port ?? 0 })}
            </li>
          ))}
        </ol>
      )}
      {problem && <ProblemBox problem={problem} />}
      {saved && <p role="status">{saved}</p>}
      {summary && (
        <div className="summary">
          <p>
            {t("diag.referencePhone")} <strong className="reference" data-raw>{summary.reference}</strong>
          </p>
          <p className="small">{summary.reportPath ? t("diag.reportSaved", { path: summary.reportPath }) : t("diag.noTest")}</p>
          {summary.reportPath && (
            <div className="actions">
              <button type="button" onClick={() => void call("report:open").then((r) => setNotOpened(!(r.ok && r.value)))}>
                {t("diag.open")}
              </button>
              <button type="button" onClick={() => void call("report:show-in-folder").then((r) => setNotOpened(!(r.ok && r.value)))}>
                {t("diag.showInFolder")}
              </button>
              <CopyButton text={summary.text} label={t("diag.summaryLabel")} fallbackId="summary" visible={t("diag.copySummary")} />
            </div>
          )}
          {notOpened && summary.reportPath && <p role="status">{t("diag.notOpened", { path: summary.reportPath.replace(/\.json$/, ".html") })}</p>}
          <label htmlFor="summary">{t("diag.summaryLabel")}</label>
          <textarea id="summary" readOnly rows={9} value={summary.text} onFocus={(e) => e.target.select()} data-raw lang="en" />
          {!summary.reportPath && <CopyButton text={summary.text} label={t("diag.summaryLabel")} fallbackId="summary" visible={t("diag.copySummary")} />}
        </div>
      )}
      {reportSending && report && <SendReport reportId={report.reportId} />}
      {report && (
        <>
          <p className={`verdict ${report.verdict}`} role="status">
            {t("diag.verdict", { verdict: t(`diag.verdict.${report.verdict}`), code: report.code, host: report.target.host, port: report.target.port, security: t(`security.${report.target.security}`) })}
          </p>
          {keptEarlier && report.reportId && keptEarlier !== report.reportId && (
            <p className="small" role="status">
              {t("diag.ownReport", { reportId: report.reportId, previous: keptEarlier })}
            </p>
          )}
          {configured && report.target.port !== configured.port && (
            <p className="hint">{t("diag.provenPort", { port: report.target.port, security: t(`security.${report.target.security}`), configured: configured.port, configuredSecurity: t(`security.${configured.security}`) })}</p>
          )}
          <div className="table-wrap">
            <table className="checks">
              <caption>{t("diag.stepsCaption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("diag.th.result")}</th>
                  <th scope="col">{t("diag.th.step")}</th>
                  <th scope="col">{t("diag.th.time")}</th>
                  <th scope="col" className="waterfall">
                    {t("diag.th.timeline")}
                  </th>
                  <th scope="col">{t("diag.th.details")}</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <span className={`badge ${c.status}`}>{t(`diag.status.${c.status}`)}</span>
                    </td>
                    <td>{checkTitle(t, c, report.target)}</td>
                    <td className="num">{t("diag.ms", { ms: c.durationMs })}</td>
                    <td className="waterfall" aria-hidden="true">
                      <div className={`bar ${c.status}`} style={{ marginLeft: `${(c.startMs / end) * 100}%`, width: `${Math.max(0.5, (c.durationMs / end) * 100)}%` }} />
                    </td>
                    <td>
                      <span data-raw lang="en">
                        {c.message}
                      </span>
                      {c.status !== "pass" && c.code !== "OK" && <div className="hint">{t(`code.${c.code}.next`)}</div>}
                      {c.code !== "OK" && (
                        <code className="small" data-raw>
                          {" "}
                          {c.code}
                        </code>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {ports.length > 0 && (
            <div className="table-wrap">
              <table className="ports">
                <caption>{t("diag.portsCaption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("diag.th.port")}</th>
                    <th scope="col">{t("diag.th.network")}</th>
                    <th scope="col">{t("diag.th.result")}</th>
                  </tr>
                </thead>
                <tbody>
                  {ports.map((c) => {
                    const [, port, family] = /port-(\d+)-(ipv[46])$/.exec(c.id) ?? [];
                    return (
                      <tr key={c.id}>
                        <td>{port}</td>
                        <td data-raw>{family === "ipv6" ? "IPv6" : "IPv4"}</td>
                        <td>
                          <span className={`badge ${c.status}`}>{c.status === "pass" ? t("diag.port.open") : c.code === "CONNECT_REFUSED" ? t("diag.port.closed") : t("diag.port.blocked")}</span>{" "}
                          <span data-raw lang="en">
                            {c.message}
                          </span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {report.trustAnchor && (
            <dl>
              <dt>{t("diag.anchor")}</dt>
              <dd>
                <span data-raw>{report.trustAnchor.subject}</span>
                <br />
                <Fingerprint hex={report.trustAnchor.sha256} />
              </dd>
            </dl>
          )}
          {report.tls && (
            <div className="tls">
              <h2>{t("diag.encryption")}</h2>
              <p data-raw>
                {report.tls.protocol}, {report.tls.cipher}
              </p>
              <ol>
                {report.tls.chain.map((cert) => (
                  <li key={cert.sha256}>
                    <span data-raw>{cert.subject}</span>
                    <br />
                    <small>{t("diag.issuedBy", { issuer: cert.issuer, date: dates.date(cert.notAfter) })}</small>
                    <br />
                    <Fingerprint hex={cert.sha256} />
                  </li>
                ))}
              </ol>
            </div>
          )}
          <h2>{t("diag.conversation")}</h2>
          <pre className="transcript" tabIndex={0} role="region" aria-label={t("diag.transcript")} data-raw lang="en">
            {report.transcript.map((e) => `+${e.t}ms ${e.dir === "client" ? "C:" : e.dir === "server" ? "S:" : "* "} ${e.text}`).join("\n")}
          </pre>
        </>
      )}
      {allowOffboard && <Offboard onOffboarded={onOffboarded} />}
    </section>
  );
}
