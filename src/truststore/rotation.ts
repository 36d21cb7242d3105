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

export interface RootsOutcome {
  store: string;
  location: string;
  installed: string[];
  present: string[];
  removed: string[];
  changed: boolean;
}

export async function applyRoots(store: TrustStore, plan: RootsPlan): Promise<RootsOutcome> {
  const outcome: RootsOutcome = { store: store.store, location: store.location, installed: [], present: [], removed: [], changed: false };
  for (const ca of plan.install) {
    const r: StoreResult = await store.install(ca);
    (r.changed ? outcome.installed : outcome.present).push(ca.sha256);
  }
  for (const sha256 of plan.retire) {
    const found = await store.find(sha256, plan.organization);
    if (!found) continue;
    if ((await store.remove(found)).changed) outcome.removed.push(sha256);
  }
  outcome.changed = outcome.installed.length + outcome.removed.length > 0;
  return outcome;
}

export interface RootsState {
  store: string;
  location: string;
  /** Current roots the store lacks. */
  missing: string[];
  /** Retired roots the store still holds. */
  retiredPresent: string[];
}

/** What applyRoots would change, read only. */
export async function rootsState(store: TrustStore, plan: RootsPlan): Promise<RootsState> {
  const missing: string[] = [];
  for (const ca of plan.install) if (!(await store.status(ca)).installed) missing.push(ca.sha256);
  const retiredPresent: string[] = [];
  for (const sha256 of plan.retire) if (await store.find(sha256, plan.organization)) retiredPresent.push(sha256);
  return { store: store.store, location: store.location, missing, retiredPresent };
}

/** Whether a store is as the configuration wants it: every current root there, no retired one. */
export function rootsInPlace(state: RootsState): boolean {
  return state.missing.length === 0 && state.retiredPresent.length === 0;
}

/** Takes the organisation's roots out of a store: the current ones and every retired one still there. */
export async function removeRoots(store: TrustStore, plan: RootsPlan): Promise<boolean> {
  const found = [...plan.install];
  for (const sha256 of plan.retire) {
    const old = await store.find(sha256, plan.organization);
    if (old) found.push(old);
  }
  let changed = false;
  for (const root of found) changed = (await store.remove(root)).changed || changed;
  return changed;
}

/** "linux-system: 1 root installed, 1 already there, retired root 3f2a9c01… removed" */
export function describeRoots(o: RootsOutcome): string {
  const parts: string[] = [];
  if (o.installed.length) parts.push(o.installed.length === 1 && o.present.length === 0 ? "installed" : `${o.installed.length} root(s) installed`);
  if (o.present.length) parts.push(o.installed.length === 0 && o.present.length === 1 ? "already there" : `${o.present.length} already there`);
  for (const sha of o.removed) parts.push(`retired root ${sha.slice(0, 8)}… removed`);
  return `${o.store}: ${parts.join(", ")}`;
}

/** One line for a dry run: what bringing the store in line would do. */
export function describeRootsPlan(s: RootsState): string {
  if (rootsInPlace(s)) return `${s.store}: already there`;
  return `${s.store}: would install ${s.missing.length} root(s)${s.retiredPresent.length ? `, remove ${s.retiredPresent.length} retired` : ""} in ${s.location}`;
}
