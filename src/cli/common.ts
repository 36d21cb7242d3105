// What several commands share: the flags that name the configuration and the target, their
// parsing, the managed policy in force, and the verified configuration from policy, flags or a
// bundled org file.
import { readFile, stat } from "node:fs/promises";
import type { LoadedConfig } from "../config/load.js";
import { SASL_MECHANISMS, type SaslMechanism } from "../config/mechanisms.js";
import { inspectCaCertificate } from "../certs/pem.js";
import { RelayError } from "../errors.js";
import type { CliIo } from "./io.js";

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
export async function optionalConfig(opts: TargetFlags, io: CliIo, readOnly = false): Promise<LoadedConfig | undefined> {
  const { resolveConfigSource } = await import("../policy/resolve.js");
  const source = await resolveConfigSource(opts, await currentPolicy(io), io.bundledOrgFile);
  if (!source) return undefined;
  // A --config flag naming a local file that is not there is a mistake in the command: BAD_INPUT
  // (exit 2) in words, not a fetch failure with advice about the internet.
  if (opts.config !== undefined && source.config === opts.config && !/^[a-z][a-z0-9+.-]+:\/\//i.test(opts.config)) {
    const { fileProblem } = await import("../config/fetch.js");
    await stat(opts.config).catch((err: unknown) => {
      throw new RelayError("BAD_INPUT", `the configuration file ${opts.config}: ${fileProblem(err)}`);
    });
  }
  // jose and zod are loaded only when a configuration is actually used.
  const { loadConfig } = await import("../config/load.js");
  const { stateDirOfThisRun } = await import("./stateDir.js");
  return loadConfig({ config: source.config, trust: source.trust, now: io.now(), readOnly, stateDir: opts.stateDir ?? (await stateDirOfThisRun()) });
}


/**
 * Where reports go: the configuration's `support.reportUrl` — unless managed policy withholds
 * sending (allowReportSending false), which binds the command line as it binds the app.
 */
export async function reportAddress(loaded: LoadedConfig | undefined, io: CliIo, flag: string): Promise<string> {
  const policy = await currentPolicy(io);
  if (policy?.allowReportSending === false) throw new RelayError("USAGE", `managed policy (${policy.source}) does not allow sending reports (allowReportSending)`);
  const url = loaded?.payload.config.organization.support?.reportUrl;
  if (!url) throw new RelayError("USAGE", `${flag} needs a configuration that names a report address (support.reportUrl)`);
  return url;
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

/** --timeout-ms: a whole number of milliseconds between 100 ms and 10 minutes. */
export function parseTimeout(text: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 100 || ms > 600_000) throw new RelayError("USAGE", "--timeout-ms must be between 100 and 600000");
  return ms;
}

/** --auth: mechanisms to allow, comma-separated, case-insensitive. */
export function parseMechanisms(text: string | undefined): SaslMechanism[] | undefined {
  if (text === undefined) return undefined;
  const wanted = text.split(",").map((m) => m.trim().toUpperCase());
  const unknown = wanted.filter((m) => !(SASL_MECHANISMS as readonly string[]).includes(m));
  if (unknown.length) throw new RelayError("USAGE", `unknown mechanism(s) ${unknown.join(", ")}`);
  return wanted as SaslMechanism[];
}
