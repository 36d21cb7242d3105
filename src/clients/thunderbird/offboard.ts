// Taking the relay account back out of a Thunderbird profile (DESIGN.md, "What the tool installed").
// With the install record: the outgoing server, identity, account and incoming server the tool
// created go (their branch and their listing), and every preference it changed gets its previous
// value back — unless the user changed it since, which is left and reported (a created entity the
// user changed is left whole). Without a record (lost or damaged): only the outgoing server the
// tool's own naming shows — the relay's host with the description "<organisation> (secure relay)" —
// and nothing is guessed about identities or accounts. Other accounts are never touched.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { OrgConfig } from "../../config/schema.js";
import { RelayError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic.js";
import { keepBackup } from "../../fs/backup.js";
import type { InstallRecord, ProfileInput, RecordedPref, RecordedProfile } from "../../installRecord.js";
import { profileLock } from "../../fs/profileLock.js";
import { applyPrefs, parsePrefs, removePrefs, type PrefChange, type PrefEntry, type PrefValue } from "./prefs.js";
import type { ThunderbirdResult } from "./configure.js";
import { guardWrite } from "../../fs/writeFailure.js";
import { cleanLeftovers } from "../../fs/leftovers.js";
import { lockProfile } from "../../fs/profileLock.js";

type FileName = "prefs.js" | "user.js";

/** The description the tool gives its outgoing server (accounts.ts): its own naming. */
export const relayDescription = (config: OrgConfig) => `${config.organization.name} (secure relay)`;

/** What a configure run created and changed, for the install record. */
export function recordOfConfigure(result: ThunderbirdResult, email: string): ProfileInput {
  const all = [...result.changes.map((c) => ({ c, file: "prefs.js" as const })), ...result.userJsChanges.map((c) => ({ c, file: "user.js" as const }))];
  const newly = (name: string) => all.some(({ c }) => c.name === name && c.before === undefined);
  const listed = (list: string, key: string) => all.some(({ c }) => c.name === list && !splitList(c.before).includes(key) && splitList(c.after).includes(key));
  const created: ProfileInput["created"] = {};
  if (listed("mail.smtpservers", result.smtpKey)) created.smtp = result.smtpKey;
  if (result.identityKey && newly(`mail.identity.${result.identityKey}.useremail`)) created.identity = result.identityKey;
  if (result.accountKey && listed("mail.accountmanager.accounts", result.accountKey)) created.account = result.accountKey;
  if (result.serverKey && newly(`mail.server.${result.serverKey}.type`)) created.server = result.serverKey;
  const prefs: RecordedPref[] = all.map(({ c, file }) => ({ file, name: c.name, ...(c.before !== undefined ? { before: c.before } : {}), after: c.after }));
  return { profile: result.profile, email, created, prefs };
}

/** Adds a configure run's changes (its preferences, its profile store's roots) to the install record. */
export function recordThunderbird(
  record: InstallRecord,
  profile: string,
  email: string,
  result: ThunderbirdResult,
  roots: { added: Array<{ sha256: string; handle: string }>; dropped: string[] } | undefined,
  now: Date,
): void {
  if (result.changed) record.addProfileChanges(recordOfConfigure(result, email), now);
  for (const r of roots?.added ?? []) record.addRoot({ store: "nss", location: profile, sha256: r.sha256, handle: r.handle }, now);
  for (const sha256 of roots?.dropped ?? []) record.dropRoot("nss", profile, sha256);
}

const splitList = (value: PrefValue | undefined): string[] => (typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : []);

const BRANCH = { smtp: "mail.smtpserver.", identity: "mail.identity.", account: "mail.account.", server: "mail.server." } as const;
const LISTS = { smtp: "mail.smtpservers", account: "mail.accountmanager.accounts" } as const;
const WHAT = { smtp: "outgoing server", identity: "identity", account: "account", server: "incoming server" } as const;
/** Thunderbird never hands out a key number twice; the tool leaves its counter as it is. */
const KEPT = new Set(["mail.account.lastKey"]);
const isList = (name: string) => name === LISTS.smtp || name === LISTS.account;
const DEFAULTS = new Set(["mail.smtp.defaultserver", "mail.accountmanager.defaultaccount"]);
/** What the user may rename without the entity stopping to be the tool's. */
const COSMETIC = /\.(fullName|description|name)$/;

export interface OffboardPlan {
  /** Per file: preferences to delete, and to set. */
  remove: Record<FileName, Set<string>>;
  set: Record<FileName, Map<string, PrefValue>>;
  /** What goes, in words ("outgoing server smtp2 (relay.example.com)"). */
  removed: string[];
  /** What stays, and why. */
  left: string[];
}

interface Files {
  prefs: PrefEntry[];
  user: PrefEntry[];
}

/** The last user value of each preference in each file (what Thunderbird takes from it). */
function lastValues(entries: PrefEntry[]): Map<string, PrefValue> {
  const out = new Map<string, PrefValue>();
  for (const e of entries) if (e.kind === "user") out.set(e.name, e.value);
  return out;
}

/** Read only: what taking the tool's changes out of these files would do. */
export function planOffboard(files: Files, config: OrgConfig | undefined, entry: RecordedProfile | undefined): OffboardPlan {
  const current: Record<FileName, Map<string, PrefValue>> = { "prefs.js": lastValues(files.prefs), "user.js": lastValues(files.user) };
  const effective = new Map([...current["prefs.js"], ...current["user.js"]]);
  const plan: OffboardPlan = { remove: { "prefs.js": new Set(), "user.js": new Set() }, set: { "prefs.js": new Map(), "user.js": new Map() }, removed: [], left: [] };
  const names = (file: FileName) => [...current[file].keys()];
  const dropBranch = (prefix: string) => {
    for (const file of ["prefs.js", "user.js"] as const) for (const n of names(file)) if (n.startsWith(prefix)) plan.remove[file].add(n);
  };
  const unlist = (list: string, key: string) => {
    for (const file of ["prefs.js", "user.js"] as const) {
      const value = current[file].get(list);
      if (value === undefined || !splitList(value).includes(key)) continue;
      const rest = splitList(value).filter((k) => k !== key);
      if (rest.length) plan.set[file].set(list, rest.join(","));
      else plan.remove[file].add(list);
    }
  };

  if (!entry && !config) {
    plan.left.push("no install record for this profile and no configuration to recognise the relay's server by: nothing is known to be Relay Onboard's");
    return plan;
  }
  if (!entry) {
    // Own naming only: the relay's outgoing server with the tool's description.
    const sub = config!.submission;
    for (const key of splitList(effective.get(LISTS.smtp))) {
      const host = String(effective.get(`${BRANCH.smtp}${key}.hostname`) ?? "").toLowerCase();
      if (host !== sub.host.toLowerCase() || effective.get(`${BRANCH.smtp}${key}.description`) !== relayDescription(config!)) continue;
      dropBranch(`${BRANCH.smtp}${key}.`);
      unlist(LISTS.smtp, key);
      for (const file of ["prefs.js", "user.js"] as const) {
        for (const [n, v] of current[file]) if ((n === "mail.smtp.defaultserver" || /^mail\.identity\.[^.]+\.smtpServer$/.test(n)) && v === key) plan.remove[file].add(n);
      }
      plan.removed.push(`${WHAT.smtp} ${key} (${sub.host})`);
    }
    if (plan.removed.length) plan.left.push("no install record for this profile: identities and accounts were left as they are");
    return plan;
  }

  // The user changed it since the tool set it: that value stays. The entities the tool created go
  // together or not at all: one whose address, security or login the user changed keeps them all
  // (a name shown or a description does not count).
  const created = Object.entries(entry.created).filter((e): e is [keyof typeof BRANCH, string] => typeof e[1] === "string" && e[0] in BRANCH);
  const prefixes = created.map(([kind, key]) => `${BRANCH[kind]}${key}.`);
  const inCreated = (name: string) => prefixes.some((prefix) => name.startsWith(prefix));
  // Already taken back (an offboard killed between prefs.js and user.js): a created entity's pref
  // that is gone, or another pref back at its previous value — not a change of the user's.
  const undone = (p: RecordedPref) => (inCreated(p.name) ? current[p.file].get(p.name) === undefined : current[p.file].get(p.name) === p.before);
  const changedSince = entry.prefs.filter((p) => !KEPT.has(p.name) && !isList(p.name) && current[p.file].get(p.name) !== p.after && !undone(p));
  const touched = changedSince.filter((p) => inCreated(p.name) && !COSMETIC.test(p.name));
  if (touched.length) {
    plan.left.push(`${created.map(([kind, key]) => `${WHAT[kind]} ${key}`).join(", ")} left in place: ${touched.map((p) => p.name).join(", ")} changed since`);
  } else {
    for (const [kind, key] of created) {
      const prefix = `${BRANCH[kind]}${key}.`;
      dropBranch(prefix);
      if (kind === "smtp" || kind === "account") unlist(LISTS[kind], key);
      const host = effective.get(`${prefix}hostname`);
      plan.removed.push(`${WHAT[kind]} ${key}${typeof host === "string" ? ` (${host})` : ""}`);
    }
  }
  const gone = touched.length === 0;
  // Every other preference the tool changed: its previous value back, where it is still the tool's.
  for (const p of entry.prefs) {
    if (KEPT.has(p.name) || isList(p.name) || inCreated(p.name) || undone(p)) continue;
    if (current[p.file].get(p.name) !== p.after) {
      plan.left.push(`${p.name} left as it is: changed since`);
      continue;
    }
    // Defaults that named a created entity stay with it when it stays.
    if (!gone && DEFAULTS.has(p.name)) continue;
    // A default that named something now gone is cleared, never pointed at what is left.
    if (p.before === undefined) plan.remove[p.file].add(p.name);
    else plan.set[p.file].set(p.name, p.before);
  }
  for (const file of ["prefs.js", "user.js"] as const) for (const n of plan.remove[file]) plan.set[file].delete(n);
  return plan;
}

export interface OffboardResult {
  profile: string;
  changed: boolean;
  removed: string[];
  left: string[];
  /** The exact edit, one line per preference. */
  diff: string;
  backup?: string;
}

async function readFileOrEmpty(path: string): Promise<Buffer> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return Buffer.alloc(0);
    throw new RelayError("BAD_INPUT", `cannot read ${path}: ${err.code ?? err.message}`);
  });
}

