// Where a password may come from: never a flag value (it would show in process lists and shell
// history) — an environment variable, standard input, or an interactive prompt.
import { createInterface } from "node:readline";
import { RelayError } from "../errors.js";
import type { CliIo } from "./io.js";

export interface PasswordSource {
  passwordEnv?: string;
  passwordStdin?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new RelayError("BAD_INPUT", "standard input is too long for a password");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

async function prompt(io: CliIo, question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Mute the echo: only the question is written.
  const out = rl as unknown as { _writeToOutput: (s: string) => void };
  io.stderr(question);
  out._writeToOutput = () => undefined;
  return new Promise((resolve) => rl.question("", (answer) => {
    rl.close();
    io.stderr("\n");
    resolve(answer);
  }));
}

/** The password, or undefined when no source is given and no terminal can be asked. */
export async function readPassword(io: CliIo, source: PasswordSource, user: string | undefined): Promise<string | undefined> {
  if (source.passwordEnv !== undefined) {
    const value = io.env[source.passwordEnv];
    if (value === undefined || value === "") throw new RelayError("BAD_INPUT", `the environment variable ${source.passwordEnv} is not set`);
    return value;
  }
  if (source.passwordStdin) return readStdin();
  if (user !== undefined && process.stdin.isTTY && process.stderr.isTTY) return prompt(io, `Password for ${user}: `);
  return undefined;
}
