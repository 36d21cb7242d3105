// Step 2: the organisation's root certificate in this computer's trust stores. A failed store
// gets Try again; skipping is offered only when managed policy allows it (allowSkipCa).
import { useEffect, useState } from "react";
import type { CaView, Problem } from "../../src/app/api.js";
import { call } from "./api.js";
import { formatDate, ProblemBox, useBusy } from "./common.js";

export function Trust({ active, allowSkipCa, skipped, onSkipped, onNext }: { active: boolean; allowSkipCa: boolean; skipped: boolean; onSkipped: () => void; onNext: () => void }) {
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
      <h1 tabIndex={-1}>Trust your organisation's certificate</h1>
      <p>Your mail app can only be sure it is talking to your organisation once this certificate is trusted. If your helpdesk reads out a fingerprint, compare it with the one below.</p>
      {problem && <ProblemBox problem={problem} title="The certificate could not be checked." />}
      {problem && !ca && (
        <button type="button" className="primary" disabled={busy} onClick={() => run(load)}>
          Try again
        </button>
      )}
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
              {formatDate(ca.notBefore)} to {formatDate(ca.notAfter)}
            </dd>
          </dl>
          {ca.managedByIt ? (
            <p className="ok">
              <span aria-hidden="true">✓ </span>Your IT department manages certificates on this computer: nothing to do here.
            </p>
          ) : (
            <ul className="stores" aria-live="polite">
              {ca.stores.map((s) => (
                <li key={`${s.store}${s.location}`}>
                  <span className={s.installed ? "badge pass" : s.problem ? "badge fail" : "badge skip"}>{s.installed ? "✓ Trusted" : s.problem ? "✗ Failed" : "Not yet"}</span> {s.store} <small>{s.location}</small>
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
              onClick={() => run(async () => {
                const r = await call("ca:install");
                if (r.ok) {
                  setCa(r.value);
                  setProblem(undefined);
                } else setProblem(r.problem);
              })}
            >
              {busy ? "Installing…" : anyFailed ? "Try again" : "Install the certificate"}
            </button>
          )}
          {allInstalled || skipped ? (
            <button type="button" className="primary" onClick={onNext}>
              Continue
            </button>
          ) : allowSkipCa ? (
            <button
              type="button"
              onClick={() => run(async () => {
                const r = await call("ca:skip");
                if (r.ok) {
                  onSkipped();
                  onNext();
                } else setProblem(r.problem);
              })}
            >
              Skip for now
            </button>
          ) : (
            <p className="small">Your organisation requires this step before you go on.</p>
          )}
        </>
      )}
    </section>
  );
}
