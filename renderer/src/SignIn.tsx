// Step 3: the user's login, tested against the relay the way their mail app will use it. While it
// runs: the plain step under way, time spent and left, Cancel. Then the result, in view and
// focused, with a way on: Continue, Test again, the other submission port, or the details.
import { useEffect, useRef, useState } from "react";
import type { Problem, TestOutcome, TestProgress } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { api, call } from "./api.js";
import { ProblemBox } from "./common.js";
import { phasesOf } from "./phases.js";

interface Props {
  email: string;
  onEmail: (e: string) => void;
  demoLogin: { email: string; password: string } | undefined;
  deadlineMs: number;
  onReport: (r: Report) => void;
  onDetails: () => void;
  onNext: () => void;
}

const BADGE: Record<string, string> = { pass: "✓ Done", warn: "! Warning", fail: "✗ Failed", skip: "– Not tried", running: "… Now", waiting: "Waiting" };

export function SignIn({ email, onEmail, demoLogin, deadlineMs, onReport, onDetails, onNext }: Props) {
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const [progress, setProgress] = useState<TestProgress[]>([]);
  const [outcome, setOutcome] = useState<TestOutcome | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, setBusy] = useState(false);
  const [startedAt, setStartedAt] = useState(0);
  const [now, setNow] = useState(0);
  const [port, setPort] = useState<number | undefined>();
  const [settled, setSettled] = useState(0);
  const busyRef = useRef(false);
  const result = useRef<HTMLDivElement>(null);
  const passwordField = useRef<HTMLInputElement>(null);

  useEffect(() => api().onProgress((p) => busyRef.current && setProgress((list) => [...list, p])), []);
  useEffect(() => {
    if (!busy) return;
    const timer = window.setInterval(() => setNow(performance.now()), 250);
    return () => window.clearInterval(timer);
  }, [busy]);

  const run = async (onPort?: number) => {
    busyRef.current = true;
    setBusy(true);
    setStartedAt(performance.now());
    setNow(performance.now());
    setProgress([]);
    setOutcome(undefined);
    setProblem(undefined);
    const r = await call("relay:test", { email, password, remember, ...(onPort ? { port: onPort } : {}) });
    busyRef.current = false;
    setBusy(false);
    setPassword("");
    if (r.ok) {
      setOutcome(r.value);
      if (r.value.report) onReport(r.value.report);
      setPort(onPort);
    } else setProblem(r.problem);
    setSettled((n) => n + 1);
  };
  // The result is what the user waited for: once it is on screen, bring it into view and focus it.
  useEffect(() => {
    if (settled === 0) return;
    result.current?.scrollIntoView({ block: "nearest" });
    result.current?.focus({ preventScroll: true });
  }, [settled]);

  const report = outcome?.report;
  const failed = report?.checks.find((c) => c.status === "fail");
  const passed = report !== undefined && report.verdict !== "fail";
  const phases = phasesOf(busy ? progress : (report?.checks ?? []), busy);
  const elapsed = Math.max(0, (now - startedAt) / 1000);
  const current = phases.find((p) => p.status === "running");
  return (
    <section>
      <h1 tabIndex={-1}>Sign in and test</h1>
      <p>Relay Onboard checks that your mail can leave through your organisation's server, the way your mail app will send it. No message is sent.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(port);
        }}
      >
        <label htmlFor="email">Email address</label>
        <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => onEmail(e.target.value)} disabled={busy} />
        <label htmlFor="password">Password</label>
        <input id="password" ref={passwordField} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} disabled={busy} />
        {demoLogin && (
          <p className="note">
            Demo organisation:{" "}
            <button
              type="button"
              className="link"
              onClick={() => {
                onEmail(demoLogin.email);
                setPassword(demoLogin.password);
              }}
            >
              fill in the demo login
            </button>
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} disabled={busy} /> Keep the password in this computer's keychain for Relay Onboard's later diagnostics (your mail app keeps its own)
        </label>
        {!busy && (
          <button type="submit" className="primary">
            {outcome || problem ? "Test again" : "Test sending"}
          </button>
        )}
      </form>
      {(busy || report) && (
        <div className="test-progress">
          {busy && (
            <p role="status" className="running">
              {current ? `Now: ${current.title}…` : "Starting…"} <span className="small">{Math.floor(elapsed)} s so far, at most {Math.max(0, Math.ceil(deadlineMs / 1000 - elapsed))} s left</span>
            </p>
          )}
          <ol className="phases" aria-label="Test steps">
            {phases.map((p) => (
              <li key={p.id} className={`phase ${p.status}`}>
                <span className={`badge ${p.status}`}>{BADGE[p.status]}</span> {p.title}
              </li>
            ))}
          </ol>
          {busy && (
            <button type="button" onClick={() => void call("relay:cancel")}>
              Cancel the test
            </button>
          )}
        </div>
      )}
      <div ref={result} tabIndex={-1} className="result">
        {problem && <ProblemBox problem={problem} title="The test could not start." />}
        {outcome?.cancelled && <p role="status">The test was cancelled. Nothing was changed.</p>}
        {passed && (
          <>
            <p className="ok" role="status">
              <span aria-hidden="true">✓ </span>Sending works: {report.target.host} accepted your login and would send your mail{port ? ` (through port ${port})` : ""}. No message was sent.
            </p>
            {outcome?.keychainProblem && <ProblemBox problem={outcome.keychainProblem} title="The test passed, but the password could not be kept in the keychain. You can go on; Relay Onboard will ask for it when needed." />}
            <button type="button" className="primary" onClick={onNext}>
              Continue
            </button>
          </>
        )}
        {report && failed && (
          <>
            <ProblemBox problem={{ code: failed.code === "OK" ? "PROTOCOL_ERROR" : failed.code, message: failed.message, hint: failed.hint ?? "" }} title={failed.code === "AUTH_FAILED" ? `Sign-in failed for ${email}.` : "Sending does not work yet."} />
            <div className="actions">
              {outcome?.alternative && (
                <button type="button" className="primary" onClick={() => (password ? void run(outcome.alternative!.port) : (setPort(outcome.alternative!.port), passwordField.current?.focus()))}>
                  Try port {outcome.alternative.port} instead
                </button>
              )}
              <button type="button" onClick={() => passwordField.current?.focus()}>
                Enter the password again
              </button>
              <button type="button" onClick={onDetails}>
                Show details
              </button>
            </div>
            {port !== undefined && port === outcome?.alternative?.port && !password && <p className="note">Type your password again, then choose Test sending: the test will use port {port}.</p>}
          </>
        )}
      </div>
    </section>
  );
}