function parsedOrRefused(path: string, data: Buffer): PrefEntry[] {
  const parsed = parsePrefs(data);
  const first = parsed.errors[0];
  if (first) throw new RelayError("BAD_INPUT", `${path} line ${first.line}, column ${first.column}: ${first.message} (Thunderbird flags this file as corrupted); it was left untouched.`);
  return parsed.entries;
}

type OffboardRequest = { profile: string; config?: OrgConfig; entry?: RecordedProfile; dryRun?: boolean; now?: Date };

/** Takes the tool's changes out of one profile (or, with `dryRun`, says what that would do). */
export async function offboardThunderbird(request: OffboardRequest): Promise<OffboardResult> {
  const { profile } = request;
  if (!(await stat(profile).then((s) => s.isDirectory(), () => false))) return { profile, changed: false, removed: [], left: [`the profile ${profile} no longer exists`], diff: "" };
  if (request.dryRun) return offboardProfile(request);
  // Read, planned and written under the profile's lock: no configure run writes it meanwhile.
  const release = await lockProfile(profile);
  try {
    return await offboardProfile(request);
  } finally {
    await release();
  }
}

async function offboardProfile(request: OffboardRequest): Promise<OffboardResult> {
  const { profile } = request;
  if ((await profileLock(profile)).running) throw new RelayError("CLIENT_RUNNING", `Thunderbird is using the profile ${profile}; close Thunderbird first`);
  const paths: Record<FileName, string> = { "prefs.js": join(profile, "prefs.js"), "user.js": join(profile, "user.js") };
  const data: Record<FileName, Buffer> = { "prefs.js": await readFileOrEmpty(paths["prefs.js"]), "user.js": await readFileOrEmpty(paths["user.js"]) };
  const plan = planOffboard({ prefs: parsedOrRefused(paths["prefs.js"], data["prefs.js"]), user: parsedOrRefused(paths["user.js"], data["user.js"]) }, request.config, request.entry);

  const edits = (["prefs.js", "user.js"] as const).map((file) => {
    const removed = removePrefs(data[file], plan.remove[file]);
    const set = applyPrefs(removed.data, plan.set[file]);
    return { file, out: set.data, removed: removed.removed, changes: set.changes };
  });
  const line = (name: string, value: PrefValue) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`;
  const diff = edits
    .flatMap((e) => [...e.removed.map((r) => `- ${line(r.name, r.before)}${e.file === "user.js" ? " (user.js)" : ""}`), ...e.changes.map((c: PrefChange) => `${c.before === undefined ? "" : `- ${line(c.name, c.before)}\n`}+ ${line(c.name, c.after)}${e.file === "user.js" ? " (user.js)" : ""}`)])
    .join("\n");
  const result: OffboardResult = { profile, changed: edits.some((e) => e.removed.length + e.changes.length > 0), removed: plan.removed, left: plan.left, diff };
  if (!result.changed || request.dryRun) return result;

  if ((await profileLock(profile)).running) throw new RelayError("CLIENT_RUNNING", `Thunderbird started using ${profile}; close it and try again`);
  await cleanLeftovers(profile);
  const stamp = (request.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  for (const e of edits) {
    if (e.removed.length + e.changes.length === 0) continue;
    const path = paths[e.file];
    await guardWrite("CLIENT_WRITE_FAILED", profile, `Thunderbird's ${e.file}`, async () => {
      const backup = data[e.file].length > 0 ? await keepBackup(path, stamp) : undefined;
      if (backup && e.file === "prefs.js") result.backup = backup;
      const mode = await stat(path).then((s) => s.mode & 0o777, () => 0o600);
      await writeFileAtomic(path, e.out, { mode });
    });
  }
  return result;
}
