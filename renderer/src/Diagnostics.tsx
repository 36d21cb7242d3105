// The helpdesk's view: every step with pass/warn/fail and timings, a waterfall of the session,
// TLS and certificate details, the port grid, the redacted transcript, and the support summary.
import { useEffect, useRef, useState } from "react";
import type { Problem, SupportSummary, TestProgress } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { api, call } from "./api.js";
import { CopyButton, ProblemBox } from "./common.js";

export function Diagnostics({ active, latest }: { active: boolean; latest: Report | undefined }) {
  const [report, setReport] = useState<Report | undefined>(latest);
  const [progress, setProgress] = useState<TestProgress[]>([]);
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState<SupportSummary | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const busyRef = useRef(false);
  useEffect(() => api().onProgress((p) => busyRef.current && setProgress((list) => [...list, p])), []);
  // The wizard's latest test is shown here as soon as it exists; a diagnosis run here replaces it.
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
    const r = await call("relay:diagnose");
    busyRef.current = false;
    setBusy(false);
    if (r.ok) setReport(r.value);
    else setProblem(r.problem);
  };
  const end = Math.max(1, ...(report?.checks.map((c) => c.startMs + c.durationMs) ?? [1]));
  const ports = report?.checks.filter((c) => /port-\d+-ipv[46]$/.test(c.id)) ?? [];
  const steps = report?.checks.filter((c) => !ports.includes(c)) ?? [];
  return (
    <section className="diagnostics">
      <h1 tabIndex={-1}>Diagnostics</h1>
      <p>For the helpdesk: what happened between this computer and the mail server, step by step. Passwords are never shown.</p>
      <div className="actions">
        {busy ? (
          <button type="button" onClick={() => void call("relay:cancel")}>
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void run()}>
            Run full diagnosis
          </button>
        )}
        {(["html", "json"] as const).map((format) => (
          <button
            key={format}
            type="button"
            disabled={!report}
            onClick={() => void call("report:save", { format }).then((r) => (r.ok ? setSaved(r.value.saved ? `Saved to ${r.value.path ?? "the chosen file"}` : "Not saved") : setProblem(r.problem)))}
          >
            Save report ({format.toUpperCase()})
          </button>
        ))}
      </div>
      {busy && (
        <ol className="progress" aria-live="polite" aria-label="Diagnosis progress">
          <li role="status">Running… {progress.length > 0 ? `last: ${progress[progress.length - 1]!.title}` : ""}</li>
          {progress.map((p) => (
            <li key={p.id}>
              <span className={`badge ${p.status}`}>{p.status}</span> {p.title}
            </li>
          ))}
        </ol>
      )}
      {problem && <ProblemBox problem={problem} />}
      {saved && <p role="status">{saved}</p>}
      {summary && (
        <div className="summary">
          <p>
            Reference for the phone: <strong className="reference">{summary.reference}</strong>
          </p>
          <p className="small">{summary.reportPath ? `The report of the last test is saved as ${summary.reportPath}.` : "No test has run yet in this session."}</p>
          <label htmlFor="summary">Support summary</label>
          <textarea id="summary" readOnly rows={9} value={summary.text} onFocus={(e) => e.target.select()} />
          <CopyButton text={summary.text} label="Support summary" fallbackId="summary" />
        </div>
      )}
      {report && (
        <>
          <p className={`verdict ${report.verdict}`} role="status">
            {report.verdict.toUpperCase()} {report.code} — {report.target.host}:{report.target.port} ({report.target.security})
          </p>
          <table className="checks">
            <caption>Steps and timings</caption>
            <thead>
              <tr>
                <th scope="col">Result</th>
                <th scope="col">Step</th>
                <th scope="col">Time</th>
                <th scope="col">Timeline</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {steps.map((c) => (
                <tr key={c.id}>
                  <td>
                    <span className={`badge ${c.status}`}>{c.status}</span>
                  </td>
                  <td>{c.title}</td>
                  <td className="num">{c.durationMs} ms</td>
                  <td className="waterfall" aria-hidden="true">
                    <div className={`bar ${c.status}`} style={{ marginLeft: `${(c.startMs / end) * 100}%`, width: `${Math.max(0.5, (c.durationMs / end) * 100)}%` }} />
                  </td>
                  <td>
                    {c.message}
                    {c.status !== "pass" && c.hint && <div className="hint">{c.hint}</div>}
                    {c.code !== "OK" && <code className="small"> {c.code}</code>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {ports.length > 0 && (
            <table className="ports">
              <caption>Can this computer reach the mail ports?</caption>
              <thead>
                <tr>
                  <th scope="col">Port</th>
                  <th scope="col">Network</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {ports.map((c) => {
                  const [, port, family] = /port-(\d+)-(ipv[46])$/.exec(c.id) ?? [];
                  return (
                    <tr key={c.id}>
                      <td>{port}</td>
                      <td>{family === "ipv6" ? "IPv6" : "IPv4"}</td>
                      <td>
                        <span className={`badge ${c.status}`}>{c.status === "pass" ? "open" : c.code === "CONNECT_REFUSED" ? "closed" : "blocked"}</span> {c.message}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {report.tls && (
            <div className="tls">
              <h2>Encryption</h2>
              <p>
                {report.tls.protocol}, {report.tls.cipher}
              </p>
              <ol>
                {report.tls.chain.map((cert) => (
                  <li key={cert.sha256}>
                    {cert.subject}
                    <br />
                    <small>
                      issued by {cert.issuer}, expires {new Date(cert.notAfter).toLocaleDateString()}
                    </small>
                    <br />
                    <code className="fingerprint small">{cert.sha256}</code>
                  </li>
                ))}
              </ol>
            </div>
          )}
          <h2>Conversation with the server</h2>
          <pre className="transcript" tabIndex={0} role="region" aria-label="Transcript">
            {report.transcript.map((t) => `+${t.t}ms ${t.dir === "client" ? "C:" : t.dir === "server" ? "S:" : "* "} ${t.text}`).join("\n")}
          </pre>
        </>
      )}
    </section>
  );
}
