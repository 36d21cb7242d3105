// The last screen: a truthful summary from main — each step done, skipped (why), failed (code) or
// waiting for the user — with a way back to each one that is not done. "All set" only when main
// says everything the organisation requires is done. Then, if the user wants, one test message.
import { useEffect, useState } from "react";
import type { Problem, Summary as SummaryView } from "../../src/app/api.js";
import { call } from "./api.js";
import { ProblemBox } from "./common.js";

const STEP_OF: Record<string, number> = { organisation: 0, trust: 1, test: 2, clients: 3 };
const BADGE: Record<string, [string, string]> = { done: ["pass", "✓ Done"], skipped: ["skip", "– Skipped"], failed: ["fail", "✗ Failed"], todo: ["skip", "○ Not done"], manual: ["warn", "➜ Your turn"] };

export function Summary({ active, email, orgName, canSendTest, onGo }: { active: boolean; email: string; orgName: string; canSendTest: boolean; onGo: (step: number) => void }) {
  const [summary, setSummary] = useState<SummaryView | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<{ sent: boolean; message: string; problem?: Problem } | undefined>();
  const [password, setPassword] = useState("");
  useEffect(() => {
    if (active) void call("app:summary").then((r) => (r.ok ? setSummary(r.value) : setProblem(r.problem)));
  }, [active]);
  return (
    <section>
      <h1 tabIndex={-1}>{!summary ? "Summary" : summary.allSet ? "All set" : "Not finished yet"}</h1>
      {problem && <ProblemBox problem={problem} />}
      {summary && (
        <>
          <p className={summary.allSet ? "ok" : ""}>
            {summary.allSet
              ? `${email || "Your account"} is set up to send through ${orgName || "your organisation"}'s secure server.`
              : "Some steps still need you. Each one below says what is missing; choose it to finish it."}
          </p>
          <ul className="summary-items">
            {summary.items.map((item) => (
              <li key={item.id}>
                <span className={`badge ${BADGE[item.status]![0]}`}>{BADGE[item.status]![1]}</span> <strong>{item.title}</strong>: {item.detail}
                {item.code && (
                  <>
                    {" "}
                    <span className="small">
                      (code <code>{item.code}</code>)
                    </span>
                  </>
                )}
                {item.status !== "done" && item.status !== "skipped" && (
                  <button type="button" className="small-button" onClick={() => onGo(STEP_OF[item.id.startsWith("client") ? "clients" : item.id] ?? 0)}>
                    {item.status === "manual" ? "Show me" : "Go to this step"}
                  </button>
                )}
              </li>
            ))}
          </ul>
          <p>
            If you call the helpdesk, give them this reference: <strong className="reference">{summary.reference}</strong>
          </p>
        </>
      )}
      {canSendTest && (
        <>
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
              void call("relay:send-test", password ? { password } : {}).then((r) => {
                setSent(r.ok ? r.value : { sent: false, message: r.problem.message, problem: r.problem });
                setSending(false);
                setPassword("");
              });
            }}
          >
            {sending ? "Sending…" : "Send me a test message"}
          </button>
          {sent && (sent.sent ? <p className="ok" role="status">{sent.message}</p> : sent.problem && sent.problem.code !== "USAGE" ? <ProblemBox problem={sent.problem} /> : <p role="status">{sent.message}</p>)}
        </>
      )}
    </section>
  );
}
