// "Send to my helpdesk" (Diagnostics): shows exactly what will be sent — item by item in the
// user's language, and the exact text — sends only on the user's word, then says what the helpdesk
// received, or why not (REPORT_SEND_FAILED) with the saved copy named. Offered only when the
// configuration names a report address and policy allows it (AppState.reportSending).
import { useState } from "react";
import type { Problem, ReportSendOutcome, ReportSendPlan } from "../../src/app/api.js";
import { call } from "./api.js";
import { ProblemBox } from "./common.js";
import { useDates, useT } from "./i18n.js";

export function SendReport({ reportId }: { reportId: string | undefined }) {
  const t = useT();
  const dates = useDates();
  const [plan, setPlan] = useState<ReportSendPlan | undefined>();
  const [outcome, setOutcome] = useState<ReportSendOutcome | undefined>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  // A newer report than the one shown: the plan is shown again before anything goes.
  const stale = plan !== undefined && reportId !== plan.reportId;

  const show = async () => {
    setBusy(true);
    setProblem(undefined);
    setOutcome(undefined);
    const r = await call("report:send-plan");
    setBusy(false);
    if (r.ok) setPlan(r.value);
    else setProblem(r.problem);
  };
  const send = async () => {
    if (!plan) return;
    setBusy(true);
    setProblem(undefined);
    const r = await call("report:send", { reportId: plan.reportId });
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    setOutcome(r.value);
    if (r.value.sent) setPlan(undefined);
  };

  const c = plan?.contains;
  return (
    <section className="send-report" aria-labelledby="send-title">
      <h2 id="send-title">{t("send.title")}</h2>
      {(!plan || stale) && (
        <>
          <p>{t("send.intro")}</p>
          <button type="button" disabled={busy || !reportId} onClick={() => void show()}>
            {t("send.show")}
          </button>
        </>
      )}
      {plan && c && !stale && (
        <>
          <p>{t("send.planIntro", { host: plan.host, size: Math.max(1, Math.round(plan.bytes / 1024)) })}</p>
          <ul className="send-list" aria-label={t("send.listLabel")}>
            <li>
              {t("send.item.reference")} <strong data-raw>{plan.reference}</strong> <span className="small" data-raw>({plan.reportId})</span>
            </li>
            {c.account && (
              <li>
                {t("send.item.account")} <span data-raw>{[c.account.email, c.account.login && c.account.login !== c.account.email ? c.account.login : undefined].filter(Boolean).join(" / ")}</span>
              </li>
            )}
            <li>{t("send.item.computer", { computer: c.computer, version: c.version })}</li>
            <li>{t("send.item.result", { verdict: t(`diag.verdict.${c.verdict}`), code: c.code, host: c.target.host, port: c.target.port, steps: c.steps })}</li>
            <li>{t("send.item.transcript", { lines: c.transcriptLines })}</li>
          </ul>
          <p className="small">{t("send.never")}</p>
          <details>
            <summary>{t("send.exact")}</summary>
            <pre className="transcript" tabIndex={0} role="region" aria-label={t("send.exact")} data-raw lang="en">
              {plan.preview}
            </pre>
          </details>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void send()}>
              {busy ? t("send.sending") : t("send.confirm")}
            </button>
            <button type="button" disabled={busy} onClick={() => setPlan(undefined)}>
              {t("send.cancel")}
            </button>
          </div>
        </>
      )}
      {problem && <ProblemBox problem={problem} />}
      {outcome?.sent && (
        <p className="verdict pass" role="status">
          {t("send.received", { reference: outcome.reference, reportId: outcome.reportId, time: outcome.received ? dates.dateTime(outcome.received) : "" })}
        </p>
      )}
      {outcome && !outcome.sent && outcome.problem && (
        <ProblemBox problem={outcome.problem}>
          <p>{outcome.reportPath ? t("send.stillSaved", { path: outcome.reportPath, reference: outcome.reference }) : t("code.REPORT_SEND_FAILED.next")}</p>
        </ProblemBox>
      )}
    </section>
  );
}
