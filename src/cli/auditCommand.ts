// `relay-onboard audit`: the relay and inbound server policy, from the configuration and/or flags.
import { dirname } from "node:path";
import type { Command } from "commander";
import { RelayError } from "../errors.js";
import { caFromFlag, optionalConfig, parsePort, parseSecurity, parseTimeout, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";
import { readPassword } from "./password.js";
import { guardWrite } from "../fs/writeFailure.js";

export const AUDIT_PASS = "the relay requires TLS and a login, and the inbound server relays nothing.";

/** The PASS line for what was audited — never a claim about a server that was not checked. */
export function auditPassLine(checked: { relay: boolean; inbound: boolean }): string {
  if (checked.relay && checked.inbound) return AUDIT_PASS;
  if (checked.relay) return "the relay requires TLS and a login (no inbound server was given, so none was checked).";
  return "the inbound server relays nothing (no relay was given, so none was checked).";
}

interface AuditFlags extends TargetFlags {
  inboundHost?: string;
  inboundPort?: string;
  relayHost?: string;
  relayPort?: string;
  user?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
  domain?: string;
  to?: string;
  injectionProbe?: boolean;
  timeoutMs: string;
  html?: string;
  json?: boolean;
}

export function registerAuditCommand(program: Command, io: CliIo, version: string): void {
  program
    .command("audit")
    .description("check the relay and inbound server policy: TLS and login required, no open relay")
    .option("--config <file|url>", "the signed configuration (with --trust)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state directory")
    .option("--inbound-host <host>", "inbound server (MX)")
    .option("--inbound-port <n>", "inbound server port (default 25)")
    .option("--relay-host <host>", "secure relay")
    .option("--relay-port <n>", "relay port")
    .option("--security <mode>", "relay security: starttls or tls")
    .option("--ca <pem>", "the organisation's root CA")
    .option("--domain <domain>", "the organisation's mail domain (default: from the configuration, else from --user)")
    .option("--to <addr>", "outside recipient for the relay probes (nothing is sent to it)")
    .option("--user <user>", "also test relaying with this login (email address with a configuration)")
    .option("--password-env <name>", "read the password from this environment variable")
    .option("--password-stdin", "read the password from standard input")
    .option("--injection-probe", "also test for STARTTLS command injection (CVE-2011-0411)")
    .option("--timeout-ms <n>", "deadline for the whole audit", "60000")
    .option("--html <file>", "also write a self-contained HTML report")
    .option("--json", "print the JSON report")
    .action(async (opts: AuditFlags) => {
      // Loaded when the command runs, not at start-up.
      const [{ applyUsernameTemplate }, { runAudit }, { RESERVED_EXTERNAL_RECIPIENT }] = await Promise.all([import("../config/template.js"), import("../diagnostics/audit.js"), import("../diagnostics/submission.js")]);
      const loaded = await optionalConfig(opts, io);
      const config = loaded?.payload.config;
      const security = parseSecurity(opts.security) ?? config?.submission.security ?? "starttls";
      const relayHost = opts.relayHost ?? config?.submission.host;
      const relayPort = parsePort(opts.relayPort, "--relay-port") ?? config?.submission.port ?? (security === "tls" ? 465 : 587);
      const inboundHost = opts.inboundHost ?? config?.inbound?.host;
      const inboundPort = parsePort(opts.inboundPort, "--inbound-port") ?? config?.inbound?.port ?? 25;
      if (!relayHost && !inboundHost) throw new RelayError("USAGE", "give --config and --trust, or --relay-host and/or --inbound-host");
      const caPem = opts.ca ? await caFromFlag(opts.ca) : config?.rootCa.pem;
      if (!caPem) throw new RelayError("USAGE", "give --ca (the organisation's root certificate)");
      const email = opts.user && opts.user.includes("@") ? opts.user : undefined;
      // The organisation's domain: given, from the configuration, or the domain of the --user address.
      const domain = opts.domain ?? config?.organization.domains[0] ?? email?.slice(email.lastIndexOf("@") + 1).toLowerCase();
      if (!domain) throw new RelayError("USAGE", "give --domain (the organisation's mail domain), or --user with an address in it");
      const timeoutMs = parseTimeout(opts.timeoutMs);
      const user = opts.user && config && email ? applyUsernameTemplate(config.submission.username, email) : opts.user;
      const password = user ? await readPassword(io, opts, user) : undefined;
      const report = await runAudit({
        ...(inboundHost ? { inbound: { host: inboundHost, port: inboundPort } } : {}),
        ...(relayHost ? { relay: { host: relayHost, port: relayPort, security } } : {}),
        caPem,
        orgDomains: config?.organization.domains ?? [domain],
        externalRecipient: opts.to ?? config?.probe?.externalRecipient ?? RESERVED_EXTERNAL_RECIPIENT,
        mechanisms: config?.submission.auth ?? ["PLAIN", "LOGIN"],
        ...(user && password !== undefined ? { credentials: { user, secret: password } } : {}),
        ...(email ? { from: email } : {}),
        injectionProbe: opts.injectionProbe ?? false,
        timeoutMs,
        version,
      });
      const passLine = auditPassLine({ relay: relayHost !== undefined, inbound: inboundHost !== undefined });
      if (opts.html) {
        const [{ writeFileAtomic }, { renderHtmlReport }] = await Promise.all([import("../fs/atomic.js"), import("../diagnostics/htmlReport.js")]);
        await guardWrite("STATE_WRITE_FAILED", dirname(opts.html), "the HTML report", () => writeFileAtomic(opts.html!, renderHtmlReport(report, passLine)));
      }
      if (opts.json) printJson(io, report);
      else io.stdout((await import("../diagnostics/textReport.js")).renderTextReport(report, passLine));
      if (report.verdict === "fail") throw new CheckFailed(1);
    });
}
