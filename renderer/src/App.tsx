// The onboarding wizard (one decision per screen) and the helpdesk's diagnostics view, reachable
// from every screen. Screens stay mounted once visited, so moving between the wizard and
// Diagnostics (or back a step) keeps every result; main keeps the journey across restarts. The
// organisation's name, the helpdesk's contacts and this run's reference stay visible throughout.
import { useEffect, useState } from "react";
import { IntlProvider } from "react-intl";
import type { AppState, Journey } from "../../src/app/api.js";
import type { Report } from "../../src/diagnostics/report.js";
import { call } from "./api.js";
import { ProblemBox } from "./common.js";
import { Diagnostics } from "./Diagnostics.js";
import { LANGUAGES, messagesFor, useT, type Language, type MessageId } from "./i18n.js";
import { MailApps } from "./MailApps.js";
import { Organisation } from "./Organisation.js";
import { SignIn } from "./SignIn.js";
import { Summary } from "./Summary.js";
import { Trust } from "./Trust.js";
import { WelcomeBack } from "./WelcomeBack.js";

const STEPS: MessageId[] = ["steps.organisation", "steps.trust", "steps.signIn", "steps.mailApps", "steps.summary"];

/** Where a returning user left off: the first step their journey has not done. */
function resumeStep(journey: Journey): number {
  if (!journey.trust && !journey.test && !journey.clients) return 0;
  if (!journey.trust) return 1;
  if (!journey.test || journey.test.verdict === "fail") return 2;
  if (!journey.clients) return 3;
  return 4;
}

/** The app in the user's language: main says which (AppState.language); the menu changes it. */
export function App() {
  const [state, setState] = useState<AppState | undefined>();
  const locale = state?.language ?? "en";
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <IntlProvider locale={locale} messages={messagesFor(locale)} defaultLocale="en">
      <Wizard state={state} setState={setState} />
    </IntlProvider>
  );
}

