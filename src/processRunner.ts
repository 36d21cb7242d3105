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

export const runCommand: Runner = (command, args, options = {}) => run(command, args, options, {});

/** An account a privileged run acts for: the owner of the home it works in. */
export interface Account {
  uid: number;
  gid: number;
  home: string;
}

/**
 * How a child runs as another account — root acting for a user: that account's uid and gid, so
 * whatever the child loads from the user's files (NSS loads the modules a database's pkcs11.txt
 * names) runs as that user and the kernel keeps it to that user's rights; a fixed PATH, the user's
 * HOME, LANG and cwd "/", nothing else of this process's environment.
 */
export function asAccount(account: Account): { uid: number; gid: number; cwd: string; env: NodeJS.ProcessEnv } {
  return { uid: account.uid, gid: account.gid, cwd: "/", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: account.home, LANG: "C.UTF-8" } };
}

/** runCommand as another account (asAccount). */
export function runCommandAs(account: Account): Runner {
  return (command, args, options = {}) => run(command, args, options, asAccount(account));
}

function run(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number }, as: { uid?: number; gid?: number; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(command, [...args], { timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true, ...as }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === "number" ? Number((error as NodeJS.ErrnoException).code) : (error as { code?: unknown }).code === "ENOENT" ? 127 : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && !stderr ? error.message : "") });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
