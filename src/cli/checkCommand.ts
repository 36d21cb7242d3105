// `relay-onboard check`: the submission test and its diagnosis, from the configuration and/or flags.
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import type { LoadedConfig } from "../config/load.js";
import { SASL_MECHANISMS, type SaslMechanism } from "../config/mechanisms.js";
import { applyUsernameTemplate } from "../config/template.js";
import { inspectCaCertificate } from "../certs/pem.js";
import { runCheck } from "../diagnostics/check.js";
import { RelayError } from "../errors.js";
import { renderHtmlReport } from "../diagnostics/htmlReport.js";
import { renderTextReport } from "../diagnostics/textReport.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";
import { readPassword } from "./password.js";

export interface TargetFlags {
  config?: string;
  trust?: string;
  stateDir?: string;
  host?: string;
  port?: string;
  security?: string;
  ca?: string;
}

export function parsePort(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new RelayError("USAGE", `${flag} must be a port number (1-65535)`);
  return Number(text);
}

/** The managed policy this run obeys (injected in tests). */
export async function currentPolicy(io: CliIo) {
  if (io.policy) return io.policy();
  const { loadPolicy } = await import("../policy/sources.js");
  return loadPolicy();
}

/**
 * The verified configuration, from managed policy, --config/--trust, or a bundled org file (in that
 * order of precedence); undefined when there is none at all.
 */
export async function optionalConfig(opts: TargetFlags, io: CliIo): Promise<LoadedConfig | undefined> {
  const { resolveConfigSource } = await import("../policy/resolve.js");
  const source = await resolveConfigSource(opts, await currentPolicy(io), io.bundledOrgFile);
  if (!source) return undefined;
  // jose and zod are loaded only when a configuration is actually used.
  const { loadConfig } = await import("../config/load.js");
  return loadConfig({ config: source.config, trust: source.trust, now: io.now(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
}

export async function caFromFlag(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (err) {
    throw new RelayError("BAD_INPUT", `cannot read --ca ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    inspectCaCertificate(pem);
  } catch (err) {
    throw new RelayError("BAD_INPUT", `--ca ${path}: ${(err as Error).message}`);
  }
  return pem;
}

export function parseSecurity(text: string | undefined): "starttls" | "tls" | undefined {
  if (text === undefined) return undefined;
  if (text !== "starttls" && text !== "tls") throw new RelayError("USAGE", "--security must be starttls or tls");
  return text;
}

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
    .option("--auth <mechs>", `mechanisms to allow, comma-separated (${SASL_MECHANISMS.join(", ")})`)
    .option("--from <addr>", "envelope sender (default: the email address)")
    .option("--to <addr>", "outside recipient for the relay probe (nothing is sent to it)")
    .option("--ports <list>", "ports for the reachability grid, comma-separated, or none", "25,465,587")
    .option("--timeout-ms <n>", "deadline for the whole diagnosis", "30000")
    .option("--html <file>", "also write a self-contained HTML report")
    .option("--json", "print the JSON report")
    .action(async (opts: TargetFlags & { user?: string; passwordEnv?: string; passwordStdin?: boolean; auth?: string; from?: string; to?: string; ports: string; timeoutMs: string; html?: string; json?: boolean }) => {
      const gridPorts = opts.ports === "none" ? [] : opts.ports.split(",").map((p) => parsePort(p.trim(), "--ports")!);
      const loaded = await optionalConfig(opts, io);
      const sub = loaded?.payload.config.submission;
      const security = parseSecurity(opts.security) ?? sub?.security ?? "starttls";
      const host = opts.host ?? sub?.host;
      if (!host) throw new RelayError("USAGE", "give --config and --trust, or --host");
      const port = parsePort(opts.port, "--port") ?? sub?.port ?? (security === "tls" ? 465 : 587);
      const caPem = opts.ca ? await caFromFlag(opts.ca) : loaded?.payload.config.rootCa.pem;
      if (!caPem) throw new RelayError("USAGE", "give --ca (the organisation's root certificate): the test trusts nothing else");
      let mechanisms: SaslMechanism[] = [...(sub?.auth ?? ["PLAIN", "LOGIN"])];
      if (opts.auth) {
        const wanted = opts.auth.split(",").map((m) => m.trim().toUpperCase());
        const unknown = wanted.filter((m) => !(SASL_MECHANISMS as readonly string[]).includes(m));
        if (unknown.length) throw new RelayError("USAGE", `unknown mechanism(s) ${unknown.join(", ")}`);
        mechanisms = wanted as SaslMechanism[];
      }
      const timeoutMs = Number(opts.timeoutMs);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new RelayError("USAGE", "--timeout-ms must be between 100 and 600000");
      const email = opts.user && /@/.test(opts.user) ? opts.user : undefined;
      const user = opts.user && sub && email ? applyUsernameTemplate(sub.username, email) : opts.user;
      const password = await readPassword(io, opts, user);
      const domain = loaded?.payload.config.organization.domains[0];
      const report = await runCheck({
        host, port, security, caPem, mechanisms, timeoutMs, version, gridPorts,
        ...(user && password !== undefined ? { credentials: { user, secret: password } } : {}),
        ...(opts.from ?? email ? { from: opts.from ?? email } : {}),
        ...(opts.to ?? loaded?.payload.config.probe?.externalRecipient ? { externalRecipient: opts.to ?? loaded?.payload.config.probe?.externalRecipient } : {}),
        ...(!email && domain ? { internalRecipient: `postmaster@${domain}` } : {}),
      });
      if (opts.html) await writeFileAtomic(opts.html, renderHtmlReport(report));
      if (opts.json) printJson(io, report);
      else io.stdout(renderTextReport(report));
      if (report.verdict === "fail") throw new CheckFailed(1);
    });
}
