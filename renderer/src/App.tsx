// The onboarding wizard (one decision per screen) and the helpdesk's diagnostics view, reachable
// from every screen. The organisation's name and support contact stay visible throughout.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AppState, CaView, ClientResult, ClientView, Problem, SupportSummary, TestProgress } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { api } from "./api.js";
import { Diagnostics } from "./Diagnostics.js";

const STEPS = ["Organisation", "Trust", "Sign in and test", "Mail apps", "Done"] as const;

export function ProblemBox({ problem }: { problem: Problem }) {
  return (
    <div className="problem" role="alert">
      <p>
        <strong>{problem.message}</strong>
      </p>
      <p>{problem.hint}</p>
      <p className="code">
        Code for the helpdesk: <code>{problem.code}</code>
      </p>
    </div>
  );
}

/** A button's busy state around one call to main. */
function useBusy(): [boolean, (work: () => Promise<unknown>) => void] {
  const [busy, setBusy] = useState(false);
  const run = (work: () => Promise<unknown>) => {
    setBusy(true);
    void work().finally(() => setBusy(false));
  };
  return [busy, run];
}

function messageOf(err: unknown): Problem {
  const e = err as { code?: string; message?: string };
  return { code: (e.code as Problem["code"]) ?? "BAD_INPUT", message: e.message ?? String(err), hint: "Try again; if it persists, call your helpdesk." };
}

export function App() {
  const [state, setState] = useState<AppState | undefined>();
  const [step, setStep] = useState(0);
  const [showDiagnostics, setShowDiagnostics] = useState(false);
  const [email, setEmail] = useState("");
  const [report, setReport] = useState<Report | undefined>();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void api().call("app:state").then(setState, (err: unknown) => setState({ problem: messageOf(err), demoOffered: false, support: {} }));
  }, []);
  useEffect(() => heading.current?.focus(), [step, showDiagnostics]);

  const org = state?.organization;
  const support = org?.support ?? state?.support ?? {};
  return (
    <div className="app">
      <header>
        <div>
          <p className="product">Relay Onboard</p>
          <p className="org">{org ? org.name : "No organisation yet"}</p>
        </div>
        <div className="support" aria-label="Helpdesk">
          {support.phone && <span>Helpdesk: {support.phone}</span>}
          {support.email && <span>{support.email}</span>}
          {support.url && (
            <button type="button" className="link" onClick={() => void api().call("support:open-url")}>
              Help page
            </button>
          )}
          <button type="button" onClick={() => setShowDiagnostics((v) => !v)} aria-pressed={showDiagnostics}>
            {showDiagnostics ? "Back to setup" : "Diagnostics"}
          </button>
        </div>
      </header>
      {!showDiagnostics && (
        <nav aria-label="Steps">
          <ol className="steps">
            {STEPS.map((name, i) => (
              <li key={name} aria-current={i === step ? "step" : undefined} className={i < step ? "done" : i === step ? "current" : ""}>
                {name}
              </li>
            ))}
          </ol>
        </nav>
      )}
      <main>
        {showDiagnostics ? (
          <Diagnostics headingRef={heading} initial={report} />
        ) : !state ? (
          <p role="status">Loading…</p>
        ) : step === 0 ? (
          <Organisation headingRef={heading} state={state} onState={setState} onNext={() => setStep(1)} />
        ) : step === 1 ? (
          <Trust headingRef={heading} onNext={() => setStep(2)} />
        ) : step === 2 ? (
          <SignIn headingRef={heading} email={email} onEmail={setEmail} demoLogin={org?.demoLogin} onReport={setReport} onDetails={() => setShowDiagnostics(true)} onNext={() => setStep(3)} />
        ) : step === 3 ? (
          <MailApps headingRef={heading} email={email} onNext={() => setStep(4)} />
        ) : (
          <Done headingRef={heading} orgName={org?.name ?? ""} email={email} />
        )}
      </main>
    </div>
  );
}

type HeadingRef = React.RefObject<HTMLHeadingElement | null>;

function Organisation({ headingRef, state, onState, onNext }: { headingRef: HeadingRef; state: AppState; onState: (s: AppState) => void; onNext: () => void }) {
  const [busy, run] = useBusy();
  const org = state.organization;
  return (
    <section>
      <h1 tabIndex={-1} ref={headingRef}>
        Your organisation
      </h1>
      {org ? (
        <>
          <p className="ok">The settings are signed by your organisation and the signature checked out.</p>
          <dl>
            <dt>Organisation</dt>
            <dd>{org.name}</dd>
            <dt>Issued</dt>
            <dd>{new Date(org.issuedAt).toLocaleString()}</dd>
            <dt>Valid until</dt>
            <dd>{new Date(org.expiresAt).toLocaleDateString()}</dd>
            <dt>Mail server</dt>
            <dd>
              {org.relay.host}, port {org.relay.port} ({org.relay.security === "tls" ? "SSL/TLS" : "STARTTLS"})
            </dd>
          </dl>
          {org.demo && <p className="note">This is the demo organisation: everything runs on this computer and no mail leaves it.</p>}
          <button type="button" className="primary" onClick={onNext}>
            Continue
          </button>
        </>
      ) : (
        <>
          {state.problem ? <ProblemBox problem={state.problem} /> : <p>No organisation is set up on this computer.</p>}
          {state.demoOffered && (
            <>
              <p>You can try Relay Onboard with a demo organisation that runs entirely on this computer.</p>
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() => run(() => api().call("app:use-demo").then(onState, (err: unknown) => onState({ ...state, problem: messageOf(err) })))}
              >
                {busy ? "Starting the demo…" : "Use the demo organisation"}
              </button>
            </>
          )}
        </>
      )}
    </section>
  );
}

