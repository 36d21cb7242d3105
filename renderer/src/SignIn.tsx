// Step 3: the user's login, tested against the relay the way their mail app will use it. While it
// runs: the plain step under way, time spent and left, Cancel. Then the result, in view and
// focused, with a way on: Continue, Test again, the other submission port, or the details.
import { useEffect, useRef, useState } from "react";
import type { Problem, TestOutcome, TestProgress } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { api, call } from "./api.js";
import { ProblemBox } from "./common.js";
import { useT } from "./i18n.js";
import { phasesOf } from "./phases.js";

interface Props {
  /** The OS, to name its keychain as it does. */
  platform: string;
  email: string;
  onEmail: (e: string) => void;
  demoLogin: { email: string; password: string } | undefined;
  deadlineMs: number;
  onReport: (r: Report) => void;
  onDetails: () => void;
  onNext: () => void;
}

export function SignIn({ platform, email, onEmail, demoLogin, deadlineMs, onReport, onDetails, onNext }: Props) {
  const t = useT();
  const [password, setPassword] = useState("");
  const [showPassword, setShowPassword] = useState(false);
  const [capsLock, setCapsLock] = useState(false);
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
  const progressBox = useRef<HTMLDivElement>(null);

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
    // The password leaves the field once it has done its work (the test passed) or the server
    // refused it; when it never reached the server (network, certificate), it stays for the next try.
    const report = r.ok ? r.value.report : undefined;
    if (report && (report.verdict !== "fail" || report.code === "AUTH_FAILED")) setPassword("");
    if (r.ok) {
      setOutcome(r.value);
      if (r.value.report) onReport(r.value.report);
      setPort(onPort);
    } else setProblem(r.problem);
    setSettled((n) => n + 1);
  };
  // While it runs, the step under way, the time and Cancel come into view (a small window, zoomed).
  useEffect(() => {
    if (busy) progressBox.current?.scrollIntoView({ block: "nearest" });
  }, [busy]);
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
  const caps = (e: React.KeyboardEvent) => setCapsLock(e.getModifierState("CapsLock"));
  return (
    <section>
      <h1 tabIndex={-1}>{t("signIn.title")}</h1>
      <p>{t("signIn.intro")}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(port);
        }}
      >
        <label htmlFor="email">{t("signIn.email")}</label>
        <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => onEmail(e.target.value)} disabled={busy} />
        <label htmlFor="password">{t("signIn.password")}</label>
        <input
          id="password"
          ref={passwordField}
          type={showPassword ? "text" : "password"}
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          onKeyDown={caps}
          onKeyUp={caps}
          disabled={busy}
          aria-describedby={capsLock ? "caps-lock" : undefined}
        />
        {capsLock && (
          <p id="caps-lock" className="warning-text" role="status">
            <span aria-hidden="true">⇪ </span>
            {t("signIn.capsLock")}
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={showPassword} onChange={(e) => setShowPassword(e.target.checked)} /> {t("signIn.showPassword")}
        </label>
        {demoLogin && (
          <p className="note">
            {t("signIn.demo")}{" "}
            <button
              type="button"
              className="link"
              onClick={() => {
                onEmail(demoLogin.email);
                setPassword(demoLogin.password);
              }}
            >
              {t("signIn.fillDemo")}
            </button>
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} disabled={busy} /> {t("signIn.remember", { keychain: t("keychain.in", { platform }) })}
        </label>
        {/* After "Try port N instead" with an empty field: the instruction beside the button it names. */}
        {!busy && port !== undefined && port === outcome?.alternative?.port && !password && (
          <p className="note" id="port-note">
            {t("signIn.portNote", { port, button: outcome || problem ? t("signIn.testAgain") : t("signIn.test") })}
          </p>
        )}
        {!busy && (
          <button type="submit" className="primary" aria-describedby={port !== undefined && !password ? "port-note" : undefined}>
            {outcome || problem ? t("signIn.testAgain") : t("signIn.test")}
          </button>
        )}
      </form>
      {(busy || report) && (
        <div className="test-progress" ref={progressBox}>
          {busy && (
            <div className="running-line">
              <p role="status" className="running">
                {current ? t("signIn.now", { step: t(`phase.${current.id}`) }) : t("signIn.starting")}{" "}
                <span className="small">{t("signIn.time", { elapsed: Math.floor(elapsed), left: Math.max(0, Math.ceil(deadlineMs / 1000 - elapsed)) })}</span>
              </p>
              <button type="button" onClick={() => void call("relay:cancel")}>
                {t("signIn.cancel")}
              </button>
            </div>
          )}
          <ol className="phases" aria-label={t("signIn.stepsLabel")}>
            {phases.map((p) => (
              <li key={p.id} className={`phase ${p.status}`}>
                <span className={`badge ${p.status}`}>{t(`badge.${p.status}`)}</span> {t(`phase.${p.id}`)}
              </li>
            ))}
          </ol>
        </div>
      )}
      <div ref={result} tabIndex={-1} className="result">
        {problem && <ProblemBox problem={problem} title={t("signIn.couldNotStart")} />}
        {outcome?.cancelled && <p role="status">{t("signIn.cancelled")}</p>}
        {passed && (
          <>
            <p className="ok" role="status">
              <span aria-hidden="true">✓ </span>
              {port ? t("signIn.worksPort", { host: report.target.host, port }) : t("signIn.works", { host: report.target.host })}
            </p>
            {outcome?.keychainProblem && <ProblemBox problem={outcome.keychainProblem} title={t("signIn.keychainWarning", { keychain: t("keychain.in", { platform }) })} />}
            <button type="button" className="primary" onClick={onNext}>
              {t("common.continue")}
            </button>
          </>
        )}
        {report && failed && (
          <>
            {outcome?.interception ? (
              <ProblemBox problem={{ code: "CERT_UNTRUSTED", message: failed.message, hint: failed.hint ?? "" }} title={t("interception.title")}>
                <p>
                  {outcome.interception.product
                    ? t("interception.product", { product: outcome.interception.product, host: report.target.host })
                    : t("interception.local", { issuer: outcome.interception.issuer, host: report.target.host })}
                </p>
              </ProblemBox>
            ) : (
              <ProblemBox
                problem={{ code: failed.code === "OK" ? "PROTOCOL_ERROR" : failed.code, message: failed.message, hint: failed.hint ?? "" }}
                title={failed.code === "AUTH_FAILED" ? t("signIn.loginFailed", { user: outcome?.loginName ?? email }) : t("signIn.notYet")}
              />
            )}
            <div className="actions">
              {outcome?.alternative && (
                <button type="button" className="primary" onClick={() => (password ? void run(outcome.alternative!.port) : (setPort(outcome.alternative!.port), passwordField.current?.focus()))}>
                  {t("signIn.tryPort", { port: outcome.alternative.port })}
                </button>
              )}
              {failed.code === "AUTH_FAILED" && (
                <button type="button" onClick={() => passwordField.current?.focus()}>
                  {t("signIn.enterAgain")}
                </button>
              )}
              <button type="button" onClick={onDetails}>
                {t("signIn.showDetails")}
              </button>
            </div>
          </>
        )}
      </div>
    </section>
  );
}
