// The one onboarding flow, used by `relay-onboard onboard` and the app: the verified
// configuration → the root CA in the OS stores → the relay test (when a password is given) → the
// mail clients. Each step reports done / unchanged / skipped / failed; a run that finds everything
// in place changes nothing and succeeds.
import { dirname, join } from "node:path";
import type { LoadedConfig } from "./config/load.js";
import type { Report } from "./diagnostics/report.js";
import { FAILURE_CODES, RelayError, type FailureCode } from "./errors.js";
import { CLIENT_TITLES, type CaStoreSetting, type ClientName } from "./policy/policy.js";
import { guardWrite } from "./fs/writeFailure.js";

/** "planned": a dry run found this step would change the machine. */
export type StepStatus = "done" | "unchanged" | "skipped" | "failed" | "planned";

export interface OnboardStep {
  id: string;
  title: string;
  status: StepStatus;
  message: string;
  code?: FailureCode;
  hint?: string;
  /** Steps left for the user, one per item (the new Outlook's settings). */
  instructions?: string[];
  /** The file written for the user to open (Apple Mail's profile). */
  file?: string;
}

export interface OnboardOptions {
  loaded: LoadedConfig;
  email: string;
  fullName?: string;
  /** When given, the relay is tested with this login before the clients are configured. */
  password?: string;
  /** Clients to configure; default: every one detected on this machine. */
  clients?: ClientName[];
  caStore: CaStoreSetting;
  /** Where generated profiles (Apple Mail, Outlook) are written. */
  outDir: string;
  platform?: NodeJS.Platform;
  thunderbirdRoots?: string[];
  now?: Date;
  version: string;
  onStep?: (step: OnboardStep) => void;
  /** Plan every step against this machine and change nothing (steps that would change are "planned"). */
  dryRun?: boolean;
  /** The state folder: what the run installs is added to its install record there (none kept without it). */
  stateDir?: string;
}

export interface OnboardResult {
  steps: OnboardStep[];
  changed: boolean;
  /** 0 everything in place; 1 the relay test found a problem; 4 an action failed. */
  exitStatus: 0 | 1 | 4;
  /** The relay test's report, when the test ran (for `--send-report`). */
  report?: Report;
}

