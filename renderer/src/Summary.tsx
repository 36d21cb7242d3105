// The last screen: a truthful summary from main — each step done, skipped (why), failed (code) or
// waiting for the user — with a way back to each one that is not done. "All set" only when main
// says everything the organisation requires is done. Then, if the user wants, one test message.
import { useEffect, useState } from "react";
import type { Problem, SendOutcome, Summary as SummaryView, SummaryItem } from "../../src/app/api.js";
import { call } from "./api.js";
import { ProblemBox } from "./common.js";
import { useT, type MessageId } from "./i18n.js";

const STEP_OF: Record<string, number> = { organisation: 0, trust: 1, test: 2, clients: 3 };
const BADGE_CLASS: Record<SummaryItem["status"], string> = { done: "pass", skipped: "skip", failed: "fail", todo: "skip", manual: "warn" };

function itemText(t: ReturnType<typeof useT>, item: SummaryItem): { title: string; detail: string } {
  const client = item.id.startsWith("client:") ? (item.id.slice("client:".length) as "thunderbird" | "outlook" | "apple-mail") : undefined;
  const title = client ? t(`client.${client}`) : t(`summary.item.${item.id as "organisation" | "trust" | "test" | "clients"}`);
  const key = (client ? `summary.client.${item.reason}` : `summary.${item.id}.${item.reason}`) as MessageId;
  const values = { ...item.values, ...(item.values?.["security"] ? { security: t(`security.${item.values["security"] as "starttls" | "tls"}`) } : {}) };
  return { title, detail: t(key, values) };
}

export function Summary({ active, email, orgName, canSendTest, onGo }: { active: boolean; email: string; orgName: string; canSendTest: boolean; onGo: (step: number) => void }) {
  const t = useT();
  const [summary, setSummary] = useState<SummaryView | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<SendOutcome | undefined>();
  const [password, setPassword] = useState("");
  useEffect(() => {
    if (active) void call("app:summary").then((r) => (r.ok ? setSummary(r.value) : setProblem(r.problem)));
  }, [active]);
  return (
    <section>
      <h1 tabIndex={-1}>{!summary ? t("summary.title") : summary.allSet ? t("summary.allSet") : t("summary.notFinished")}</h1>
      {problem && <ProblemBox problem={problem} />}
      {summary && (
        <>
          <p className={summary.allSet ? "ok" : ""}>
            {summary.allSet ? t("summary.allSetText", { email: email || t("welcome.yourAccount"), org: orgName }) : t("summary.notFinishedText")}
          </p>
          <ul className="summary-items">
            {summary.items.map((item) => {
              const { title, detail } = itemText(t, item);
              return (
                <li key={item.id}>
                  <span className={`badge ${BADGE_CLASS[item.status]}`}>{t(`summary.status.${item.status}`)}</span> <strong>{title}</strong>: {detail}
                  {item.code && (
                    <>
                      {" "}
                      <span className="small">{t("summary.code", { code: item.code })}</span>
                    </>
                  )}
                  {item.status !== "done" && item.status !== "skipped" && (
                    <button type="button" className="small-button" onClick={() => onGo(STEP_OF[item.id.startsWith("client") ? "clients" : item.id] ?? 0)}>
                      {item.status === "manual" ? t("summary.showMe") : t("summary.go")}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          <p>
            {t("summary.reference")} <strong className="reference" data-raw>{summary.reference}</strong>
          </p>
        </>
      )}
      {canSendTest && (
        <>
          <h2>{t("summary.sureTitle")}</h2>
          <p>{t("summary.sureText")}</p>
          {sent?.needs === "password" && (
            <>
              <label htmlFor="again">{t("summary.passwordAgain")}</label>
              <input id="again" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </>
          )}
          <button
            type="button"
            disabled={sending}
            onClick={() => {
              setSending(true);
              void call("relay:send-test", password ? { password } : {}).then((r) => {
                setSent(r.ok ? r.value : { sent: false, problem: r.problem });
                setSending(false);
                setPassword("");
              });
            }}
          >
            {sending ? t("summary.sending") : t("summary.send")}
          </button>
          {sent &&
            (sent.sent ? (
              <p className="ok" role="status">
                {t("summary.sent", { email: sent.to ?? email })}
              </p>
            ) : sent.problem ? (
              <ProblemBox problem={sent.problem} />
            ) : (
              <p role="status">{sent.needs === "password" ? t("summary.needPassword") : t("summary.testFirst")}</p>
            ))}
        </>
      )}
    </section>
  );
}
