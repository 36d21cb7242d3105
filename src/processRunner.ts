// Running system tools (trust stores, registry export, Outlook, macOS open): argument vectors only,
// never a shell string, so nothing in a path or a name can become a command. Callers take a Runner
// so tests can check the exact argv.
import { execFile } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (command: string, args: readonly string[], options?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

export const runCommand: Runner = (command, args, options = {}) =>
  new Promise((resolve) => {
    const child = execFile(command, [...args], { timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === "number" ? Number((error as NodeJS.ErrnoException).code) : (error as { code?: unknown }).code === "ENOENT" ? 127 : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && !stderr ? error.message : "") });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
