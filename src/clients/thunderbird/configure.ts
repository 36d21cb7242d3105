// Writing the relay account into a Thunderbird profile, judged by what Thunderbird will use:
// refuse while Thunderbird holds the profile; refuse a prefs.js or user.js Thunderbird itself would
// flag (and leave both untouched); plan from the effective values (prefs.js, then user.js, which
// Thunderbird applies on every start); refuse when IT's deployment (policies, autoconfig) decides a
// pref we need; write prefs.js — and user.js where it overrides one of our prefs — byte for byte,
// with a backup, atomically; then read both back and check Thunderbird will use exactly our values.
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { OrgConfig } from "../../config/schema.js";
import { RelayError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic.js";
import { keepBackup } from "../../fs/backup.js";
import { planThunderbirdAccount, SOCKET_TYPE, type AccountOutcome } from "./accounts.js";
import { ENTERPRISE_ROOTS_PREF } from "./rootTrust.js";
import { conflictingPolicy, findPrefPolicies, type PrefPolicy } from "./locks.js";
import { profileLock } from "../../fs/profileLock.js";
import { applyPrefs, effectivePrefs, formatValue, parsePrefs, type ParsedPrefs, type PrefChange, type PrefValue } from "./prefs.js";
import { guardWrite } from "../../fs/writeFailure.js";
import { cleanLeftovers } from "../../fs/leftovers.js";

export interface ThunderbirdRequest {
  profile: string;
  config: OrgConfig;
  email: string;
  fullName?: string;
  dryRun?: boolean;
  now?: Date;
  /** Deployment rules to honour (default: those of the installed Thunderbird). */
  policies?: readonly PrefPolicy[];
  /** Tell Thunderbird to trust the OS store (Windows, macOS: rootTrust.ts), where the root goes. */
  enterpriseRoots?: boolean;
}

export interface FileChanges {
  file: string;
  changes: PrefChange[];
  backup?: string;
}

export interface ThunderbirdResult {
  profile: string;
  prefsPath: string;
  changed: boolean;
  /** Changes to prefs.js. */
  changes: PrefChange[];
  /** Changes to user.js, where it overrode one of our prefs. */
  userJsChanges: PrefChange[];
  /** The exact edit, one line per preference. */
  diff: string;
  backup?: string;
  smtpKey: string;
  /** Absent when the configuration has no incoming server and the profile no account for the address. */
  identityKey?: string;
  accountKey?: string;
  serverKey?: string;
  /** No account of the address here and none to make (no incoming server): the user adds it in Thunderbird. */
  needsAccount?: boolean;
  /** Which account sends through the relay: added (beside which), updated in place, or none. */
  account: AccountOutcome;
}

const line = (name: string, value: PrefValue) => `user_pref(${formatValue(name).toString("latin1")}, ${formatValue(value).toString("utf8")});`;

interface ProfileFile {
  path: string;
  data: Buffer | undefined;
  parsed: ParsedPrefs;
}

async function readPrefsFile(path: string): Promise<ProfileFile> {
  const data = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined; // a profile Thunderbird has not started yet, or no user.js
    throw new RelayError("BAD_INPUT", `cannot read ${path}: ${err.code ?? err.message}`);
  });
  const parsed = parsePrefs(data ?? Buffer.alloc(0));
  const first = parsed.errors[0];
  if (first) {
    throw new RelayError("BAD_INPUT", `${path} line ${first.line}, column ${first.column}: ${first.message} (Thunderbird flags this file as corrupted); it was left untouched. Starting and closing Thunderbird once rewrites it without the broken line.`);
  }
  return { path, data, parsed };
}

/** The values Thunderbird will use: prefs.js, then user.js over it. */
async function effectiveValues(profile: string): Promise<{ prefs: ProfileFile; user: ProfileFile; effective: Map<string, PrefValue> }> {
  const prefs = await readPrefsFile(join(profile, "prefs.js"));
  const user = await readPrefsFile(join(profile, "user.js"));
  const files = [{ file: prefs.path, parsed: prefs.parsed }, { file: user.path, parsed: user.parsed }];
  return { prefs, user, effective: new Map([...effectivePrefs(files)].map(([name, e]) => [name, e.value])) };
}

