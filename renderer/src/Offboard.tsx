// "Remove Relay Onboard's changes from this computer" (Diagnostics): the exact list first (a dry
// run in main), then the removal only when the user confirms it. Hidden when managed policy says
// allowOffboard false. The items' words come from main in English, like a mail app step's message.
import { useState } from "react";
import type { OffboardItem, OffboardView, Problem } from "../../src/app/api.js";
import { call } from "./api.js";
import { ProblemBox } from "./common.js";
import { useT } from "./i18n.js";

const BADGE: Record<OffboardItem["status"], string> = { planned: "warn", done: "pass", unchanged: "skip", skipped: "skip", failed: "fail" };

export function Offboard({ onOffboarded }: { onOffboarded: () => void }) {
  const t = useT();
  const [view, setView] = useState<OffboardView | undefined>();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();

  const ask = async (channel: "app:offboard-plan" | "app:offboard") => {
    setBusy(true);
    setProblem(undefined);
    const r = await call(channel);
    setBusy(false);
    if (!r.ok) return setProblem(r.problem);
    setView(r.value);
    if (!r.value.dryRun && !r.value.failed) onOffboarded();
  };
  const pending = view?.dryRun === true && view.items.some((i) => i.status === "planned");

  return (
    <section className="offboard" aria-labelledby="offboard-title">
      <h2 id="offboard-title">{t("off.title")}</h2>
      <p>{t("off.intro")}</p>
      {!view && (
        <button type="button" disabled={busy} onClick={() => void ask("app:offboard-plan")}>
          {t("off.show")}
        </button>
      )}
      {problem && <ProblemBox problem={problem} />}
      {view && (
        <>
          <p role="status">{view.dryRun ? (pending ? t("off.planned") : t("off.nothing")) : view.failed ? t("off.failed") : view.changed ? t("off.done") : t("off.nothing")}</p>
          <ul className="offboard-list" aria-label={t("off.listLabel")}>
            {view.items.map((item) => (
              <li key={item.id}>
                <span className={`badge ${BADGE[item.status]}`}>{t(`off.status.${item.status}`)}</span>{" "}
                <span data-raw lang="en">
                  {item.title}: {item.message}
                </span>
                {item.instructions && item.instructions.some((line) => line !== item.message) && (
                  <ol data-raw lang="en">
                    {item.instructions.filter((line) => line !== item.message).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ol>
                )}
                {item.problem && <div className="hint">{t(`code.${item.problem.code}.next`)}</div>}
              </li>
            ))}
          </ul>
          <div className="actions">
            {pending && (
              <button type="button" className="danger" disabled={busy} onClick={() => void ask("app:offboard")}>
                {t("off.confirm")}
              </button>
            )}
            <button type="button" disabled={busy} onClick={() => setView(undefined)}>
              {pending ? t("off.cancel") : t("off.close")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
