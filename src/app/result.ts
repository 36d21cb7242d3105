// Turning what a handler did into the Result the window receives. Expected failures are
// RelayErrors and keep their code; anything else is a bug: its stack goes to the state folder's
// log and the window gets INTERNAL naming that file. Nothing here can leak a thrown object's
// properties to the window beyond code, sentence, hint and the recorded facts.
import { FAILURE_CODES, RelayError, asRelayError, type FailureDetails } from "../errors.js";
import type { Problem, Result } from "./api.js";

function detailsText(details: FailureDetails): string | undefined {
  const parts = [
    details.command && `command: ${details.command}`,
    details.reply && `server reply: ${details.reply}`,
    details.claim && `setting: ${details.claim}`,
    details.log && `log: ${details.log}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/** A RelayError (or, given the log it was written to, a bug) as the window shows it. */
export function problemOf(err: unknown, log?: string): Problem {
  const relay = asRelayError(err, log);
  const details = detailsText(relay.details);
  return { code: relay.code, message: relay.summary, hint: FAILURE_CODES[relay.code].hint, ...(details ? { details } : {}) };
}

/** Runs one handler; never throws. `recordBug` keeps a bug's stack and says where. */
export async function settle<T>(work: () => Promise<T>, recordBug: (err: unknown) => Promise<string | undefined>): Promise<Result<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof RelayError) return { ok: false, problem: problemOf(err) };
    return { ok: false, problem: problemOf(err, await recordBug(err).catch(() => undefined)) };
  }
}
