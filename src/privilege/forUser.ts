// Root acting for a user (the MDM way: HOME set to the user's home). One rule: every per-user step
// — finding profiles and NSS databases, reading them, running certutil on them, writing them — runs
// in a child process with the uid and gid of the home's owner, so the kernel holds whatever it
// opens, executes or loads to that user's rights. The privileged process never opens anything in a
// place that user can write; it only starts the child and reads its answer. Which account is the
// home's owner is decided once, here — never by the owner of a folder inside the home, which the
// user (or a profiles.ini they wrote) chooses. Windows has no such child (SYSTEM cannot take a
// user's identity without their token): there nothing changes.
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { sep } from "node:path";
import { isFailureCode, RelayError } from "../errors.js";
import { asAccount, type Account } from "../processRunner.js";
import { IN_SEA } from "../version.js";

export type { Account };

/**
 * The account this process acts for: the owner of the home it works in, when this process is root
 * and the home is not root's own. Undefined otherwise (a user's own run, or root for itself).
 */
export async function actingFor(home: string = homedir(), uid: number | undefined = process.getuid?.()): Promise<Account | undefined> {
  if (uid !== 0) return undefined;
  const s = await stat(home).catch(() => undefined);
  return s && s.uid !== 0 ? { uid: s.uid, gid: s.gid, home } : undefined;
}

/**
 * The account a step on `target` runs as: the home's owner when root acts for a user; else, when
 * root works for itself on a folder another account owns (an explicit --profile or --nss-db), that
 * owner, confined to that folder. Privileges are only ever dropped, never kept because of who owns
 * a folder. Undefined: this process does the step itself.
 */
export async function accountFor(target: string, home: string = homedir(), uid: number | undefined = process.getuid?.()): Promise<Account | undefined> {
  const forUser = await actingFor(home, uid);
  if (forUser || uid !== 0) return forUser;
  const s = await stat(target).catch(() => undefined);
  return s && s.uid !== 0 ? { uid: s.uid, gid: s.gid, home: target } : undefined;
}

/** The same decision without waiting (default folders are computed synchronously). */
export function actingForSync(home: string = homedir(), uid: number | undefined = process.getuid?.()): number | undefined {
  if (uid !== 0) return undefined;
  const owner = statSync(home, { throwIfNoEntry: false })?.uid;
  return owner !== undefined && owner !== 0 ? owner : undefined;
}

/**
 * Refuses (BAD_INPUT, naming it) a path the user's step must not touch: one that resolves, after
 * links, outside the home, or that belongs to another account. Run in the child, as the user.
 */
export async function requireInHome(path: string, home: string, what: string, uid: number | undefined = process.getuid?.()): Promise<void> {
  const [real, realHome] = await Promise.all([realpath(path).catch(() => undefined), realpath(home).catch(() => home)]);
  if (real === undefined) throw new RelayError("BAD_INPUT", `${what} ${path} cannot be reached by the user it belongs to (a link to nowhere, or a folder they may not open)`);
  if (real !== realHome && !real.startsWith(realHome + sep)) throw new RelayError("BAD_INPUT", `${what} ${path} is outside the user's home ${home}${real !== path ? ` (it leads to ${real})` : ""}: refused`);
  const owner = (await stat(real)).uid;
  if (uid !== undefined && owner !== uid) throw new RelayError("BAD_INPUT", `${what} ${path} belongs to another account (uid ${owner}), not to the user (uid ${uid}): refused`);
}

/** How this program runs itself: the single executable needs no script; Node needs the entry script. */
export function selfArgs(): string[] {
  return IN_SEA ? [] : [cliEntry()];
}

/**
 * The relay-onboard entry script, found from this module whatever the layout (dist, bundle,
 * package): the nearest folder up to five levels above whose package.json is ours.
 */
export function cliEntry(from: string = import.meta.url): string {
  let dir = new URL(".", from);
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: unknown };
      if (pkg.name === "relay-onboard") return new URL("bin/relay-onboard.js", dir).pathname;
    } catch {
      // Not here: one folder up.
    }
    dir = new URL("..", dir);
  }
  throw new RelayError("INTERNAL", "the relay-onboard command was not found next to its modules");
}

/**
 * The line of a failed child's stderr that says why: Node ends a crash with its version line, so
 * the last "SomethingError: …" line is preferred over the last line.
 */
export function reasonFrom(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => /^[A-Za-z]*Error\b.*:/.test(l)).pop() ?? lines.pop() ?? "";
}

export interface AsUserOptions {
  /** The entry script (tests: a probe); default: this program's. */
  entry?: string;
  /** The executable to start (tests: one that cannot start); default: this Node or this executable. */
  executable?: string;
  /** What the step is, for messages: "the Thunderbird step". */
  what: string;
  /** The code a child that gives no answer is reported with. */
  failure: "CLIENT_WRITE_FAILED" | "CA_INSTALL_FAILED" | "CLIENT_NOT_FOUND";
}

/**
 * Runs `relay-onboard __user-job` as the account (processRunner.ts's asAccount) — the request on
 * stdin, the answer as JSON on stdout.
 */
export async function runAsUser<T>(account: Account, request: unknown, options: AsUserOptions): Promise<T> {
  const child = spawn(options.executable ?? process.execPath, [...(options.entry ? [options.entry] : selfArgs()), "__user-job"], { ...asAccount(account), stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.stderr.on("data", (d: Buffer) => err.push(d));
  child.stdin.on("error", () => undefined);
  child.stdin.end(JSON.stringify(request));
  const code = await new Promise<number>((resolve) => {
    child.once("error", () => resolve(-1));
    child.once("close", (c) => resolve(c ?? -1));
  });
  let answer: { ok?: boolean; outcome?: T; code?: string; message?: string };
  try {
    answer = JSON.parse(Buffer.concat(out).toString("utf8")) as typeof answer;
  } catch {
    throw new RelayError(options.failure, `${options.what} as the home's owner (uid ${account.uid}) failed (exit ${code}): ${reasonFrom(Buffer.concat(err).toString("utf8"))}`);
  }
  if (answer.ok && answer.outcome !== undefined) return answer.outcome;
  throw new RelayError(answer.code && isFailureCode(answer.code) ? answer.code : options.failure, answer.message ?? `${options.what} failed`);
}