/** What makes a profile send through the relay: the outgoing server's address and security, its login, the identity using it. */
const ESSENTIAL = /\.(hostname|port|try_ssl|authMethod|username|smtpServer|useremail)$/;
// The outgoing server must also be listed, or Thunderbird ignores it; so must the account holding
// the identity (an identity no listed account holds is one Thunderbird never loads). Incoming
// settings are not judged here. The default server too, when it names no listed server (a run
// killed between the two files).
const ACCOUNT_LINKS = /^mail\.account\.[^.]+\.(identities|server)$/;
const essential = (name: string) =>
  name === "mail.smtpservers" || name === "mail.smtp.defaultserver" || name === "mail.accountmanager.accounts" || ACCOUNT_LINKS.test(name) || (ESSENTIAL.test(name) && !name.startsWith("mail.server."));

/**
 * Read-only: does this profile, as Thunderbird will read it, send `email` through the relay with the
 * configured security? Without an email: does any outgoing server point at the relay? Returns the
 * preferences that are not yet as they must be (empty when compliant). Never writes, whether or not
 * Thunderbird is running.
 */
export async function thunderbirdPending(profile: string, config: ThunderbirdRequest["config"], email?: string, options: { enterpriseRoots?: boolean; policies?: readonly PrefPolicy[] } = {}): Promise<string[]> {
  if (!(await stat(profile).then((s) => s.isDirectory(), () => false))) throw new RelayError("CLIENT_NOT_FOUND", `the Thunderbird profile ${profile} does not exist`);
  const { effective } = await effectiveValues(profile);
  // The deployment's rules as configure applies them: one that would undo a needed value is a
  // failure onboarding cannot fix; the others decide the values Thunderbird starts with.
  const policies = options.policies ?? (await findPrefPolicies());
  // Only what status judges (the name shown, for one, is the user's to choose).
  const wanted = new Map([...(email ? planThunderbirdAccount(effective, { config, email }).updates : [])].filter(([name]) => essential(name)));
  if (options.enterpriseRoots) wanted.set(ENTERPRISE_ROOTS_PREF, true);
  for (const [name, value] of wanted) {
    const rule = conflictingPolicy(policies, name, value);
    if (rule) throw lockedByPolicy(rule, name, value);
  }
  applyPolicies(effective, policies);
  const roots = options.enterpriseRoots && effective.get(ENTERPRISE_ROOTS_PREF) !== true ? [ENTERPRISE_ROOTS_PREF] : [];
  return [...accountPending(effective, config, email), ...roots];
}

/** The values Thunderbird starts with once the deployment's rules are applied over the profile's. */
function applyPolicies(effective: Map<string, PrefValue>, policies: readonly PrefPolicy[]): void {
  for (const p of policies) {
    if (p.status === "clear") effective.delete(p.name);
    else if (p.value === undefined) continue;
    else if (p.status === "locked" || p.status === "user") effective.set(p.name, p.value);
    else if (!effective.has(p.name)) effective.set(p.name, p.value);
  }
}

function lockedByPolicy(rule: PrefPolicy, name: string, value: PrefValue): RelayError {
  return new RelayError(
    "CLIENT_LOCKED_BY_POLICY",
    `${rule.file} ${rule.status === "clear" ? "clears" : rule.status === "user" ? "sets" : "locks"} ${name}${rule.value !== undefined ? ` to ${JSON.stringify(rule.value)}` : ""}; Relay Onboard needs ${JSON.stringify(value)}`,
    { claim: name },
  );
}

function accountPending(effective: Map<string, PrefValue>, config: ThunderbirdRequest["config"], email?: string): string[] {
  if (email) {
    const plan = planThunderbirdAccount(effective, { config, email });
    const pending = [...plan.updates].filter(([name, value]) => essential(name) && effective.get(name) !== value).map(([name]) => name);
    // Without an incoming server there is nothing to make an account of: until the user adds one, the address sends nothing.
    return plan.identityKey ? pending : [...pending, `mail.account.*: Thunderbird has no account for ${email} (add it in Thunderbird: it will send through the relay)`];
  }
  const sub = config.submission;
  const servers = String(effective.get("mail.smtpservers") ?? "").split(",").map((k) => k.trim()).filter(Boolean);
  const pointing = servers.some(
    (k) => String(effective.get(`mail.smtpserver.${k}.hostname`) ?? "").toLowerCase() === sub.host.toLowerCase() && effective.get(`mail.smtpserver.${k}.port`) === sub.port && effective.get(`mail.smtpserver.${k}.try_ssl`) === SOCKET_TYPE[sub.security],
  );
  const fallback = effective.get("mail.smtp.defaultserver");
  const unlistedDefault = typeof fallback === "string" && fallback !== "" && !servers.includes(fallback) ? [`mail.smtp.defaultserver: ${fallback} is not a listed server`] : [];
  return [...(pointing ? [] : [`mail.smtpserver.*: no outgoing server for ${sub.host}:${sub.port}`]), ...unlistedDefault];
}