export async function onboard(options: OnboardOptions): Promise<OnboardResult> {
  const steps: OnboardStep[] = [];
  const record = (step: OnboardStep) => {
    const full = step.code && !step.hint ? { ...step, hint: FAILURE_CODES[step.code].hint } : step;
    steps.push(full);
    options.onStep?.(full);
  };
  const attempt = async (id: string, title: string, body: () => Promise<Omit<OnboardStep, "id" | "title">>) => {
    try {
      record({ id, title, ...(await body()) });
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      record({ id, title, status: "failed", message: err.message, code: err.code });
    }
  };
  const { loaded } = options;
  const config = loaded.payload.config;
  const platform = options.platform ?? process.platform;

  record({
    id: "config",
    title: "Organisation's configuration",
    status: loaded.previousVer === loaded.payload.ver ? "unchanged" : options.dryRun ? "planned" : "done",
    message: `${config.organization.name}, version ${loaded.payload.ver}, signed by ${loaded.signers.join(", ")}`,
  });

  const { applyRoots, describeRoots, describeRootsPlan, planRoots, rootsInPlace, rootsState } = await import("./truststore/rotation.js");
  const dryRun = Boolean(options.dryRun);
  const now = options.now ?? new Date();
  const { InstallRecord } = await import("./installRecord.js");
  const installed = options.stateDir && !dryRun ? await InstallRecord.load(options.stateDir, { now }) : undefined;
  // Every current root (the primary and, during a rotation, the next one) must be acceptable.
  const roots = planRoots(config, options.now ? { now: options.now } : {});
  // The mail apps are known before the root is installed: the two steps must agree on NSS.
  const { detectClients } = await import("./clients/detect.js");
  const detected = await detectClients({ platform, ...(options.thunderbirdRoots ? { thunderbirdRoots: options.thunderbirdRoots } : {}) });
  const wanted = options.clients ?? detected.filter((c) => c.installed).map((c) => c.client);
  if (options.caStore === "none") {
    record({ id: "ca", title: "Root certificate", status: "skipped", message: "managed policy or --ca-store none: not installed in the system's stores" });
  } else {
    await attempt("ca", "Root certificate", async () => {
      const { selectStores } = await import("./truststore/select.js");
      const stores = await selectStores({ choice: options.caStore as "auto" | "system" | "user" | "nss", platform, interactive: false }).catch((err: unknown) => {
        // Only NSS databases were asked for and none exists yet — but the Thunderbird step creates
        // its profile's and adds the root there: not a failure of this step.
        if (err instanceof RelayError && err.code === "CLIENT_NOT_FOUND" && options.caStore === "nss" && wanted.includes("thunderbird")) return undefined;
        throw err;
      });
      if (!stores) return { status: "skipped", message: "no NSS database exists yet: the Thunderbird step creates its profile's and adds the root there" };
      if (dryRun) {
        const states = [];
        for (const store of stores) states.push(await rootsState(store, roots));
        return { status: states.every(rootsInPlace) ? "unchanged" : "planned", message: states.map(describeRootsPlan).join("; ") };
      }
      const results = [];
      for (const store of stores) results.push(await applyRoots(store, roots, installed, now));
      const changed = results.some((r) => r.changed);
      const { laterProfilesSentence } = await import("./truststore/browserPolicies.js");
      const later = await laterProfilesSentence(stores, platform);
      return { status: changed ? "done" : "unchanged", message: `${results.map(describeRoots).join("; ")}${later ? `; ${later}` : ""}` };
    });
  }

  let testReport: Report | undefined;
  if (options.password !== undefined) {
    const { runCheck } = await import("./diagnostics/check.js");
    const { userSubmission } = await import("./diagnostics/target.js");
    const sub = config.submission;
    const report = await runCheck({ ...userSubmission(config, options.email, options.password), gridPorts: [], version: options.version });
    testReport = report;
    const failed = report.checks.find((c) => c.status === "fail");
    record(
      failed
        ? { id: "test", title: "Sending through the relay", status: "failed", message: failed.message, code: failed.code === "OK" ? "PROTOCOL_ERROR" : failed.code }
        : { id: "test", title: "Sending through the relay", status: "done", message: `${sub.host}:${sub.port} accepts ${options.email} (no mail was sent)` },
    );
  } else {
    record({ id: "test", title: "Sending through the relay", status: "skipped", message: "no password source given (--password-env or --password-stdin)" });
  }

  if (wanted.length === 0) record({ id: "clients", title: "Mail apps", status: "skipped", message: "no mail app found on this computer" });
  for (const client of wanted) {
    const found = detected.find((c) => c.client === client);
    await attempt(`client:${client}`, CLIENT_TITLES[client], async () => {
      if (!found?.installed) throw new RelayError("CLIENT_NOT_FOUND", `${CLIENT_TITLES[client]} was not found on this computer`);
      switch (client) {
        case "thunderbird": {
          const profile = found.profiles.find((p) => p.isDefault) ?? found.profiles[0];
          if (!profile) throw new RelayError("CLIENT_NOT_FOUND", "no Thunderbird profile to configure");
          // As the profile's owner when this is root working for another user (asOwner.ts).
          const { runProfileJobAsOwner } = await import("./clients/thunderbird/asOwner.js");
          const { recordThunderbird } = await import("./clients/thunderbird/offboard.js");
          const job = {
            profile: profile.location, config, email: options.email, ...(options.fullName ? { fullName: options.fullName } : {}),
            ...(options.now ? { now: options.now.toISOString() } : {}), trustRoots: true,
          };
          if (installed) {
            // The intent is recorded before a byte of the profile changes: a run killed between
            // prefs.js and user.js still leaves a record of everything it set out to create.
            const intent = await runProfileJobAsOwner({ ...job, dryRun: true });
            if (intent.result.changed) {
              recordThunderbird(installed, profile.location, options.email, intent.result, undefined, now);
              await installed.save();
            }
          }
          const { result, nss: nssOutcome, rootTrust, roots: outcomeRoots } = await runProfileJobAsOwner({ ...job, ...(dryRun ? { dryRun: true } : {}) });
          const { describeAccountOutcome } = await import("./clients/thunderbird/accounts.js");
          // Which account: added beside the user's own, or theirs updated (never rewritten elsewhere).
          const account = result.changed && !result.needsAccount ? `; ${describeAccountOutcome(result.account, options.email, dryRun)}` : "";
          if (dryRun) {
            const prefs = result.changed ? `would set ${result.changes.length + result.userJsChanges.length} preference(s)${result.userJsChanges.length ? ` (${result.userJsChanges.length} in user.js)` : ""}${account}` : "already set up";
            const store = rootTrust === "os-store" ? "would read this computer's certificate store" : "its certificate store is checked for the root(s) when onboarding runs";
            return { status: result.changed ? "planned" : "unchanged", message: `profile ${profile.name}: ${prefs}; ${store}` };
          }
          if (installed) recordThunderbird(installed, profile.location, options.email, result, outcomeRoots, now);
          if (nssOutcome?.code) throw new RelayError(nssOutcome.code, nssOutcome.message ?? "the root could not be added to the profile");
          const nss = nssOutcome ?? { changed: false };
          const changed = result.changed || nss.changed;
          // Windows and macOS: Thunderbird reads the OS store, where the root step put the roots (rootTrust.ts).
          const roots = rootTrust === "os-store" ? "reads this computer's certificate store (security.enterprise_roots.enabled)" : `root ${nss.changed ? "added to" : "already in"} its certificate store`;
          const message = `profile ${profile.name}: ${result.changed ? `${result.changes.length + result.userJsChanges.length} preference(s) set${result.userJsChanges.length ? ` (${result.userJsChanges.length} in user.js, which overrode them)` : ""}${account}` : "already set up"}; ${roots}`;
          if (result.needsAccount) {
            // The configuration names no incoming server, so no account is made: the user adds theirs.
            const add = `Thunderbird has no account for ${options.email}: add it in Thunderbird (Account Settings → Account Actions → Add Mail Account); it will send through ${config.submission.host}, now its default outgoing server`;
            return { status: changed ? "done" : "unchanged", message: `${message}; ${add}`, instructions: [add] };
          }
          // The password is not written into Thunderbird's own login store (yet): it asks once.
          return { status: changed ? "done" : "unchanged", message: `${message}; Thunderbird asks for the password once, the first time it checks or sends mail (its Password Manager can keep it)` };
        }
        case "apple-mail": {
          const { buildMobileconfig } = await import("./clients/applemail/profile.js");
          const { writeFileAtomic } = await import("./fs/atomic.js");
          const out = join(options.outDir, "relay-onboard.mobileconfig");
          if (dryRun) return { status: "planned", message: `would write a profile to ${out} for the user to approve` };
          const profileXml = buildMobileconfig({ iss: loaded.payload.iss, config, email: options.email, ...(options.fullName ? { fullName: options.fullName } : {}) });
          await guardWrite("CLIENT_WRITE_FAILED", dirname(out), "Apple Mail's profile", () => writeFileAtomic(out, profileXml));
          return { status: "done", message: `profile written to ${out}: the user approves it in System Settings, or MDM deploys it`, file: out };
        }
        case "outlook": {
          const { buildPrf, encodePrf, manualSteps, renderPrf } = await import("./clients/outlook/prf.js");
          const { applyPrf, detectOutlook } = await import("./clients/outlook/windows.js");
          const { writeFileAtomic } = await import("./fs/atomic.js");
          const request = { config, email: options.email, ...(options.fullName ? { fullName: options.fullName } : {}) };
          const out = join(options.outDir, "relay-onboard.prf");
          const prf = encodePrf(renderPrf(buildPrf(request)));
          const install = await detectOutlook();
          if (!dryRun) await guardWrite("CLIENT_WRITE_FAILED", dirname(out), "Outlook's profile file", () => writeFileAtomic(out, prf));
          if (install.newOutlookInUse) {
            const instructions = manualSteps(request);
            return { status: "skipped", message: `the new Outlook cannot import profiles; enter by hand: ${instructions.join(" | ")}`, instructions };
          }
          if (dryRun) return { status: "planned", message: `would write ${out} and import it into classic Outlook` };
          await applyPrf(install, out);
          return { status: "done", message: `imported ${out} into classic Outlook` };
        }
      }
    });
  }

  // What was installed is recorded even when a later step failed: offboarding needs it most then.
  if (installed?.dirty) {
    await attempt("record", "Record of what was installed", async () => {
      await installed.save();
      return { status: "done", message: `kept in ${installed.file}` };
    });
  }

  const failedAction = steps.some((s) => s.status === "failed" && s.id !== "test");
  const failedTest = steps.some((s) => s.status === "failed" && s.id === "test");
  return { steps, changed: steps.some((s) => s.status === "done" && s.id !== "test"), exitStatus: failedAction ? 4 : failedTest ? 1 : 0, ...(testReport ? { report: testReport } : {}) };
}
