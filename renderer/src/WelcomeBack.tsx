// Reopening the app after finishing: what was done and when, and the two things people come back
// for — checking that sending still works, or setting up again.
import type { Journey } from "../../src/app/api.js";
import { formatDate } from "./common.js";

export function WelcomeBack({ journey, onCheck, onRestart }: { journey: Journey; onCheck: () => void; onRestart: () => void }) {
  return (
    <section>
      <h1 tabIndex={-1}>Already set up</h1>
      <p className="ok">
        <span aria-hidden="true">✓ </span>
        {journey.email ?? "Your account"} was set up on this computer on {formatDate(journey.finishedAt ?? journey.updatedAt, true)}.
      </p>
      <p>Is sending not working any more? Run a check: it tests your login against your organisation's server again.</p>
      <button type="button" className="primary" onClick={onCheck}>
        Run a check
      </button>
      <button type="button" onClick={onRestart}>
        Set up again
      </button>
    </section>
  );
}
