// Writing the relay account into a Thunderbird profile: refuse while Thunderbird holds the
// profile, refuse a prefs.js we cannot read (and leave it untouched), change only our prefs,
// keep a backup, write atomically. A second run finds nothing to change.
import { copyFile, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { OrgConfig } from "../../config/schema.js";
import { RelayError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic.js";
import { planThunderbirdAccount } from "./accounts.js";
import { profileLock } from "./lock.js";
import { applyPrefs, formatValue, PrefsSyntaxError, prefsMap, type PrefChange } from "./prefs.js";

export interface ThunderbirdRequest {
  profile: string;
  config: OrgConfig;
  email: string;
  fullName?: string;
  dryRun?: boolean;
  now?: Date;
}

export interface ThunderbirdResult {
  profile: string;
  prefsPath: string;
  changed: boolean;
  changes: PrefChange[];
  /** The exact edit, one line per preference. */
  diff: string;
  backup?: string;
  smtpKey: string;
  identityKey: string;
  accountKey?: string;
}

const line = (name: string, value: unknown) => `user_pref(${formatValue(name)}, ${formatValue(value as string)});`;

export async function configureThunderbird(request: ThunderbirdRequest): Promise<ThunderbirdResult> {
  const { profile } = request;
  if (!(await stat(profile).then((s) => s.isDirectory(), () => false))) {
    throw new RelayError("CLIENT_NOT_FOUND", `the Thunderbird profile ${profile} does not exist`);
  }
  const lock = await profileLock(profile);
  if (lock.running) throw new RelayError("CLIENT_RUNNING", `Thunderbird is using the profile ${profile} (${lock.detail}); close Thunderbird first`);

  const prefsPath = join(profile, "prefs.js");
  const original = await readFile(prefsPath, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return ""; // a profile Thunderbird has not started yet
    throw new RelayError("BAD_INPUT", `cannot read ${prefsPath}: ${err.code ?? err.message}`);
  });
  let plan;
  let edit;
  try {
    plan = planThunderbirdAccount(prefsMap(original), request);
    edit = applyPrefs(original, plan.updates);
  } catch (err) {
    if (err instanceof PrefsSyntaxError) throw new RelayError("BAD_INPUT", `${prefsPath} is not valid (${err.message}); it was left untouched`);
    throw err;
  }
  const diff = edit.changes
    .map((c) => [...(c.before === undefined ? [] : [`- ${line(c.name, c.before)}`]), `+ ${line(c.name, c.after)}`].join("\n"))
    .join("\n");
  const result: ThunderbirdResult = {
    profile,
    prefsPath,
    changed: edit.changes.length > 0,
    changes: edit.changes,
    diff,
    smtpKey: plan.smtpKey,
    identityKey: plan.identityKey,
    ...(plan.accountKey ? { accountKey: plan.accountKey } : {}),
  };
  if (!result.changed || request.dryRun) return result;

  // Thunderbird may have started while we planned: check again right before writing.
  if ((await profileLock(profile)).running) throw new RelayError("CLIENT_RUNNING", `Thunderbird started using ${profile}; close it and try again`);
  if (original !== "") {
    const stamp = (request.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    result.backup = join(profile, `prefs.js.relay-onboard-${stamp}.bak`);
    await copyFile(prefsPath, result.backup);
  }
  const mode = await stat(prefsPath).then((s) => s.mode & 0o777, () => 0o600);
  await writeFileAtomic(prefsPath, edit.text, { mode });
  return result;
}