export async function configureThunderbird(request: ThunderbirdRequest): Promise<ThunderbirdResult> {
  const { profile } = request;
  if (!(await stat(profile).then((s) => s.isDirectory(), () => false))) {
    throw new RelayError("CLIENT_NOT_FOUND", `the Thunderbird profile ${profile} does not exist`);
  }
  const lock = await profileLock(profile);
  if (lock.running) throw new RelayError("CLIENT_RUNNING", `Thunderbird is using the profile ${profile} (${lock.detail}); close Thunderbird first`);

  const { prefs, user, effective } = await effectiveValues(profile);
  const plan = planThunderbirdAccount(effective, request);
  if (request.enterpriseRoots) plan.updates.set(ENTERPRISE_ROOTS_PREF, true);

  const policies = request.policies ?? (await findPrefPolicies());
  for (const [name, value] of plan.updates) {
    const rule = conflictingPolicy(policies, name, value);
    if (rule) throw lockedByPolicy(rule, name, value);
  }

  // user.js is applied after prefs.js on every start: where it sets one of our prefs to another
  // value, it is changed too (we own those prefs: they describe our relay and identity).
  const userEntries = new Map(user.parsed.entries.filter((e) => e.kind === "user").map((e) => [e.name, e]));
  const userJsUpdates = new Map([...plan.updates].filter(([name]) => userEntries.has(name)));
  const prefsEdit = applyPrefs(prefs.data ?? Buffer.alloc(0), plan.updates);
  const userEdit = applyPrefs(user.data ?? Buffer.alloc(0), userJsUpdates);

  const diff = [...prefsEdit.changes.map((c) => ({ c, file: "" })), ...userEdit.changes.map((c) => ({ c, file: " (user.js)" }))]
    .map(({ c, file }) => [...(c.before === undefined ? [] : [`- ${line(c.name, c.before)}${file}`]), `+ ${line(c.name, c.after)}${file}`].join("\n"))
    .join("\n");
  const result: ThunderbirdResult = {
    profile,
    prefsPath: prefs.path,
    changed: prefsEdit.changes.length + userEdit.changes.length > 0,
    changes: prefsEdit.changes,
    userJsChanges: userEdit.changes,
    diff,
    smtpKey: plan.smtpKey,
    account: plan.account,
    ...(plan.identityKey ? { identityKey: plan.identityKey } : { needsAccount: true }),
    ...(plan.accountKey ? { accountKey: plan.accountKey } : {}),
    ...(plan.serverKey ? { serverKey: plan.serverKey } : {}),
  };
  if (request.dryRun) return result;
  await cleanLeftovers(profile); // a killed run's temporary files, also when nothing else changes
  if (!result.changed) return result;

  // Thunderbird may have started while we planned: check again right before writing.
  if ((await profileLock(profile)).running) throw new RelayError("CLIENT_RUNNING", `Thunderbird started using ${profile}; close it and try again`);
  const stamp = (request.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const write = async (file: ProfileFile, edited: Buffer, changes: PrefChange[]): Promise<string | undefined> => {
    if (changes.length === 0) return undefined;
    // A full or read-only profile is the disk's state, said as CLIENT_WRITE_FAILED (the file stays whole).
    return guardWrite("CLIENT_WRITE_FAILED", profile, `Thunderbird's ${basename(file.path)}`, async () => {
      const backup = file.data !== undefined && file.data.length > 0 ? await keepBackup(file.path, stamp) : undefined;
      const mode = await stat(file.path).then((s) => s.mode & 0o777, () => 0o600);
      await writeFileAtomic(file.path, edited, { mode });
      return backup;
    });
  };
  const backup = await write(prefs, prefsEdit.data, prefsEdit.changes);
  if (backup) result.backup = backup;
  await write(user, userEdit.data, userEdit.changes);

  // Judge the result as Thunderbird will: both files read back, every planned value in effect.
  const after = effectivePrefs([
    { file: prefs.path, parsed: parsePrefs(await readFile(prefs.path)) },
    { file: user.path, parsed: parsePrefs(await readFile(user.path).catch(() => Buffer.alloc(0))) },
  ]);
  for (const [name, value] of plan.updates) {
    const got = after.get(name);
    if (got?.value !== value) {
      throw new RelayError("CLIENT_WRITE_FAILED", `after writing, Thunderbird would use ${name} = ${JSON.stringify(got?.value ?? null)} from ${got?.source.file ?? "its defaults"}, not ${JSON.stringify(value)}`, { claim: name });
    }
  }
  return result;
}
