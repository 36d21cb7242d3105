// The Thunderbird step — prefs.js, user.js, the backups, the profile's certificate store — as the
// profile's owner. Run as root for another user (the MDM case), writing into that user's folder
// would follow any link the user planted there (a predictable backup name, cert9.db, even the
// profile path in profiles.ini) and leave root-owned files behind. So root does not write there at
// all: the step runs in a child process with the owner's uid and gid, which the kernel then holds
// to the owner's rights. Not possible on Windows (SYSTEM cannot take a user's identity without
// their token): there the in-process writes apply, which never follow a link themselves.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { configSchema, type OrgConfig } from "../../config/schema.js";
import { asRelayError, isFailureCode, RelayError } from "../../errors.js";
import { IN_SEA } from "../../version.js";
import type { StoreResult } from "../../truststore/types.js";
import { configureThunderbird, type ThunderbirdResult } from "./configure.js";
import { thunderbirdRootTrust, type ThunderbirdRootTrust } from "./rootTrust.js";

export interface ProfileJob {
  profile: string;
  config: OrgConfig;
  email: string;
  fullName?: string;
  dryRun?: boolean;
  /** ISO time, for backup names. */
  now?: string;
  /**
   * Bring the profile's certificate store in line with the configuration's roots: the current ones
   * added, retired ones removed (absent: leave the store alone).
   */
  trustRoots?: boolean;
}

export interface ProfileOutcome {
  result: ThunderbirdResult;
  /** The profile's own store (Linux); absent where Thunderbird reads the OS store instead. */
  nss?: StoreResult;
  /** How Thunderbird trusts the roots, when the job asked for it (rootTrust.ts). */
  rootTrust?: ThunderbirdRootTrust;
  /** The account the step ran as, when not this process's. */
  ranAs?: number;
}

/**
 * The step itself, in this process. Where Thunderbird reads the OS store (Windows, macOS) the job
 * sets the preference that makes it do so and leaves the roots to the OS store; elsewhere it brings
 * the profile's NSS store in line.
 */
export async function runProfileJob(job: ProfileJob, platform: NodeJS.Platform = process.platform): Promise<ProfileOutcome> {
  const rootTrust = job.trustRoots ? thunderbirdRootTrust(platform) : undefined;
  const result = await configureThunderbird({
    profile: job.profile, config: job.config, email: job.email,
    ...(job.fullName ? { fullName: job.fullName } : {}), ...(job.dryRun ? { dryRun: true } : {}), ...(job.now ? { now: new Date(job.now) } : {}),
    ...(rootTrust === "os-store" ? { enterpriseRoots: true } : {}),
  });
  if (!rootTrust) return { result };
  if (rootTrust === "os-store" || job.dryRun) return { result, rootTrust };
  const { applyRoots, planRoots } = await import("../../truststore/rotation.js");
  const { NssStore } = await import("../../truststore/nss.js");
  // A root that is not acceptable is refused before anything is written to the store.
  const roots = planRoots(job.config, job.now ? { now: new Date(job.now) } : {});
  try {
    const outcome = await applyRoots(new NssStore(job.profile, { create: true }), roots);
    return { result, rootTrust, nss: { store: "nss", location: job.profile, installed: true, changed: outcome.changed, ...(outcome.removed.length ? { message: `retired root(s) removed: ${outcome.removed.map((s) => s.slice(0, 8)).join(", ")}` } : {}) } };
  } catch (err) {
    if (!(err instanceof RelayError)) throw err;
    return { result, rootTrust, nss: { store: "nss", location: job.profile, installed: false, changed: false, code: err.code, message: err.message } };
  }
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

/** A user's home folder from /etc/passwd (the child's HOME), or "/" when it is not listed. */
async function homeOf(uid: number): Promise<string> {
  const passwd = await readFile("/etc/passwd", "utf8").catch(() => "");
  const line = passwd.split("\n").find((l) => l.split(":")[2] === String(uid));
  return line?.split(":")[5] || "/";
}

/**
 * Runs the step as the profile folder's owner when this process is root and the owner is not:
 * `relay-onboard __profile-job` reads the job on stdin and answers on stdout.
 */
export async function runProfileJobAsOwner(job: ProfileJob, options: { uid?: number; entry?: string } = {}): Promise<ProfileOutcome> {
  const self = options.uid ?? process.getuid?.();
  const owner = await stat(job.profile).catch(() => undefined);
  if (self !== 0 || !owner || owner.uid === 0) return runProfileJob(job);
  const child = spawn(process.execPath, [...(options.entry ? [options.entry] : selfArgs()), "__profile-job"], {
    uid: owner.uid,
    gid: owner.gid,
    cwd: "/",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: await homeOf(owner.uid), LANG: "C.UTF-8" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number>((resolve) => {
    child.once("error", () => resolve(-1));
    child.once("close", (c) => resolve(c ?? -1));
  });
  let answer: { ok?: boolean; outcome?: ProfileOutcome; code?: string; message?: string };
  try {
    answer = JSON.parse(out) as typeof answer;
  } catch {
    throw new RelayError("CLIENT_WRITE_FAILED", `the Thunderbird step as the profile's owner (uid ${owner.uid}) failed (exit ${code}): ${reasonFrom(err)}`);
  }
  if (answer.ok && answer.outcome) return { ...answer.outcome, ranAs: owner.uid };
  throw new RelayError(answer.code && isFailureCode(answer.code) ? answer.code : "CLIENT_WRITE_FAILED", answer.message ?? "the Thunderbird step failed");
}

/**
 * The line of a failed child's stderr that says why: Node ends a crash with its version line, so
 * the last "SomethingError: …" line is preferred over the last line.
 */
export function reasonFrom(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.filter((l) => /^[A-Za-z]*Error\b.*:/.test(l)).pop() ?? lines.pop() ?? "";
}

/** The child's side: a job on stdin, the outcome (or the failure) as JSON on stdout. */
export async function profileJobFromStdin(stdin: AsyncIterable<Buffer | string>, write: (text: string) => void): Promise<number> {
  let text = "";
  for await (const chunk of stdin) {
    text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (text.length > 1024 * 1024) break;
  }
  try {
    const raw = JSON.parse(text) as ProfileJob;
    const job: ProfileJob = { ...raw, config: configSchema.parse(raw.config), profile: join(String(raw.profile)) };
    write(JSON.stringify({ ok: true, outcome: await runProfileJob(job) }));
    return 0;
  } catch (e) {
    const failure = asRelayError(e);
    write(JSON.stringify({ ok: false, code: failure.code, message: failure.message }));
    return 1;
  }
}