function Trust({ headingRef, onNext }: { headingRef: HeadingRef; onNext: () => void }) {
  const [ca, setCa] = useState<CaView | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, run] = useBusy();
  useEffect(() => {
    void api().call("ca:details").then(setCa, (err: unknown) => setProblem(messageOf(err)));
  }, []);
  const allInstalled = ca !== undefined && ca.stores.length > 0 && ca.stores.every((s) => s.installed);
  return (
    <section>
      <h1 tabIndex={-1} ref={headingRef}>
        Trust your organisation's certificate
      </h1>
      <p>Your mail app can only check it is talking to your organisation once this certificate is trusted. Compare the fingerprint with the one your helpdesk reads out.</p>
      {problem && <ProblemBox problem={problem} />}
      {ca && (
        <>
          <dl>
            <dt>Certificate</dt>
            <dd>{ca.subject}</dd>
            <dt>Fingerprint (SHA-256)</dt>
            <dd>
              <code className="fingerprint">{ca.fingerprint}</code>
            </dd>
            <dt>Valid</dt>
            <dd>
              {new Date(ca.notBefore).toLocaleDateString()} to {new Date(ca.notAfter).toLocaleDateString()}
            </dd>
          </dl>
          <ul className="stores" aria-live="polite">
            {ca.stores.map((s) => (
              <li key={`${s.store}${s.location}`}>
                <span className={s.installed ? "badge pass" : s.problem ? "badge fail" : "badge skip"}>{s.installed ? "trusted" : s.problem ? "failed" : "not yet"}</span> {s.store} <small>{s.location}</small>
                {s.problem && <ProblemBox problem={s.problem} />}
              </li>
            ))}
          </ul>
          {!allInstalled && (
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => run(() => api().call("ca:install").then(setCa, (err: unknown) => setProblem(messageOf(err))))}
            >
              {busy ? "Installing…" : "Install the certificate"}
            </button>
          )}
          <button type="button" className={allInstalled ? "primary" : ""} onClick={onNext}>
            Continue
          </button>
        </>
      )}
    </section>
  );
}

