// Reopening the app after finishing: what was done and when, and the two things people come back
// for — checking that sending still works, or setting up again.
import type { Journey } from "../../src/app/api.js";
import { useDates, useT } from "./i18n.js";

export function WelcomeBack({ journey, onCheck, onRestart }: { journey: Journey; onCheck: () => void; onRestart: () => void }) {
  const t = useT();
  const dates = useDates();
  return (
    <section>
      <h1 tabIndex={-1}>{t("welcome.title")}</h1>
      <p className="ok">
        <span aria-hidden="true">✓ </span>
        {t("welcome.text", { email: journey.email ?? t("welcome.yourAccount"), date: dates.dateTime(journey.finishedAt ?? journey.updatedAt) })}
      </p>
      <p>{t("welcome.check")}</p>
      <button type="button" className="primary" onClick={onCheck}>
        {t("welcome.run")}
      </button>
      <button type="button" onClick={onRestart}>
        {t("welcome.restart")}
      </button>
    </section>
  );
}
