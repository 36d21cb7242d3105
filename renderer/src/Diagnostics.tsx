// The helpdesk's view: every step with pass/warn/fail and timings, a waterfall of the session,
// TLS and certificate details, the port grid, the redacted transcript, and the support summary.
import { useEffect, useState } from "react";
import type { SupportSummary, TestProgress } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { api } from "./api.js";

export function Diagnostics({ headingRef, initial }: { headingRef: React.RefObject<HTMLHeadingElement | null>; initial: Report | undefined }) {
  const [report, setReport] = useState<Report | undefined>(initial);
  const [progress, setProgress] = useState<TestProgress[]>([]);
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState<SupportSummary | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => api().onProgress((p) => setProgress((list) => [...list, p])), []);

  const run = () => {
    setBusy(true);
    setProgress([]);
    setError(undefined);
    void api()
      .call("relay:diagnose")
      .then(setReport, (err: unknown) => setError((err as Error).message))
      .finally(() => setBusy(false));
  };
  const end = Math.max(1, ...(report?.checks.map((c) => c.startMs + c.durationMs) ?? [1]));
  const ports = report?.checks.filter((c) => /port-\d+-ipv[46]$/.test(c.id)) ?? [];
  const steps = report?.checks.filter((c) => !ports.includes(c)) ?? [];
  return (
    <section className="diagnostics">
      <h1 tabIndex={-1} ref={headingRef}>
        Diagnostics
      </h1>
      <p>For the helpdesk: what happened between this computer and the mail server, step by step. Passwords are never shown.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={run} disabled={busy}>
          {busy ? "Running…" : "Run full diagnosis"}
        </button>
        <button
          type="button"
          onClick={() =>
            void api()
              .call("support:summary")
              .then((s) => {
                setSummary(s);
                // Best effort: the text is also shown below, ready to select.
                void navigator.clipboard?.writeText(s.text).catch(() => undefined);
              })
          }
          disabled={!report}
        >
          Copy support summary
        </button>
        {(["html", "json"] as const).map((format) => (
          <button key={format} type="button" onClick={() => void api().call("report:save", { format }).then((r) => setSaved(r.saved ? `Saved to ${r.path ?? "the chosen file"}` : "Not saved"))} disabled={!report}>
            Save report ({format.toUpperCase()})
          </button>
        ))}
      </div>
      {busy && (
        <ol className="progress" aria-live="polite" aria-label="Diagnosis progress">
          {progress.map((p) => (
            <li key={p.id}>
              <span className={`badge ${p.status}`}>{p.status}</span> {p.title}
            </li>
          ))}
        </ol>
      )}
      {error && <p role="alert">{error}</p>}
      {saved && <p role="status">{saved}</p>}
      {summary && (
        <div className="summary">
          <p>
            Reference for the phone: <strong className="reference">{summary.reference}</strong>
          </p>
          <label htmlFor="summary">Support summary</label>
          <textarea id="summary" readOnly rows={5} value={summary.text} onFocus={(e) => e.target.select()} />
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
