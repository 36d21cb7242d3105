// How commands talk to the outside: injected streams (so tests run the CLI in-process), and the
// one format for failures, in text and in JSON.
import { FAILURE_CODES, RelayError, exitStatusFor, type FailureCode } from "../diagnostics/codes.js";
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
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  now: () => new Date(),
};

export interface Failure {
  code: FailureCode;
  message: string;
}

/** Normalises anything thrown into a coded failure; unexpected errors keep their message. */
export function toFailure(err: unknown): Failure {
  if (err instanceof RelayError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: "BAD_INPUT", message: `unexpected error: ${message}` };
}

export function printFailure(io: CliIo, failure: Failure, json: boolean): number {
  const hint = FAILURE_CODES[failure.code].hint;
  if (json) {
    io.stdout(JSON.stringify({ ok: false, code: failure.code, message: failure.message, hint }, null, 2) + "\n");
  } else {
    io.stderr(`${failure.code}: ${failure.message}\n  What to do: ${hint}\n`);
  }
  return exitStatusFor(failure.code);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + "\n");
}

/** A check or audit found a problem: its report is already printed, only the exit status remains. */
export class CheckFailed extends Error {
  constructor(readonly status: number) {
    super("check failed");
  }
}
