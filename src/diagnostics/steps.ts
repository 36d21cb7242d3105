// Checks as the reports show them: each step timed, with its status, code, message and hint.
import { visible } from "../safeText.js";
import { FAILURE_CODES, asRelayError, type RelayError, type FailureCode } from "../errors.js";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  code: FailureCode | "OK";
  message: string;
  hint?: string;
  /** Milliseconds since the diagnosis started (for the waterfall). */
  startMs: number;
  durationMs: number;
}

export interface StepOutcome {
  message: string;
  status?: "pass" | "warn";
  code?: FailureCode;
}

export class StepRecorder {
  readonly results: CheckResult[] = [];
  constructor(
    private readonly origin = performance.now(),
    /** Told about each step as it finishes (live progress in the app). */
    private readonly onResult?: (result: CheckResult) => void,
  ) {}

  private push(result: CheckResult): void {
    // Messages quote servers and certificates: their control characters are made visible here,
    // once, for every report, log and screen that shows them.
    result.message = visible(result.message);
    this.results.push(result);
    this.onResult?.(result);
  }

  private at(): number {
    return Math.round(performance.now() - this.origin);
  }

  /** Runs a step; a RelayError marks it failed and is rethrown so the caller stops. */
  async run(id: string, title: string, body: () => Promise<StepOutcome | string> | StepOutcome | string): Promise<void> {
    const start = performance.now();
    const startMs = this.at();
    try {
      const outcome = await body();
      const { message, status = "pass", code } = typeof outcome === "string" ? { message: outcome } : outcome;
      this.push({
        id, title, status, code: code ?? "OK", message, startMs, durationMs: Math.round(performance.now() - start),
        ...(code ? { hint: FAILURE_CODES[code].hint } : {}),
      });
    } catch (err) {
      const failure = asRelayError(err);
      this.push({ id, title, status: "fail", code: failure.code, message: failure.message, hint: failure.hint, startMs, durationMs: Math.round(performance.now() - start) });
      throw failure;
    }
  }

  /** Records a failure that happened outside any step. */
  fail(id: string, title: string, failure: RelayError): void {
    this.push({ id, title, status: "fail", code: failure.code, message: failure.message, hint: failure.hint, startMs: this.at(), durationMs: 0 });
  }

  skip(id: string, title: string, message: string): void {
    this.push({ id, title, status: "skip", code: "OK", message, startMs: this.at(), durationMs: 0 });
  }
}
