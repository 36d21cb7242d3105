// How commands talk to the outside: injected streams (so tests run the CLI in-process), and the
// one format for failures, in text and in JSON.
import { terminalSafeJson, visible, visibleLines } from "../safeText.js";
import { FAILURE_CODES, RelayError, asRelayError, exitStatusFor, type FailureCode } from "../errors.js";
import { recordInternalError } from "../internalLog.js";
import { stateDirOfThisRun } from "./stateDir.js";
import type { Policy } from "../policy/policy.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Reads managed policy; tests inject their own, the real CLI reads the OS's (never an env var). */
  policy?: () => Promise<Policy | undefined>;
  /** Where a branded build's org file is looked for (tests inject one). */
  bundledOrgFile?: string;
  /** Where the stack of an unexpected error is written (default: the per-user state folder). */
  internalLogDir?: string;
}

// The terminal is the last line of defence: whatever a command prints, no control character but
// line breaks and TABs reaches it.
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(visibleLines(text)),
  stderr: (text) => process.stderr.write(visibleLines(text)),
  env: process.env,
  now: () => new Date(),
};

export interface Failure {
  code: FailureCode;
  message: string;
}

/**
 * Normalises anything thrown into a coded failure. An exception that is not a RelayError is a bug:
 * INTERNAL (exit 5), with its stack written to a log the message names.
 */
export async function toFailure(err: unknown, io: CliIo): Promise<Failure> {
  if (err instanceof RelayError) return { code: err.code, message: err.message };
  // Where this run keeps its state: never a folder the user controls when elevated or acting for them.
  const log = await recordInternalError(err, io.internalLogDir ?? (await stateDirOfThisRun(io.env)), io.now());
  const failure = asRelayError(err, log);
  return { code: failure.code, message: failure.message };
}

export function printFailure(io: CliIo, failure: Failure, json: boolean): number {
  const hint = FAILURE_CODES[failure.code].hint;
  if (json) {
    io.stdout(terminalSafeJson(JSON.stringify({ ok: false, code: failure.code, message: failure.message, hint }, null, 2)) + "\n");
  } else {
    io.stderr(`${failure.code}: ${visible(failure.message)}\n  What to do: ${hint}\n`);
  }
  return exitStatusFor(failure.code);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(terminalSafeJson(JSON.stringify(value, null, 2)) + "\n");
}

/** A check or audit found a problem: its report is already printed, only the exit status remains. */
export class CheckFailed extends Error {
  constructor(readonly status: number) {
    super("check failed");
  }
}
