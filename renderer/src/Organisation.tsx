// Step 1: whose settings these are, and that their signature checked out. When they could not be
// loaded: plain words, the helpdesk's contacts, and Try again (the app never needs a restart).
import type { AppState } from "../../src/app/api.js";
import { call } from "./api.js";
import { ProblemBox, useBusy } from "./common.js";
import { useDates, useT } from "./i18n.js";

export function Organisation({ state, onState, onNext }: { state: AppState; onState: (s: AppState) => void; onNext: () => void }) {
  const t = useT();
  const dates = useDates();
  const [busy, run] = useBusy();
  const [demoBusy, runDemo] = useBusy();
  const org = state.organization;
  const retry = () =>
    run(async () => {
      const r = await call("app:state");
      onState(r.ok ? r.value : { ...state, problem: r.problem });
    });
  return (
    <section>
      <h1 tabIndex={-1}>{t("org.title")}</h1>
      {org ? (
        <>
          <p className="ok">
            <span aria-hidden="true">✓ </span>
            {t("org.verified")}
          </p>
          <dl>
            <dt>{t("org.name")}</dt>
            <dd data-raw>{org.name}</dd>
            <dt>{t("org.issued")}</dt>
            <dd>
              <time dateTime={org.issuedAt}>{dates.dateTime(org.issuedAt)}</time>
            </dd>
            <dt>{t("org.validUntil")}</dt>
            <dd>
              <time dateTime={org.expiresAt}>{dates.date(org.expiresAt)}</time>
            </dd>
            <dt>{t("org.server")}</dt>
            <dd>{t("org.serverValue", { host: org.relay.host, port: org.relay.port, security: t(`security.${org.relay.security}`) })}</dd>
          </dl>
          {org.demo && <p className="note">{t("org.demoNote")}</p>}
          <button type="button" className="primary" onClick={onNext}>
            {t("common.continue")}
          </button>
        </>
      ) : (
        <>
          {state.problem ? <ProblemBox problem={state.problem} title={t("org.notLoaded")} /> : <p>{t("org.none")}</p>}
          <button type="button" className="primary" disabled={busy} onClick={retry}>
            {busy ? t("common.tryingAgain") : t("common.tryAgain")}
          </button>
          {state.demoOffered && (
            <>
              <h2>{t("org.demoTitle")}</h2>
              <p>{t("org.demoText")}</p>
              <button
                type="button"
                disabled={demoBusy}
                onClick={() =>
                  runDemo(async () => {
                    const r = await call("app:use-demo");
                    onState(r.ok ? r.value : { ...state, problem: r.problem });
                  })
                }
              >
                {demoBusy ? t("org.demoStarting") : t("org.demoButton")}
              </button>
            </>
          )}
        </>
      )}
    </section>
  );
}
