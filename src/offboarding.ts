// `relay-onboard offboard` and the app's "Remove Relay Onboard's changes": take back exactly what the
// tool installed (DESIGN.md, "What the tool installed"). The organisation's roots come out of the
// stores where the install record or the tool's own naming shows they are the tool's (an equal copy
// someone else installed stays, and is named); the Thunderbird account the tool created comes out
// of each profile (clients/thunderbird/offboard.ts); the saved password goes from the keychain;
// Apple Mail's profile and Outlook's account get exact steps where the OS does not let a tool
// remove them safely; and the tool's own state goes — but for the rollback record, which must
// outlive the installation. A second run changes nothing.
import { lstat, rm, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { LoadedConfig } from "./config/load.js";
import { RelayError, FAILURE_CODES } from "./errors.js";
import { InstallRecord, RECORD_FILE } from "./installRecord.js";
import { CLIENT_NAMES, CLIENT_TITLES, type CaStoreSetting, type ClientName } from "./policy/policy.js";
import { actingFor, runAsUser } from "./privilege/forUser.js";
import type { UserRequest } from "./privilege/userJob.js";
import type { Keychain } from "./secrets/keychain.js";
import type { OnboardStep } from "./onboarding.js";
import type { OffboardResult } from "./clients/thunderbird/offboard.js";
import type { DetectedClient } from "./clients/detect.js";
import type { RootsPlan } from "./truststore/rotation.js";
import type { TrustStore } from "./truststore/types.js";
import type { Runner } from "./processRunner.js";

export interface OffboardOptions {
  /** The verified configuration, when given: its roots (current and retired) and its own naming. */
  loaded?: LoadedConfig;
  /** The user whose saved password and Apple Mail profile go (default: those the record holds). */
  email?: string;
  clients?: ClientName[];
  caStore: CaStoreSetting;
  keepCa?: boolean;
  dryRun?: boolean;
  stateDir: string;
  /** Where onboarding wrote Apple Mail's and Outlook's files. */
  outDir?: string;
  platform?: NodeJS.Platform;
  thunderbirdRoots?: string[];
  home?: string;
  now?: Date;
  keychain?: () => Promise<Keychain>;
  /** Runs `profiles` on macOS (tests give their own). */
  run?: Runner;
  /** Trust stores to use instead of this machine's (the app's tests). */
  stores?: () => Promise<TrustStore[]>;
  onStep?: (step: OnboardStep) => void;
}

export interface OffboardOutcome {
  steps: OnboardStep[];
  changed: boolean;
  /** 0 done (or nothing left to do); 4 something could not be taken back. */
  exitStatus: 0 | 4;
}

/** The files onboarding wrote for the user to open, in the state (or out) folder. */
const GENERATED = ["relay-onboard.mobileconfig", "relay-onboard.prf"];
/** The tool's own state that goes (the app's journey is app/journey.ts's JOURNEY_FILE); config-state.json (the rollback record) stays. */
const STATE_FILES = ["app-journey.json", RECORD_FILE];

export async function offboard(options: OffboardOptions): Promise<OffboardOutcome> {
  const steps: OnboardStep[] = [];
  const add = (step: OnboardStep) => {
    const full = step.code && !step.hint ? { ...step, hint: FAILURE_CODES[step.code].hint } : step;
    steps.push(full);
    options.onStep?.(full);
  };
  const attempt = async (id: string, title: string, body: () => Promise<Omit<OnboardStep, "id" | "title">>) => {
    try {
      add({ id, title, ...(await body()) });
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      add({ id, title, status: "failed", message: err.message, code: err.code });
    }
  };
  const dryRun = Boolean(options.dryRun);
  const now = options.now ?? new Date();
  const platform = options.platform ?? process.platform;
  const config = options.loaded?.payload.config;
  const record = await InstallRecord.load(options.stateDir, { readOnly: dryRun, now });
  if (record.setAside) add({ id: "record", title: "Record of what was installed", status: "skipped", message: `the record was damaged and was set aside as ${record.setAside}: only what the tool's own naming shows is removed` });

  // Roots: the configuration's (current and retired) and every one the record holds.
  if (options.keepCa || options.caStore === "none") {
    add({ id: "ca", title: "Root certificates", status: "skipped", message: options.keepCa ? "--keep-ca: the roots stay" : "managed policy or --ca-store none: the roots are not managed here" });
  } else {
    const { removeRoots, describeLeft } = await import("./truststore/rotation.js");
    const fingerprints = [...new Set([...(config ? [config.rootCa.sha256, ...(config.additionalRoots ?? []).map((r) => r.sha256), ...(config.retiredRoots ?? []).map((r) => r.sha256)] : []), ...record.roots.map((r) => r.sha256)])];
    const plan: RootsPlan = { install: [], retire: fingerprints.map((s) => s.toLowerCase()), organization: config?.organization.name ?? "Relay Onboard" };
    let stores: TrustStore[] = [];
    await attempt("ca", "Root certificates", async () => {
      if (options.stores) stores = await options.stores();
      else {
        const { selectStores } = await import("./truststore/select.js");
        stores = await selectStores({ choice: options.caStore as "auto" | "system" | "user" | "nss", platform, interactive: false, ...(options.home ? { home: options.home } : {}) }).catch((err: unknown) => {
          if (err instanceof RelayError && err.code === "CLIENT_NOT_FOUND") return [];
          throw err;
        });
      }
      return { status: "unchanged", message: fingerprints.length ? `${fingerprints.length} root(s) looked for in ${stores.length} store(s)` : "no root to look for: no configuration given and none recorded" };
    });
    if (fingerprints.length) {
      for (const store of stores) {
        await attempt(`ca:${store.store}:${store.location}`, `Root certificates in ${store.store}`, async () => {
          if (dryRun) {
            const ours: string[] = [];
            const left: string[] = [];
            for (const sha256 of plan.retire) {
              if (await store.find(sha256, plan.organization, record.root(store.store, store.location, sha256)?.handle)) ours.push(sha256);
              else if ((await store.trustedCopies(sha256)).length) left.push(sha256);
            }
            const message = [...(ours.length ? [`would remove ${ours.map((s) => `${s.slice(0, 8)}…`).join(", ")} from ${store.location}`] : []), ...(left.length ? [`${left.map((s) => `${s.slice(0, 8)}…`).join(", ")} installed by someone else: would be left in place`] : [])];
            return { status: ours.length ? "planned" : "unchanged", message: message.join("; ") || `nothing of Relay Onboard's in ${store.location}` };
          }
          const o = await removeRoots(store, plan, record);
          const parts = [...(o.removed.length ? [`removed ${o.removed.map((s) => `${s.slice(0, 8)}…`).join(", ")} from ${store.location}`] : []), ...o.leftInPlace.map((l) => describeLeft(l))];
          return { status: o.changed ? "done" : "unchanged", message: parts.join("; ") || `nothing of Relay Onboard's in ${store.location}` };
        });
      }
    }
  }

  // The mail apps: those asked for, else those on this computer (and Thunderbird wherever the record names a profile).
  const { detectClients } = await import("./clients/detect.js");
  const detected = await detectClients({ platform, ...(options.thunderbirdRoots ? { thunderbirdRoots: options.thunderbirdRoots } : {}), ...(options.home ? { home: options.home } : {}) }).catch(() => [] as DetectedClient[]);
  const wanted = options.clients ?? [...CLIENT_NAMES].filter((c) => detected.some((d) => d.client === c && d.installed) || (c === "thunderbird" && record.profiles.length > 0));
  if (wanted.includes("thunderbird")) await offboardThunderbirdProfiles(options, record, detected.find((d) => d.client === "thunderbird"), now, attempt);
  if (wanted.includes("apple-mail")) {
    await attempt("client:apple-mail", CLIENT_TITLES["apple-mail"], async () => appleMail(options, platform, dryRun));
  }
  if (wanted.includes("outlook")) {
    await attempt("client:outlook", CLIENT_TITLES.outlook, () => Promise.resolve(outlook(options, record)));
  }

  // The saved password: what the record holds, and the address given. Only a recorded one must go:
  // a keychain that cannot be reached for a merely named address (a root session, no Secret
  // Service) is said, not a failure.
  const secrets = record.secrets.map((s) => ({ ...s, recorded: true }));
  if (options.email && !secrets.some((s) => s.account === options.email)) {
    const { KEYCHAIN_SERVICE } = await import("./secrets/keychain.js");
    secrets.push({ service: KEYCHAIN_SERVICE, account: options.email, recorded: false });
  }
  if (secrets.length) {
    await attempt("keychain", "Saved password", async () => {
      const keychain = options.keychain ?? (async () => (await import("./secrets/keychain.js")).osKeychain());
      const gone: string[] = [];
      const unreachable: string[] = [];
      for (const s of secrets) {
        try {
          const chain = await keychain();
          // The plan names only a password that is there (a lookup changes nothing).
          if (dryRun ? (await chain.load(s.account)) !== undefined : await chain.remove(s.account)) gone.push(s.account);
        } catch (err) {
          if (s.recorded || !(err instanceof RelayError) || err.code !== "KEYCHAIN_FAILED") throw err;
          unreachable.push(s.account);
          continue;
        }
        if (!dryRun) record.dropSecret(s);
      }
      const notes = [
        ...(gone.length ? [`${dryRun ? "would delete" : "deleted"} the saved password of ${gone.join(", ")}`] : []),
        ...(unreachable.length ? [`no keychain to look in for ${unreachable.join(", ")} (none was saved by Relay Onboard)`] : []),
      ];
      return { status: gone.length ? (dryRun ? "planned" : "done") : "unchanged", message: notes.join("; ") || "no saved password" };
    });
  }

  // The tool's own state, once everything else is taken back: with a failure, the record stays for the next run.
  const failed = steps.some((s) => s.status === "failed");
  await attempt("state", "Relay Onboard's own files", async () => {
    const files = [...STATE_FILES.map((f) => join(options.stateDir, f)), ...GENERATED.map((f) => join(options.outDir ?? options.stateDir, f))];
    if (failed) {
      await record.save();
      return { status: "skipped", message: `kept until everything else is taken back (${record.file})` };
    }
    const present: string[] = [];
    for (const f of files) if (await stat(f).then(() => true, () => false)) present.push(f);
    if (dryRun) return { status: present.length ? "planned" : "unchanged", message: present.length ? `would delete ${present.join(", ")}; the rollback record stays` : "nothing left; the rollback record stays" };
    for (const f of present) await rm(f, { force: true });
    return { status: present.length ? "done" : "unchanged", message: present.length ? `deleted ${present.join(", ")}; the rollback record stays` : "nothing left; the rollback record stays" };
  });

  const failedAny = steps.some((s) => s.status === "failed");
  return { steps, changed: steps.some((s) => s.status === "done"), exitStatus: failedAny ? 4 : 0 };
}

type Attempt = (id: string, title: string, body: () => Promise<Omit<OnboardStep, "id" | "title">>) => Promise<void>;

/** Each profile the record names, and every profile found (by the tool's own naming) when a configuration is given. */
async function offboardThunderbirdProfiles(options: OffboardOptions, record: InstallRecord, found: DetectedClient | undefined, now: Date, attempt: Attempt): Promise<void> {
  const platform = options.platform ?? process.platform;
  const config = options.loaded?.payload.config;
  const profiles = [...new Set([...record.profiles.map((p) => p.profile), ...(config ? (found?.profiles ?? []).map((p) => p.location) : [])])];
  if (profiles.length === 0) return;
  const account = platform === "win32" ? undefined : await actingFor(options.home);
  for (const profile of profiles) {
    await attempt(`client:thunderbird:${profile}`, `${CLIENT_TITLES.thunderbird} (${profile})`, async () => {
      const entry = record.profile(profile);
      // A record kept under root for this uid may name a profile of an earlier home (a moved home, a
      // reused uid): never touched from here. One that is gone has nothing left to take back.
      if (account && profile !== account.home && !profile.startsWith(account.home.endsWith(sep) ? account.home : account.home + sep)) {
        return { status: "skipped", message: `recorded in a home other than this user's (${account.home}): left alone` };
      }
      if (!(await lstat(profile).then(() => true, () => false))) {
        if (!options.dryRun) record.dropProfile(profile);
        return { status: "unchanged", message: "the profile no longer exists: nothing left to take back" };
      }
      const request = { profile, ...(config ? { config } : {}), ...(entry ? { entry } : {}), ...(options.dryRun ? { dryRun: true } : {}) };
      const result: OffboardResult = account
        ? await runAsUser<OffboardResult>(account, { kind: "offboard", home: account.home, ...request, now: now.toISOString() } satisfies UserRequest, { what: "the Thunderbird step", failure: "CLIENT_WRITE_FAILED" })
        : await (await import("./clients/thunderbird/offboard.js")).offboardThunderbird({ ...request, now });
      if (!options.dryRun && entry && result.left.length === 0) record.dropProfile(profile);
      const left = result.left.length ? `; left: ${result.left.join("; ")}` : "";
      if (!result.changed) return { status: "unchanged", message: `nothing of Relay Onboard's in this profile${left}` };
      return { status: options.dryRun ? "planned" : "done", message: `${options.dryRun ? "would remove" : "removed"} ${result.removed.join(", ") || "the preferences Relay Onboard set"}${left}${result.backup ? `; backup ${result.backup}` : ""}` };
    });
  }
}

async function appleMail(options: OffboardOptions, platform: NodeJS.Platform, dryRun: boolean): Promise<Omit<OnboardStep, "id" | "title">> {
  const config = options.loaded?.payload.config;
  if (!config || !options.email) return { status: "skipped", message: "give --config/--trust and --email to name Apple Mail's profile" };
  const { profileIdentifier } = await import("./clients/applemail/profile.js");
  const id = profileIdentifier(options.loaded!.payload.iss, options.email);
  const steps = [`Open System Settings → General → Device Management (on macOS 13 and 14: Privacy & Security → Profiles), select "${config.organization.name}: secure mail" and click Remove (−)`];
  if (platform !== "darwin") return { status: "skipped", message: `on the Mac: ${steps[0]}`, instructions: steps };
  const run = options.run ?? (await import("./processRunner.js")).runCommand;
  const listed = await run("/usr/bin/profiles", ["list", "-o", "stdout-xml"]).catch(() => ({ code: 1, stdout: "", stderr: "" }));
  if (listed.code === 0 && !listed.stdout.includes(id)) return { status: "unchanged", message: `no profile ${id} on this Mac` };
  if (dryRun) return { status: "planned", message: `would remove the profile ${id} (profiles remove -identifier ${id})` };
  const r = await run("/usr/bin/profiles", ["remove", "-identifier", id]);
  if (r.code !== 0) return { status: "skipped", message: `macOS did not let the profile be removed here (${r.stderr.trim() || `exit ${r.code}`}): ${steps[0]}`, instructions: steps };
  return { status: "done", message: `removed the profile ${id}` };
}

/** Classic Outlook's account is the user's mail store too: the tool never deletes it, it says exactly how. */
function outlook(options: OffboardOptions, record: InstallRecord): Omit<OnboardStep, "id" | "title"> {
  const email = options.email ?? record.secrets[0]?.account;
  if (!email) return { status: "skipped", message: "give --email to name the Outlook account" };
  const steps = [`In classic Outlook: File → Account Settings → Account Settings…, select ${email} on the Email tab and click Remove (only if Relay Onboard set it up: removing an account also removes its offline mail from this computer)`];
  return { status: "skipped", message: steps[0]!, instructions: steps };
}
