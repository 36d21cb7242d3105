// The Thunderbird step — prefs.js, user.js, the backups, the profile's certificate store — as the
// home's owner. Run as root for another user (the MDM case), writing into that user's folder would
// follow any link the user planted there (a predictable backup name, cert9.db, even the profile
// path in profiles.ini) and leave root-owned files behind. So root does not write there at all: the
// step runs in a child with the uid and gid of the home's owner (privilege/forUser.ts). Not
// possible on Windows (SYSTEM cannot take a user's identity without their token): there the
// in-process writes apply, which never follow a link themselves.
import { homedir } from "node:os";
import type { OrgConfig } from "../../config/schema.js";
import { RelayError } from "../../errors.js";
import { accountFor, runAsUser } from "../../privilege/forUser.js";
import type { UserRequest } from "../../privilege/userJob.js";
import type { StoreResult } from "../../truststore/types.js";
import { configureThunderbird, type ThunderbirdResult } from "./configure.js";
import { lockProfile } from "../../fs/profileLock.js";
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
  /** The profile store's changes for the install record: roots added (with their nickname) and taken out. */
  roots?: { added: Array<{ sha256: string; handle: string }>; dropped: string[] };
}

/**
 * The step itself, in this process. Where Thunderbird reads the OS store (Windows, macOS) the job
 * sets the preference that makes it do so and leaves the roots to the OS store; elsewhere it brings
 * the profile's NSS store in line.
 */
export async function runProfileJob(job: ProfileJob, platform: NodeJS.Platform = process.platform): Promise<ProfileOutcome> {
  if (job.dryRun) return profileStep(job, platform);
  // One writer per profile, whatever state folder each run keeps: the user's app and IT's run wait
  // for each other (a profile's step takes seconds) instead of both writing prefs.js and cert9.db.
  const release = await lockProfile(job.profile);
  try {
    return await profileStep(job, platform);
  } finally {
    await release();
  }
}

async function profileStep(job: ProfileJob, platform: NodeJS.Platform): Promise<ProfileOutcome> {
  const rootTrust = job.trustRoots ? thunderbirdRootTrust(platform) : undefined;
  const result = await configureThunderbird({
    profile: job.profile, config: job.config, email: job.email,
    ...(job.fullName ? { fullName: job.fullName } : {}), ...(job.dryRun ? { dryRun: true } : {}), ...(job.now ? { now: new Date(job.now) } : {}),
    ...(rootTrust === "os-store" ? { enterpriseRoots: true } : {}),
  });
  if (!rootTrust) return { result };
  if (rootTrust === "os-store" || job.dryRun) return { result, rootTrust };
  const { applyRoots, describeLeft, planRoots } = await import("../../truststore/rotation.js");
  const { NssStore } = await import("../../truststore/nss.js");
  // A root that is not acceptable is refused before anything is written to the store.
  const roots = planRoots(job.config, job.now ? { now: new Date(job.now) } : {});
  // The parent keeps the install record (this may be a child running as the user): collect for it.
  const added: Array<{ sha256: string; handle: string }> = [];
  const dropped: string[] = [];
  const collect = { root: () => undefined, addRoot: (e: { sha256: string; handle: string }) => void added.push({ sha256: e.sha256, handle: e.handle }), dropRoot: (_s: string, _l: string, sha256: string) => void dropped.push(sha256) };
  try {
    const outcome = await applyRoots(new NssStore(job.profile, { create: true }), roots, collect);
    const notes = [...(outcome.removed.length ? [`retired root(s) removed: ${outcome.removed.map((s) => s.slice(0, 8)).join(", ")}`] : []), ...outcome.leftInPlace.map((l) => describeLeft(l, "retired root"))];
    return { result, rootTrust, roots: { added, dropped }, nss: { store: "nss", location: job.profile, installed: true, changed: outcome.changed, ...(notes.length ? { message: notes.join("; ") } : {}) } };
  } catch (err) {
    if (!(err instanceof RelayError)) throw err;
    return { result, rootTrust, nss: { store: "nss", location: job.profile, installed: false, changed: false, code: err.code, message: err.message } };
  }
}

/**
 * The step as the home's owner when this process is root acting for a user (privilege/forUser.ts):
 * `relay-onboard __user-job` does it, and refuses a profile outside that home or not the user's.
 * Root working for itself on a profile another account owns drops to that owner (accountFor).
 * Otherwise in this process.
 */
export async function runProfileJobAsOwner(job: ProfileJob, options: { home?: string; uid?: number; entry?: string; executable?: string } = {}): Promise<ProfileOutcome> {
  const account = await accountFor(job.profile, options.home ?? homedir(), options.uid ?? process.getuid?.());
  if (!account) return runProfileJob(job);
  const outcome = await runAsUser<ProfileOutcome>(account, { kind: "profile", home: account.home, job } satisfies UserRequest, {
    what: "the Thunderbird step", failure: "CLIENT_WRITE_FAILED", ...(options.entry ? { entry: options.entry } : {}), ...(options.executable ? { executable: options.executable } : {}),
  });
  return { ...outcome, ranAs: account.uid };
}
