// `relay-onboard check`: the submission test and its diagnosis, from the configuration and/or flags.
import { dirname } from "node:path";
import type { Command } from "commander";
import { SASL_MECHANISMS } from "../config/mechanisms.js";
import { RelayError } from "../errors.js";
import { caFromFlag, optionalConfig, reportAddress, parseMechanisms, parsePort, parseSecurity, parseTimeout, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";
import { readPassword } from "./password.js";
import { guardWrite } from "../fs/writeFailure.js";
import { stateDirOfThisRun } from "./stateDir.js";

export function registerCheckCommand(program: Command, io: CliIo, version: string): void {
  program
    .command("check")
    .description("test authenticated submission to the relay and explain any failure")
    .option("--config <file|url>", "the signed configuration (with --trust)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state directory")
    .option("--host <host>", "relay host (overrides the configuration)")
    .option("--port <n>", "relay port")
    .option("--security <mode>", "starttls or tls")
    .option("--ca <pem>", "the organisation's root CA (the only certificate trusted)")
    .option("--user <user>", "with a configuration: your email address (the login name comes from its template); without: the login name")
    .option("--password-env <name>", "read the password from this environment variable")
    .option("--password-stdin", "read the password from standard input")
    .option("--no-login", "test only up to TLS and the login offered (the verdict is then at best a warning)")
    .option("--auth <mechs>", `mechanisms to allow, comma-separated (${SASL_MECHANISMS.join(", ")})`)
    .option("--from <addr>", "envelope sender (default: the email address)")
    .option("--to <addr>", "outside recipient for the relay probe (nothing is sent to it)")
    .option("--ports <list>", "ports for the reachability grid, comma-separated, or none", "25,465,587")
    .option("--timeout-ms <n>", "deadline for the whole diagnosis", "30000")
    .option("--html <file>", "also write a self-contained HTML report")
    .option("--json", "print the JSON report")
    .option("--send-report", "send the report to the helpdesk's report address (the configuration's support.reportUrl)")
    .action(async (opts: TargetFlags & { user?: string; passwordEnv?: string; passwordStdin?: boolean; login: boolean; auth?: string; from?: string; to?: string; ports: string; timeoutMs: string; html?: string; json?: boolean; sendReport?: boolean }) => {
      // Loaded here, not at start-up: `relay-onboard --help` or another command needs none of it.
      const [{ applyUsernameTemplate }, { runCheck }, { relayTarget }] = await Promise.all([import("../config/template.js"), import("../diagnostics/check.js"), import("../diagnostics/target.js")]);
      const gridPorts = opts.ports === "none" ? [] : opts.ports.split(",").map((p: string) => parsePort(p.trim(), "--ports")!);
      const loaded = await optionalConfig(opts, io);
      const config = loaded?.payload.config;
      const timeoutMs = parseTimeout(opts.timeoutMs);
      const email = opts.user?.includes("@") ? opts.user : undefined;
      // With a configuration and an email address, the login name comes from its template.
      const user = config && email ? applyUsernameTemplate(config.submission.username, email) : opts.user;
      if (!opts.login && (opts.passwordEnv !== undefined || opts.passwordStdin)) throw new RelayError("USAGE", "--no-login contradicts --password-env/--password-stdin: choose one");
      const reportUrl = opts.sendReport ? await reportAddress(loaded, io, "--send-report") : undefined;
      const fromConfig = config ? relayTarget(config) : undefined;
      // Flags override the configuration's values, so check can point at any server.
      const security = parseSecurity(opts.security) ?? fromConfig?.security ?? "starttls";
      const host = opts.host ?? fromConfig?.host;
      if (!host) throw new RelayError("USAGE", "give --config and --trust, or --host");
      const port = parsePort(opts.port, "--port") ?? fromConfig?.port ?? (security === "tls" ? 465 : 587);
      const caPem = opts.ca ? await caFromFlag(opts.ca) : fromConfig?.caPem;
      if (!caPem) throw new RelayError("USAGE", "give --ca (the organisation's root certificate): the test trusts nothing else");
      const mechanisms = parseMechanisms(opts.auth) ?? fromConfig?.mechanisms ?? ["PLAIN", "LOGIN"];
      // Asked only now that the configuration and the target are known to be usable: nobody types a
      // password for a run that then fails on a flag or a file.
      const password = opts.login ? await readPassword(io, opts, user) : undefined;
      // A verdict of pass must mean the login was tried (DESIGN.md, the command line).
      if (opts.login && (user === undefined || password === undefined)) {
        throw new RelayError("USAGE", "no login to test: give --user with --password-env NAME or --password-stdin (or run it in a terminal to be asked), or --no-login to test only up to TLS");
      }
      const credentials = user && password !== undefined ? { user, secret: password } : undefined;
      const from = opts.from ?? email;
      const externalRecipient = opts.to ?? config?.probe?.externalRecipient;
      const domain = config?.organization.domains[0];
      const checked = await runCheck({
        host, port, security, caPem, mechanisms, timeoutMs, version, gridPorts,
        ...(loaded ? { configuration: { issuer: loaded.payload.iss, version: loaded.payload.ver } } : {}),
        ...(credentials ? { credentials } : {}),
        ...(from ? { from } : {}),
        ...(externalRecipient ? { externalRecipient } : {}),
        ...(!email && domain ? { internalRecipient: `postmaster@${domain}` } : {}),
      });
      // This installation's reference, the report's own id, the account tried and the computer (support/reference.ts).
      const stateDir = opts.stateDir ?? (await stateDirOfThisRun(io.env));
      const { installationReference, stampReport } = await import("../support/reference.js");
      const report = stampReport(checked, { reference: installationReference(stateDir, io.now()), now: io.now(), ...(user ? { account: { ...(email ? { email } : {}), login: user } } : {}) });
      let sent: Record<string, unknown> | undefined;
      if (reportUrl && config) {
        const { sendReport } = await import("../support/send.js");
        const { currentRoots } = await import("../config/roots.js");
        try {
          sent = { ok: true, ...(await sendReport({ url: reportUrl, reference: report.reference!, report, version, orgRoots: currentRoots(config).map((r) => r.pem), now: io.now() })) };
        } catch (err) {
          if (!(err instanceof RelayError) || err.code !== "REPORT_SEND_FAILED") throw err;
          sent = { ok: false, code: err.code, message: err.message };
        }
      }
      if (opts.html) {
        const [{ writeFileAtomic }, { renderHtmlReport }] = await Promise.all([import("../fs/atomic.js"), import("../diagnostics/htmlReport.js")]);
        await guardWrite("STATE_WRITE_FAILED", dirname(opts.html), "the HTML report", () => writeFileAtomic(opts.html!, renderHtmlReport(report)));
      }
      if (opts.json) printJson(io, { ...report, ...(sent ? { sent } : {}) });
      else {
        io.stdout((await import("../diagnostics/textReport.js")).renderTextReport(report));
        if (sent) io.stdout(sent["ok"] ? `Sent to the helpdesk: reference ${report.reference}, report ${report.reportId}.\n` : `Not sent to the helpdesk (REPORT_SEND_FAILED): ${String(sent["message"])}\n`);
      }
      // The report could not be handed over: an action failed (exit 4), whatever the verdict.
      if (sent && !sent["ok"]) throw new CheckFailed(4);
      if (report.verdict === "fail") throw new CheckFailed(1);
    });
}