function SignIn(props: { headingRef: HeadingRef; email: string; onEmail: (e: string) => void; demoLogin: { email: string; password: string } | undefined; onReport: (r: Report) => void; onDetails: () => void; onNext: () => void }) {
  const [password, setPassword] = useState("");
  const { demoLogin, onEmail } = props;
  const fillDemo = () => {
    if (!demoLogin) return;
    onEmail(demoLogin.email);
    setPassword(demoLogin.password);
  };
  const [remember, setRemember] = useState(false);
  const [progress, setProgress] = useState<TestProgress[]>([]);
  const [report, setReport] = useState<Report | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => api().onProgress((p) => setProgress((list) => [...list, p])), []);
  const run = useCallback(() => {
    setBusy(true);
    setProgress([]);
    setReport(undefined);
    setProblem(undefined);
    void api()
      .call("relay:test", { email: props.email, password, remember })
      .then(
        (r) => {
          setReport(r);
          props.onReport(r);
        },
        (err: unknown) => setProblem(messageOf(err)),
      )
      .finally(() => {
        setBusy(false);
        setPassword("");
      });
  }, [props, password, remember]);
  const failed = report?.checks.find((c) => c.status === "fail");
  return (
    <section>
      <h1 tabIndex={-1} ref={props.headingRef}>
        Sign in and test
      </h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <label htmlFor="email">Email address</label>
        <input id="email" type="email" autoComplete="email" required value={props.email} onChange={(e) => props.onEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        {demoLogin && (
          <p className="note">
            Demo organisation: <button type="button" className="link" onClick={fillDemo}>fill in the demo login</button>
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Keep the password in this computer's keychain for Relay Onboard's later diagnostics (your mail app keeps its own)
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Testing…" : "Test sending"}
        </button>
      </form>
      <ol className="progress" aria-live="polite" aria-label="Test progress">
        {progress.map((p) => (
          <li key={p.id}>
            <span className={`badge ${p.status}`}>{p.status}</span> {p.title} <small>{p.durationMs} ms</small>
          </li>
        ))}
      </ol>
      {problem && <ProblemBox problem={problem} />}
      {report && report.verdict !== "fail" && (
        <>
          <p className="ok" role="status">
            Sending works: {report.target.host} accepted your login and would relay your mail. No message was sent.
          </p>
          <button type="button" className="primary" onClick={props.onNext}>
            Continue
          </button>
        </>
      )}
      {report && failed && (
        <>
          <ProblemBox problem={{ code: failed.code === "OK" ? "PROTOCOL_ERROR" : failed.code, message: failed.message, hint: failed.hint ?? "" }} />
          <button type="button" onClick={props.onDetails}>
            Show details
          </button>
        </>
      )}
    </section>
  );
}

function MailApps({ headingRef, email, onNext }: { headingRef: HeadingRef; email: string; onNext: () => void }) {
  const [clients, setClients] = useState<ClientView[] | undefined>();
  const [chosen, setChosen] = useState<Set<ClientView["client"]>>(new Set());
  const [results, setResults] = useState<ClientResult[] | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, run] = useBusy();
  useEffect(() => {
    void api()
      .call("clients:list")
      .then((list) => {
        setClients(list);
        setChosen(new Set(list.filter((c) => c.installed).map((c) => c.client)));
      }, (err: unknown) => setProblem(messageOf(err)));
  }, []);
  const names = { thunderbird: "Thunderbird", outlook: "Outlook", "apple-mail": "Apple Mail" } as const;
  return (
    <section>
      <h1 tabIndex={-1} ref={headingRef}>
        Set up your mail apps
      </h1>
      {problem && <ProblemBox problem={problem} />}
      {clients && clients.every((c) => !c.installed) && <p>No mail app was found on this computer. You can finish here and enter the settings in your mail app by hand.</p>}
      <fieldset>
        <legend>Mail apps found on this computer</legend>
        {clients?.map((c) => (
          <div key={c.client} className="client">
            <label className="check">
              <input
                type="checkbox"
                disabled={!c.installed}
                checked={chosen.has(c.client)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(c.client);
                  else next.delete(c.client);
                  setChosen(next);
                }}
              />{" "}
              {names[c.client]} {c.installed ? "" : "(not found)"}
            </label>
            {c.installed && <p className="plan">{c.plan}</p>}
            {c.profiles.length > 0 && <p className="small">Profile: {c.profiles.find((p) => p.isDefault)?.name ?? c.profiles[0]?.name}</p>}
          </div>
        ))}
      </fieldset>
      <ul className="results" aria-live="polite">
        {results?.map((r) => (
          <li key={r.client}>
            <span className={`badge ${r.status === "failed" ? "fail" : "pass"}`}>{r.status === "unchanged" ? "already set up" : r.status}</span> {names[r.client]}: {r.message}
            {r.problem && <ProblemBox problem={r.problem} />}
          </li>
        ))}
      </ul>
      {!results && (
        <button
          type="button"
          className="primary"
          disabled={busy || chosen.size === 0}
          onClick={() => run(() => api().call("clients:configure", { email, clients: [...chosen] }).then(setResults, (err: unknown) => setProblem(messageOf(err))))}
        >
          {busy ? "Setting up…" : "Set up the selected apps"}
        </button>
      )}
      <button type="button" className={results ? "primary" : ""} onClick={onNext}>
        {results ? "Continue" : "Skip"}
      </button>
    </section>
  );
}

function Done({ headingRef, orgName, email }: { headingRef: HeadingRef; orgName: string; email: string }) {
  const [summary, setSummary] = useState<SupportSummary | undefined>();
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<{ sent: boolean; message: string; problem?: Problem } | undefined>();
  const [password, setPassword] = useState("");
  useEffect(() => {
    void api().call("support:summary").then(setSummary);
  }, []);
  return (
    <section>
      <h1 tabIndex={-1} ref={headingRef}>
        All set
      </h1>
      <p className="ok">
        {email || "Your account"} is set up to send through {orgName || "your organisation"}'s secure relay.
      </p>
      {summary && (
        <p>
          If you call the helpdesk, give them this reference: <strong className="reference">{summary.reference}</strong>
        </p>
      )}
      <h2>Want to be sure?</h2>
      <p>Relay Onboard sends no mail unless you ask. It can send one short message to your own address.</p>
      {sent?.problem?.code === "USAGE" && (
        <>
          <label htmlFor="again">Password (not kept)</label>
          <input id="again" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </>
      )}
      <button
        type="button"
        disabled={sending}
        onClick={() => {
          setSending(true);
          void api()
            .call("relay:send-test", password ? { password } : {})
            .then(setSent, (err: unknown) => setSent({ sent: false, message: messageOf(err).message, problem: messageOf(err) }))
            .finally(() => {
              setSending(false);
              setPassword("");
            });
        }}
      >
        {sending ? "Sending…" : "Send me a test message"}
      </button>
      {sent && (sent.sent ? <p className="ok" role="status">{sent.message}</p> : sent.problem && sent.problem.code !== "USAGE" ? <ProblemBox problem={sent.problem} /> : <p role="status">{sent.message}</p>)}
    </section>
  );
}
