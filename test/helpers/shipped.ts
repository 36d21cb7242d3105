// The command line as users get it: the single executable the installers ship (built once per run
// by test/setup/shippedCli.ts), or the bundle `npx relay-onboard` / bin/relay-onboard.js runs.
// Spawned asynchronously, so servers living in the test process keep answering.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { testClockEnv } from "./realClock.js";

const root = join(import.meta.dirname, "..", "..");
export const SEA = join(root, "dist", "sea", `linux-${process.arch}`, "relay-onboard");
export const BUNDLE = join(root, "bin", "relay-onboard.js");

export type Shipped = "sea" | "bundle";

export interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ShippedOptions {
  via?: Shipped;
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Run as this account (root's tests of a user's own run). */
  uid?: number;
  gid?: number;
}

/** Runs `relay-onboard args…` as shipped, with only PATH, HOME, the test's clock and the given variables in its environment. */
export function runShipped(args: string[], options: ShippedOptions = {}): Promise<Ran> {
  const [command, argv] = options.via === "bundle" ? [process.execPath, [BUNDLE, ...args]] : [SEA, args];
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...testClockEnv(), ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"], ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
