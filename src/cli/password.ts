// Where a password may come from: never a flag value (it would show in process lists and shell
// history) — an environment variable, standard input, or an interactive prompt.
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

/**
 * Asks on the terminal without echo. The question is written once and never redrawn: readline's
 * line editing clears and rewrites the whole line on Backspace, which erased the question and
 * left the user typing at a blank line. Raw mode reads key by key instead; nothing is echoed.
 */
async function prompt(io: CliIo, question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the question shows, so nothing typed early is echoed by the terminal.
  stdin.setRawMode(true);
  stdin.resume();
  io.stderr(question);
  return new Promise((resolve, reject) => {
    const typed: string[] = [];
    const done = (error?: RelayError) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr("\n");
      if (error) reject(error);
      else resolve(typed.join(""));
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || (ch === "\u0004" && typed.length === 0)) return done(new RelayError("USAGE", "no password given: the prompt was cancelled"));
        if (ch === "\u007f" || ch === "\b") typed.pop();
        else if (ch === "\u0015") typed.length = 0; // Ctrl-U: start again
        else if (ch >= " ") typed.push(ch);
      }
    };
    stdin.on("data", onData);
  });
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