function Wizard({ state, setState }: { state: AppState | undefined; setState: (s: AppState) => void }) {
  const t = useT();
  const [step, setStep] = useState(0);
  const [visited, setVisited] = useState<ReadonlySet<number>>(new Set([0]));
  const [diagnostics, setDiagnostics] = useState(false);
  const [welcomeBack, setWelcomeBack] = useState(false);
  const [resumed, setResumed] = useState(false);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [report, setReport] = useState<Report | undefined>();
  const [trustSkipped, setTrustSkipped] = useState(false);

  const go = (to: number) => {
    setStep(to);
    setVisited((v) => new Set([...v, to]));
    setDiagnostics(false);
    setWelcomeBack(false);
  };

  useEffect(() => {
    void call("app:state").then((r) => {
      const s: AppState = r.ok ? r.value : { problem: r.problem, demoOffered: false, support: {}, allowSkipCa: false, allowOffboard: false, reference: "", journey: { startedAt: "", updatedAt: "" }, testTimeoutMs: 20_000, language: "en" };
      setState(s);
      const j = s.journey;
      setEmail(j.email ?? "");
      setName(j.name ?? "");
      setTrustSkipped(j.trust?.status === "skipped");
      if (!s.organization) return;
      if (j.finishedAt) setWelcomeBack(true);
      else if (resumeStep(j) > 0) {
        setResumed(true);
        const to = resumeStep(j);
        setStep(to);
        setVisited(new Set([0, to]));
      }
    });
  }, []);
  // The current screen's heading takes focus, so keyboard and screen-reader users start there.
  useEffect(() => {
    document.querySelector<HTMLElement>('[data-current="true"] h1')?.focus();
  }, [step, diagnostics, welcomeBack, state === undefined]);

  const org = state?.organization;
  const support = org?.support ?? state?.support ?? {};
  const screen = (i: number) => {
    if (!state) return null;
    switch (i) {
      case 0:
        return <Organisation state={state} onState={setState} onNext={() => go(1)} />;
      case 1:
        return <Trust active={step === 1 && !diagnostics} allowSkipCa={state.allowSkipCa} skipped={trustSkipped} onSkipped={() => setTrustSkipped(true)} onNext={() => go(2)} />;
      case 2:
        return <SignIn platform={state.platform ?? ""} email={email} onEmail={setEmail} demoLogin={org?.demoLogin} deadlineMs={state.testTimeoutMs} onReport={setReport} onDetails={() => setDiagnostics(true)} onNext={() => go(3)} />;
      case 3:
        return <MailApps active={step === 3 && !diagnostics} email={email} orgName={org?.name ?? ""} initialName={name} onName={setName} onNext={() => go(4)} />;
      default:
        return <Summary active={step === 4 && !diagnostics} email={email} orgName={org?.name ?? ""} canSendTest={report !== undefined && report.verdict !== "fail"} onGo={go} />;
    }
  };
  return (
    <div className="app">
      <header>
        <div>
          <p className="product">{t("app.product")}</p>
          <p className="org">{org ? <span data-raw>{org.name}</span> : t("app.noOrg")}</p>
        </div>
        <div className="support" aria-label={t("app.helpdeskLabel")}>
          {support.phone && <span>{t("app.helpdeskPhone", { phone: support.phone })}</span>}
          {support.email && <span data-raw>{support.email}</span>}
          {support.url && (
            <button type="button" className="link" onClick={() => void call("support:open-url")}>
              {t("app.helpPage")}
            </button>
          )}
          {state?.reference && (
            <span>
              {t("app.reference")} <strong className="reference" data-raw>{state.reference}</strong>
            </span>
          )}
          {state && (
            <label className="language">
              {t("app.language")}{" "}
              <select
                value={state.language in LANGUAGES ? state.language : ""}
                onChange={(e) => void call("app:set-language", { language: e.target.value as Language }).then((r) => r.ok && setState(r.value))}
              >
                {!(state.language in LANGUAGES) && (
                  <option value="" data-raw>
                    {state.language}
                  </option>
                )}
                {Object.entries(LANGUAGES).map(([tag, autonym]) => (
                  <option key={tag} value={tag} lang={tag} data-raw>
                    {autonym}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" onClick={() => setDiagnostics((v) => !v)} aria-pressed={diagnostics}>
            {diagnostics ? t("app.backToSetup") : t("app.diagnostics")}
          </button>
        </div>
      </header>
      {!diagnostics && !welcomeBack && state && (
        <nav aria-label={t("app.steps")}>
          <ol className="steps">
            {STEPS.map((label, i) => (
              <li key={label} aria-current={i === step ? "step" : undefined} className={i < step ? "done" : i === step ? "current" : ""}>
                {i < step && <span aria-hidden="true">✓ </span>}
                {t(label)}
              </li>
            ))}
          </ol>
        </nav>
      )}
      <main>
        {!state ? (
          <p role="status">{t("app.loading")}</p>
        ) : (
          <>
            <div hidden={!diagnostics} data-current={diagnostics}>
              <Diagnostics
                active={diagnostics}
                latest={report}
                allowOffboard={state.allowOffboard}
                reportSending={state.reportSending === true}
                configured={org?.relay}
                onOffboarded={() => {
                  // The wizard starts afresh behind the list, which stays open to be read.
                  void call("app:state").then((r) => r.ok && setState(r.value));
                  setEmail("");
                  setName("");
                  setReport(undefined);
                  setTrustSkipped(false);
                  setWelcomeBack(false);
                  setResumed(false);
                  setStep(0);
                  setVisited(new Set([0]));
                }}
              />
            </div>
            {welcomeBack && (
              <div hidden={diagnostics} data-current={!diagnostics}>
                <WelcomeBack journey={state.journey} onCheck={() => go(2)} onRestart={() => void call("app:restart").then((r) => {
                  if (r.ok) setState(r.value);
                  setTrustSkipped(false);
                  setVisited(new Set([0]));
                  go(0);
                })} />
              </div>
            )}
            {STEPS.map((label, i) =>
              visited.has(i) ? (
                <div key={label} hidden={diagnostics || welcomeBack || i !== step} data-current={!diagnostics && !welcomeBack && i === step}>
                  {resumed && i === step && i > 0 && <p className="note">{t("app.resumed")}</p>}
                  {screen(i)}
                </div>
              ) : null,
            )}
            {state.problem && !org && step > 0 && <ProblemBox problem={state.problem} />}
          </>
        )}
      </main>
    </div>
  );
}
