// Step 1: whose settings these are, and that their signature checked out. When they could not be
// loaded: plain words, the helpdesk's contacts, and Try again (the app never needs a restart).
import type { AppState } from "../../src/app/api.js";
import { call } from "./api.js";
import { formatDate, ProblemBox, useBusy, type HeadingProps } from "./common.js";

export function Organisation({ state, onState, onNext }: { state: AppState; onState: (s: AppState) => void; onNext: () => void } & HeadingProps) {
  const [busy, run] = useBusy();
  const [demoBusy, runDemo] = useBusy();
  const org = state.organization;
  const retry = () => run(async () => {
    const r = await call("app:state");
    onState(r.ok ? r.value : { ...state, problem: r.problem });
  });
  return (
    <section>
      <h1 tabIndex={-1}>Your organisation</h1>
      {org ? (
        <>
          <p className="ok">
            <span aria-hidden="true">✓ </span>The settings are signed by your organisation and the signature checked out.
          </p>
          <dl>
            <dt>Organisation</dt>
            <dd>{org.name}</dd>
            <dt>Issued</dt>
            <dd>{formatDate(org.issuedAt, true)}</dd>
            <dt>Valid until</dt>
            <dd>{formatDate(org.expiresAt)}</dd>
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
          {state.problem ? (
            <ProblemBox problem={state.problem} title="Your organisation's settings could not be used." />
          ) : (
            <p>Relay Onboard has not been given your organisation's settings yet. Your IT department provides them, usually when it installs Relay Onboard.</p>
          )}
          <button type="button" className="primary" disabled={busy} onClick={retry}>
            {busy ? "Trying again…" : "Try again"}
          </button>
          {state.demoOffered && (
            <>
              <h2>Just looking?</h2>
              <p>You can try Relay Onboard with a demo organisation that runs entirely on this computer.</p>
              <button
                type="button"
                disabled={demoBusy}
                onClick={() => runDemo(async () => {
                  const r = await call("app:use-demo");
                  onState(r.ok ? r.value : { ...state, problem: r.problem });
                })}
              >
                {demoBusy ? "Starting the demo…" : "Use the demo organisation"}
              </button>
            </>
          )}
        </>
      )}
    </section>
  );
}
