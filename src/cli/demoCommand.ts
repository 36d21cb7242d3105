// `relay-onboard demo`: starts the demo organisation on loopback and runs the product against it:
// verify the signed configuration (fetched over HTTPS), then the full check with the demo user.
import type { Command } from "commander";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUDIT_PASS } from "./auditCommand.js";
import { RelayError } from "../errors.js";
import { currentPolicy } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";

export function registerDemoCommand(program: Command, io: CliIo, version: string): void {
  program
    .command("demo")
    .description("run the whole tool against a demo organisation on this machine (nothing leaves it)")
    .option("--dir <dir>", "where to create the demo organisation's files (default: a new temporary directory)")
    .option("--keep-running", "keep the demo servers running until interrupted, to try commands against them")
    .option("--json", "print one JSON document")
    .action(async (opts: { dir?: string; keepRunning?: boolean; json?: boolean }) => {
      const policy = await currentPolicy(io);
      // Where IT manages the tool, the demo organisation is offered only if policy allows it.
      if (policy && policy.allowDemo !== true) throw new RelayError("USAGE", `managed policy (${policy.source}) does not allow the demo organisation (allowDemo)`);
      const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "relay-onboard-demo-")));
      // Loaded on demand: certificate generation and the SMTP servers are heavy, and only the demo needs them.
      const { startDemoEnvironment } = await import("../demo/environment.js");
      const { loadConfig } = await import("../config/load.js");
      const [{ runAudit }, { runCheck }, { userSubmission }, { RESERVED_EXTERNAL_RECIPIENT }, { renderTextReport }, { describeConfig }] = await Promise.all([
        import("../diagnostics/audit.js"), import("../diagnostics/check.js"), import("../diagnostics/target.js"), import("../diagnostics/submission.js"), import("../diagnostics/textReport.js"), import("./configSummary.js"),
      ]);
      const env = await startDemoEnvironment(dir, io.now());
      let failed = false;
      try {
        const loaded = await loadConfig({
          config: env.configUrl,
          trust: env.org.files.trustedKeys,
          stateDir: join(dir, "state"),
          now: io.now(),
          fetch: { ca: env.org.ca.certPem },
        });
        const sub = loaded.payload.config.submission;
        const checked = await runCheck({ ...userSubmission(loaded.payload.config, env.user.email, env.user.password), timeoutMs: 15_000, version });
        // The helpdesk loop: the report under this installation's reference, sent to the demo helpdesk.
        const [{ installationReference, stampReport }, { sendReport }] = await Promise.all([import("../support/reference.js"), import("../support/send.js")]);
        const report = stampReport(checked, { reference: installationReference(join(dir, "state"), io.now()), now: io.now(), account: { email: env.user.email, login: env.user.email } });
        const receipt = await sendReport({ url: env.helpdesk.reportUrl, reference: report.reference!, report, version, orgRoots: [env.org.ca.certPem], now: io.now() });
        const helpdeskPage = `${env.helpdesk.pageUrl}/${receipt.reference}`;
        const audit = await runAudit({
          inbound: { host: env.inbound.host, port: env.inbound.port },
          relay: { host: sub.host, port: sub.port, security: sub.security },
          caPem: loaded.payload.config.rootCa.pem,
          orgDomains: loaded.payload.config.organization.domains,
          externalRecipient: loaded.payload.config.probe?.externalRecipient ?? RESERVED_EXTERNAL_RECIPIENT,
          mechanisms: sub.auth,
          timeoutMs: 15_000,
          version,
        });
        if (opts.json) {
          printJson(io, {
            ok: report.verdict !== "fail" && audit.verdict !== "fail", audit,
            demo: { dir, configUrl: env.configUrl, relay: `${env.relay.host}:${env.relay.port}`, inbound: `${env.inbound.host}:${env.inbound.port}`, helpdesk: { reportUrl: env.helpdesk.reportUrl, page: helpdeskPage, user: env.helpdesk.user, passwordFile: env.helpdesk.passwordFile } },
            check: report, sent: receipt,
          });
        } else {
          io.stdout(
            [
              "Relay Onboard demo: a throw-away organisation running on this machine.",
              `  files:            ${dir}`,
              `  configuration:    ${env.configUrl}`,
              `  secure relay:     ${env.relay.host} port ${env.relay.port} (STARTTLS and login required)`,
              `  inbound server:   ${env.inbound.host} port ${env.inbound.port} (anonymous, no relaying)`,
              `  demo user:        ${env.user.email}`,
              `  helpdesk:         ${env.helpdesk.pageUrl} (sign in as ${env.helpdesk.user}; password in ${env.helpdesk.passwordFile})`,
              "",
              "1. Verify the signed configuration",
              describeConfig(loaded),
              "2. Test sending through the relay as the demo user",
              renderTextReport(report),
              "3. Audit the organisation's servers (TLS and login required, no open relay)",
              renderTextReport({ ...audit, transcript: [] }, AUDIT_PASS),
              "4. Send the test's report to the helpdesk (what the user's \"Send to my helpdesk\" does)",
              `Received by the helpdesk at ${receipt.received}: reference ${receipt.reference}, report ${receipt.reportId}.`,
              `The helpdesk finds it by the reference the user reads out: ${helpdeskPage}`,
              `(sign in as ${env.helpdesk.user} with the password in ${env.helpdesk.passwordFile}; the page's certificate is from the demo root ${env.org.files.caCert}, so a browser warns unless it trusts that root${opts.keepRunning ? "" : "; run the demo with --keep-running to keep the page up"})`,
              "",
            ].join("\n"),
          );
        }
        failed = report.verdict === "fail" || audit.verdict === "fail";
        if (opts.keepRunning) {
          io.stderr(
            `Demo servers are running; press Ctrl-C to stop. Try (in a source checkout, put npx before relay-onboard):\n  RELAY_PASSWORD='${env.user.password}' relay-onboard check --host ${env.relay.host} --port ${env.relay.port} --ca ${env.org.files.caCert} --user ${env.user.email} --password-env RELAY_PASSWORD\n`,
          );
          await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
        }
      } finally {
        await env.stop();
      }
      if (failed) throw new CheckFailed(1);
    });
}
