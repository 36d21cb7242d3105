// Step 2: the organisation's root certificate in this computer's trust stores. A failed store
// gets Try again; skipping is offered only when managed policy allows it (allowSkipCa).
import { Fragment, useEffect, useState } from "react";
import type { CaView, Problem } from "../../src/app/api.js";
import { call } from "./api.js";
import { Fingerprint, ProblemBox, useBusy } from "./common.js";
import { useDates, useT, type MessageId } from "./i18n.js";

export function storeName(t: ReturnType<typeof useT>, store: string): string {
  const id = `store.${store}`;
  return t((id in STORE_IDS ? id : "store.other") as MessageId);
}
/** "CN=Example Root CA, O=Example" → "Example Root CA": people read the name, not the X.500 syntax. */
export function commonName(subject: string): string {
  return /(?:^|,\s*)CN=([^,]+)/.exec(subject)?.[1]?.trim() ?? subject;
}

const STORE_IDS = Object.fromEntries(["linux-system", "nss", "macos-system", "macos-login", "windows-machine", "windows-user"].map((s) => [`store.${s}`, true]));

export function Trust({ active, allowSkipCa, skipped, onSkipped, onNext }: { active: boolean; allowSkipCa: boolean; skipped: boolean; onSkipped: () => void; onNext: () => void }) {
  const t = useT();
  const dates = useDates();
  const [ca, setCa] = useState<CaView | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [busy, run] = useBusy();
  const load = async () => {
    const r = await call("ca:details");
    if (r.ok) {
      setCa(r.value);
      setProblem(undefined);
    } else setProblem(r.problem);
  };
  useEffect(() => {
    if (active) void load();
  }, [active]);
  const allInstalled = ca !== undefined && (ca.managedByIt || (ca.stores.length > 0 && ca.stores.every((s) => s.installed)));
  const anyFailed = ca?.stores.some((s) => s.problem) ?? false;
  return (
    <section>
      <h1 tabIndex={-1}>{t("trust.title")}</h1>
      <p>{t("trust.intro")}</p>
      {problem && <ProblemBox problem={problem} title={t("trust.checkFailed")} />}
      {problem && !ca && (
        <button type="button" className="primary" disabled={busy} onClick={() => run(load)}>
          {t("common.tryAgain")}
        </button>
      )}
      {ca && (
        <>
          <dl>
            <dt>{t("trust.certificate")}</dt>
            <dd data-raw title={ca.subject}>
              {commonName(ca.subject)}
            </dd>
            <dt>{t("trust.fingerprint")}</dt>
            <dd>
              <Fingerprint hex={ca.fingerprint} />
            </dd>
            <dt>{t("trust.valid")}</dt>
            <dd>{t("trust.validRange", { from: dates.date(ca.notBefore), to: dates.date(ca.notAfter) })}</dd>
            {ca.additionalRoots?.map((r) => (
              <Fragment key={r.fingerprint}>
                <dt>{t("trust.nextRoot")}</dt>
                <dd>
                  <span data-raw title={r.subject}>
                    {commonName(r.subject)}
                  </span>
                  <br />
                  <Fingerprint hex={r.fingerprint} />
                </dd>
              </Fragment>
            ))}
          </dl>
          {ca.managedByIt ? (
            <p className="ok">
              <span aria-hidden="true">✓ </span>
              {t("trust.managed")}
            </p>
          ) : (
            <ul className="stores" aria-live="polite">
              {ca.stores.map((s) => (
                <li key={`${s.store}${s.location}`}>
                  <span className={s.installed ? "badge pass" : s.problem ? "badge fail" : "badge skip"}>{s.installed ? t("trust.trusted") : s.problem ? t("trust.failed") : t("trust.notYet")}</span> <span title={s.location}>{storeName(t, s.store)}</span>
                  {s.problem && <ProblemBox problem={s.problem} />}
                </li>
              ))}
            </ul>
          )}
          {!allInstalled && (
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  const r = await call("ca:install");
                  if (r.ok) {
                    setCa(r.value);
                    setProblem(undefined);
                  } else setProblem(r.problem);
                })
              }
            >
              {busy ? t("trust.installing") : anyFailed ? t("common.tryAgain") : t("trust.install")}
            </button>
          )}
          {allInstalled || skipped ? (
            <button type="button" className="primary" onClick={onNext}>
              {t("common.continue")}
            </button>
          ) : allowSkipCa ? (
            <button
              type="button"
              onClick={() =>
                run(async () => {
                  const r = await call("ca:skip");
                  if (r.ok) {
                    onSkipped();
                    onNext();
                  } else setProblem(r.problem);
                })
              }
            >
              {t("trust.skip")}
            </button>
          ) : (
            <p className="small">{t("trust.required")}</p>
          )}
        </>
      )}
    </section>
  );
}
