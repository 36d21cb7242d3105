// One store brought in line with the configuration's roots: every current root installed first,
// then every retired root the store still holds removed — so there is never a moment when the
// relay's certificate (on either root during the overlap) is not trusted.
import { currentRoots, retiredFingerprints } from "../config/roots.js";
import type { OrgConfig } from "../config/schema.js";
import { acceptCa, identifyCa } from "./accept.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

export interface RootsPlan {
  /** The current roots, already accepted (pinned, CA, valid). */
  install: AcceptedCa[];
  /** SHA-256 fingerprints of retired roots. */
  retire: string[];
  organization: string;
}

/**
 * The configuration's roots for a store: accepted for installing (pinned, CA, valid now), or — for
 * status and removal — identified by their pin alone (`forInstall` false).
 */
export function planRoots(config: OrgConfig, options: { now?: Date; forInstall?: boolean } = {}): RootsPlan {
  const organization = config.organization.name;
  const install = currentRoots(config).map((r) =>
    options.forInstall === false ? identifyCa(r.pem, r.sha256, organization) : acceptCa(r.pem, r.sha256, organization, options.now),
  );
  return { install, retire: retiredFingerprints(config), organization };
}

/** Copies of a root someone else put into a store: never removed, always reported. */
export interface LeftInPlace {
  sha256: string;
  where: string[];
}

export interface RootsOutcome {
  store: string;
  location: string;
  installed: string[];
  present: string[];
  removed: string[];
  /** Retired roots still trusted through copies the tool did not install. */
  leftInPlace: LeftInPlace[];
  changed: boolean;
}

/** What a run changes in the install record: the roots it installed and took out (DESIGN.md, "What the tool installed"). */
export interface RecordKeeper {
  root(store: string, location: string, sha256: string): { handle: string } | undefined;
  addRoot(entry: { store: string; location: string; sha256: string; handle: string }, now: Date): void;
  dropRoot(store: string, location: string, sha256: string): void;
}

export async function applyRoots(store: TrustStore, plan: RootsPlan, record?: RecordKeeper, now = new Date()): Promise<RootsOutcome> {
  const outcome: RootsOutcome = { store: store.store, location: store.location, installed: [], present: [], removed: [], leftInPlace: [], changed: false };
  for (const ca of plan.install) {
    const r: StoreResult = await store.install(ca);
    (r.changed ? outcome.installed : outcome.present).push(ca.sha256);
    if (r.changed) record?.addRoot({ store: store.store, location: store.location, sha256: ca.sha256, handle: r.handle ?? "" }, now);
  }
  for (const sha256 of plan.retire) {
    const gone = await takeOut(store, sha256, plan.organization, record);
    if (gone.removed) outcome.removed.push(sha256);
    if (gone.left.length) outcome.leftInPlace.push({ sha256, where: gone.left });
  }
  outcome.changed = outcome.installed.length + outcome.removed.length > 0;
  return outcome;
}

/**
 * Takes the tool's own copy of a root out of a store — what the install record or the tool's own
 * naming shows — and says where the store still trusts it (copies someone else put there).
 */
async function takeOut(store: TrustStore, sha256: string, organization: string, record?: RecordKeeper): Promise<{ removed: boolean; left: string[] }> {
  const recorded = record?.root(store.store, store.location, sha256)?.handle;
  const found = await store.find(sha256, organization, recorded);
  const removed = found ? (await store.remove(found, recorded)).changed : false;
  record?.dropRoot(store.store, store.location, sha256);
  return { removed, left: await store.trustedCopies(sha256) };
}

export interface RootsState {
  store: string;
  location: string;
  /** Current roots the store lacks. */
  missing: string[];
  /** Retired roots the store still trusts, whoever put them there. */
  retiredPresent: string[];
  /** Where each of them is trusted. */
  retiredWhere: LeftInPlace[];
}

/** What applyRoots would change, read only; a retired root counts wherever the store trusts it. */
export async function rootsState(store: TrustStore, plan: RootsPlan): Promise<RootsState> {
  const missing: string[] = [];
  for (const ca of plan.install) if (!(await store.status(ca)).installed) missing.push(ca.sha256);
  const retiredWhere: LeftInPlace[] = [];
  for (const sha256 of plan.retire) {
    const where = await store.trustedCopies(sha256);
    if (where.length) retiredWhere.push({ sha256, where });
  }
  return { store: store.store, location: store.location, missing, retiredPresent: retiredWhere.map((r) => r.sha256), retiredWhere };
}

/** Whether a store is as the configuration wants it: every current root there, no retired one. */
export function rootsInPlace(state: RootsState): boolean {
  return state.missing.length === 0 && state.retiredPresent.length === 0;
}

export interface RemovalOutcome {
  store: string;
  location: string;
  removed: string[];
  /** Roots still trusted through copies the tool did not install. */
  leftInPlace: LeftInPlace[];
  changed: boolean;
}

/** Takes the organisation's roots out of a store — the current ones and every retired one — where they are the tool's own. */
export async function removeRoots(store: TrustStore, plan: RootsPlan, record?: RecordKeeper): Promise<RemovalOutcome> {
  const outcome: RemovalOutcome = { store: store.store, location: store.location, removed: [], leftInPlace: [], changed: false };
  for (const sha256 of [...plan.install.map((c) => c.sha256), ...plan.retire]) {
    const gone = await takeOut(store, sha256, plan.organization, record);
    if (gone.removed) outcome.removed.push(sha256);
    if (gone.left.length) outcome.leftInPlace.push({ sha256, where: gone.left });
  }
  outcome.changed = outcome.removed.length > 0;
  return outcome;
}

/** "retired root 3f2a9c01… also installed by someone else: left in place (/usr/local/share/ca-certificates/corp.crt)" */
export const describeLeft = (l: LeftInPlace, what = "root") => `${what} ${l.sha256.slice(0, 8)}… also installed by someone else: left in place (${l.where.join(", ")})`;

/** "linux-system: 1 root installed, 1 already there, retired root 3f2a9c01… removed" */
export function describeRoots(o: RootsOutcome): string {
  const parts: string[] = [];
  if (o.installed.length) parts.push(o.installed.length === 1 && o.present.length === 0 ? "installed" : `${o.installed.length} root(s) installed`);
  if (o.present.length) parts.push(o.installed.length === 0 && o.present.length === 1 ? "already there" : `${o.present.length} already there`);
  for (const sha of o.removed) parts.push(`retired root ${sha.slice(0, 8)}… removed`);
  for (const l of o.leftInPlace) parts.push(describeLeft(l, "retired root"));
  return `${o.store}: ${parts.join(", ")}`;
}

/** One line for a dry run: what bringing the store in line would do. */
export function describeRootsPlan(s: RootsState): string {
  if (rootsInPlace(s)) return `${s.store}: already there`;
  return `${s.store}: would install ${s.missing.length} root(s)${s.retiredPresent.length ? `, remove ${s.retiredPresent.length} retired` : ""} in ${s.location}`;
}
