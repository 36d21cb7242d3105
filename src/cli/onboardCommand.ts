// `relay-onboard onboard`: the whole flow, unattended, for MDM scripts. Exit 0 when everything is
// in place (also when nothing had to change), 1 when the relay test failed, 2 bad usage, 3 the
// configuration was refused, 4 an action failed — never the codes MDM tools reserve (1618, 1641,
// 3010, 1707).
import type { Command } from "commander";
import { join } from "node:path";
import { RelayError, asRelayError } from "../errors.js";
import { requireDisplayName, requireEmailAddress } from "../address.js";
import { stateDirFor } from "../paths.js";
import { CA_STORES, CLIENT_NAMES, type CaStoreSetting, type ClientName } from "../policy/policy.js";
import { currentPolicy, optionalConfig, reportAddress, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";
import { readPassword } from "./password.js";
import type { OnboardResult, OnboardStep } from "../onboarding.js";

interface OnboardFlags extends TargetFlags {
  email?: string;
  name?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
  clients?: string;
  caStore?: string;
  logDir?: string;
  outDir?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
  sendReport?: boolean;
}

export function registerOnboardCommand(program: Command, io: CliIo, version: string): void {
  program
    .command("onboard")
    .description("the whole flow, unattended: verify, trust, test, configure (for MDM scripts)")
    .option("--config <file|url>", "the signed configuration (with --trust; managed policy wins)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state and lock directory")
    .option("--email <addr>", "the user's email address")
    .option("--name <name>", "the user's full name")
    .option("--password-env <name>", "test the relay with the password in this environment variable")
    .option("--password-stdin", "test the relay with the password read from standard input")
    .option("--clients <list>", `clients to configure, comma-separated (${CLIENT_NAMES.join(", ")}); default: those found`)
    .option("--ca-store <store>", `where the root goes: ${CA_STORES.join(", ")}`, undefined)
    .option("--log-dir <dir>", "where onboard.log goes (default: the platform's log place)")
    .option("--out-dir <dir>", "where Apple Mail / Outlook profile files are written (default: the state directory)")
    .option("--yes", "required (but for --dry-run): consent to install and configure without asking")
    .option("--dry-run", "plan every step against this machine, print the plan, change nothing")
    .option("--json", "print one JSON document")
    .option("--send-report", "send the relay test's report to the helpdesk (the configuration's support.reportUrl); needs --password-env or --password-stdin")
    .action(async (opts: OnboardFlags) => {
      if (!opts.yes && !opts.dryRun) throw new RelayError("USAGE", "onboard changes this machine without asking: pass --yes (or --dry-run to see the plan)");
      if (opts.sendReport && opts.passwordEnv === undefined && !opts.passwordStdin) throw new RelayError("USAGE", "--send-report sends the relay test's report: give --password-env NAME or --password-stdin so the test runs");
      if (!opts.email) throw new RelayError("USAGE", "give --email with the user's address");
      const email = requireEmailAddress(opts.email, "--email address", "USAGE");
      if (opts.name !== undefined) requireDisplayName(opts.name, "USAGE");
      const policy = await currentPolicy(io);
      const clients = pick("clients", opts.clients?.split(",").map((c) => c.trim()).filter(Boolean), policy?.clients, policy?.source);
      if (clients?.some((c) => !(CLIENT_NAMES as readonly string[]).includes(c))) throw new RelayError("USAGE", `--clients takes ${CLIENT_NAMES.join(", ")}`);
      const caStore = pick("caStore", opts.caStore, policy?.caStore, policy?.source) ?? "auto";
      if (!(CA_STORES as readonly string[]).includes(caStore)) throw new RelayError("USAGE", `--ca-store must be one of ${CA_STORES.join(", ")}`);
      // Under managed policy, skipping the root is IT's decision (allowSkipCa, default false), as in the app.
      if (caStore === "none" && policy && policy.allowSkipCa !== true && policy.caStore !== "none") {
        throw new RelayError("USAGE", `managed policy (${policy.source}) does not allow skipping the root certificate`);
      }

      const { isElevated } = await import("../truststore/select.js");
      const elevated = await isElevated();
      const stateDir = opts.stateDir ?? stateDirFor(elevated);
      // A dry run reads only: no state folder made, no lock, no log, the version not recorded.
      if (opts.dryRun) return onboardPlanned();
      // The lock and the rollback state live where no other account can redirect them.
      const { ensurePrivateDir } = await import("../fs/privateDir.js");
      await ensurePrivateDir(stateDir, { elevated });
      const { acquireLock } = await import("../fs/pidLock.js");
      const release = await acquireLock(join(stateDir, "onboard.lock"));
      const { RunLog, defaultLogDir } = await import("../runlog.js");
      const log = new RunLog(opts.logDir ?? defaultLogDir(elevated), "onboard.log", { elevated });
      try {
        await log.open();
        await log.write("info", `onboard ${version} for ${email} (ca-store ${caStore}${clients ? `, clients ${clients.join(",")}` : ""}${policy ? `, policy ${policy.source}` : ""})`);
        try {
          await onboardLogged();
        } catch (err) {
          if (err instanceof CheckFailed) throw err;
          // A bug's stack goes to the onboard log IT already collects, and the message names it.
          if (!(err instanceof RelayError)) await log.write("error", err instanceof Error ? (err.stack ?? err.message) : String(err));
          const failure = asRelayError(err, log.file);
          await log.write("error", `${failure.code}: ${failure.message}`);
          throw failure;
        }
      } finally {
        await release();
      }

      /** The configuration (recorded only for a real run), the password, and the flow itself. */
      async function onboardWith(dryRun: boolean, onStep?: (step: OnboardStep) => void): Promise<OnboardResult> {
        const loaded = await optionalConfig({ ...opts, stateDir }, io, dryRun);
        if (!loaded) throw new RelayError("USAGE", "no configuration: give --config and --trust, or set them by managed policy");
        // Refused before anything changes: where would the report go?
        const url = opts.sendReport ? await reportAddress(loaded, io, "--send-report") : undefined;
        const password = opts.passwordEnv !== undefined || opts.passwordStdin ? await readPassword(io, opts, undefined) : undefined;
        const { onboard } = await import("../onboarding.js");
        const result = await onboard({
          loaded, email, ...(dryRun ? { dryRun: true } : {}), ...(opts.name ? { fullName: opts.name } : {}), ...(password !== undefined ? { password } : {}),
          ...(clients ? { clients: clients as ClientName[] } : {}), caStore: caStore as CaStoreSetting, outDir: opts.outDir ?? stateDir, now: io.now(), version, stateDir,
          ...(onStep ? { onStep } : {}),
        });
        if (url === undefined) return result;
        const step = dryRun || !result.report
          ? { id: "report", title: "Report to the helpdesk", status: "planned" as const, message: `the relay test's report would be sent to ${new URL(url).host}` }
          : await sendTestReport(url, result.report, loaded);
        onStep?.(step);
        const failed = step.status === "failed";
        return { ...result, steps: [...result.steps, step], exitStatus: failed ? 4 : result.exitStatus };
      }

      /** The test's report under this installation's reference, handed to the helpdesk: a step like the others. */
      async function sendTestReport(url: string, checked: NonNullable<OnboardResult["report"]>, loaded: NonNullable<Awaited<ReturnType<typeof optionalConfig>>>): Promise<OnboardStep> {
        const [{ installationReference, stampReport }, { sendReport }, { currentRoots }, { applyUsernameTemplate }] = await Promise.all([
          import("../support/reference.js"), import("../support/send.js"), import("../config/roots.js"), import("../config/template.js"),
        ]);
        const config = loaded.payload.config;
        const reference = installationReference(stateDir, io.now());
        const report = stampReport(checked, { reference, now: io.now(), account: { email, login: applyUsernameTemplate(config.submission.username, email) } });
        const title = "Report to the helpdesk";
        try {
          const receipt = await sendReport({ url, reference, report, version, orgRoots: currentRoots(config).map((r) => r.pem), now: io.now() });
          return { id: "report", title, status: "done", message: `received by ${new URL(url).host} at ${receipt.received}: reference ${receipt.reference}, report ${receipt.reportId}` };
        } catch (err) {
          if (!(err instanceof RelayError) || err.code !== "REPORT_SEND_FAILED") throw err;
          return { id: "report", title, status: "failed", message: err.message, code: err.code };
        }
      }

      /** One JSON document, or a line per step and the summary; the exit status onboarding ended with. */
      function report(result: OnboardResult, json: Record<string, unknown>, summary: string): void {
        const code = result.steps.find((s) => s.status === "failed")?.code ?? "OK";
        if (opts.json) printJson(io, { ok: result.exitStatus === 0, code, ...json, steps: result.steps });
        else {
          for (const s of result.steps) io.stdout(`[${s.status.toUpperCase().padEnd(9)}] ${s.title}: ${s.message}${s.code ? ` (${s.code})` : ""}\n`);
          io.stdout(`${summary}\n`);
        }
        if (result.exitStatus !== 0) throw new CheckFailed(result.exitStatus);
      }

      async function onboardPlanned(): Promise<void> {
        const result = await onboardWith(true);
        const planned = result.steps.filter((s) => s.status === "planned").length;
        report(result, { dryRun: true, changed: false }, `Dry run: nothing was changed. ${result.exitStatus !== 0 ? "Onboarding would not succeed: see the failed steps." : planned ? `${planned} step(s) would change this computer.` : "Everything is already in place."}`);
      }

      async function onboardLogged(): Promise<void> {
        const result = await onboardWith(false, (step) => void log.write(step.status === "failed" ? "error" : "info", `${step.id} ${step.status}${step.code ? ` ${step.code}` : ""}: ${step.message}`));
        await log.write(result.exitStatus === 0 ? "info" : "error", `finished: exit ${result.exitStatus}, ${result.changed ? "changes made" : "nothing changed"}`);
        const summary = result.exitStatus !== 0 ? (result.changed ? "Some changes were made, but onboarding did not finish: see the failed steps." : "Nothing was changed: see the failed steps.") : result.changed ? "Changes were made." : "Everything was already in place.";
        report(result, { changed: result.changed, log: log.file }, `${summary} Log: ${log.file}`);
      }
    });
}

/** A setting from the command line or managed policy; policy wins, and a conflicting flag is an error. */
function pick<T>(name: string, flag: T | undefined, policy: T | undefined, source: string | undefined): T | undefined {
  if (policy !== undefined && flag !== undefined && JSON.stringify(flag) !== JSON.stringify(policy)) {
    throw new RelayError("USAGE", `managed policy (${source ?? "?"}) sets ${name}; the command line cannot change it`);
  }
  return policy ?? flag;
}
