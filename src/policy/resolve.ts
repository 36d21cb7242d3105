// Which configuration and keys a command uses: managed policy first (it cannot be overridden by a
// flag — a conflicting flag is an error, not silently ignored), then the command line, then the org
// file a branded build bundles (assets/org/org.json).
import { readTextFile } from "../fs/text.js";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RelayError } from "../errors.js";
import { IN_SEA } from "../version.js";
import { parseJsonStrict } from "../config/json.js";
import type { TrustedKeys } from "../config/trustedKeys.js";
import type { Policy } from "./policy.js";

/** assets/org/org.json in a checkout; in an installed app resources/org/org.json, beside resources/cli/ where the CLI runs. */
export const DEFAULT_BUNDLED_ORG_FILE = IN_SEA ? join(dirname(process.execPath), "..", "org", "org.json") : fileURLToPath(new URL("../../assets/org/org.json", import.meta.url));

export interface ConfigSource {
  config: string;
  trust: string | TrustedKeys;
  origin: "policy" | "flags" | "bundled" | "mixed";
}

interface BundledOrg {
  configUrl: string;
  trustedKeys: TrustedKeys;
}

export async function readBundledOrg(path = DEFAULT_BUNDLED_ORG_FILE): Promise<BundledOrg | undefined> {
  const text = await readTextFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new RelayError("BAD_INPUT", `cannot read the bundled org file ${path}: ${err.code ?? err.message}`);
  });
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = parseJsonStrict(text);
  } catch {
    throw new RelayError("BAD_INPUT", `the bundled org file ${path} is not valid JSON`);
  }
  const doc = raw as { configUrl?: unknown; trustedKeys?: unknown };
  const keys = Object.keys(doc ?? {});
  if (typeof doc !== "object" || doc === null || typeof doc.configUrl !== "string" || doc.trustedKeys === undefined || keys.some((k) => k !== "configUrl" && k !== "trustedKeys")) {
    throw new RelayError("BAD_INPUT", `the bundled org file ${path} must be {"configUrl": "https://…", "trustedKeys": {…}}`);
  }
  if (!/^https:\/\//i.test(doc.configUrl)) throw new RelayError("BAD_INPUT", `the bundled org file ${path}: configUrl must be https://`);
  // The key parser (with the schema and JOSE libraries) is loaded only when a bundled org file exists.
  const { parseTrustedKeys } = await import("../config/trustedKeys.js");
  return { configUrl: doc.configUrl, trustedKeys: await parseTrustedKeys(JSON.stringify(doc.trustedKeys), `${path} trustedKeys`) };
}

export async function resolveConfigSource(flags: { config?: string; trust?: string }, policy: Policy | undefined, bundledOrgFile?: string): Promise<ConfigSource | undefined> {
  if (policy?.configUrl && flags.config !== undefined && flags.config !== policy.configUrl) {
    throw new RelayError("USAGE", `managed policy (${policy.source}) sets the configuration; --config cannot override it`);
  }
  if (policy?.trustedKeys && flags.trust !== undefined) {
    throw new RelayError("USAGE", `managed policy (${policy.source}) sets the trusted keys; --trust cannot override them`);
  }
  const needBundle = !(policy?.configUrl ?? flags.config) || !(policy?.trustedKeys ?? flags.trust);
  const bundled = needBundle ? await readBundledOrg(bundledOrgFile) : undefined;
  const config = policy?.configUrl ?? flags.config ?? bundled?.configUrl;
  const trust = policy?.trustedKeys ?? flags.trust ?? bundled?.trustedKeys;
  if (config === undefined && trust === undefined) return undefined;
  if (config === undefined || trust === undefined) throw new RelayError("USAGE", "--config and --trust go together (or come from managed policy / a bundled org file)");
  const origins = new Set([policy?.configUrl ? "policy" : flags.config ? "flags" : "bundled", policy?.trustedKeys ? "policy" : flags.trust ? "flags" : "bundled"]);
  return { config, trust, origin: origins.size === 1 ? ([...origins][0] as ConfigSource["origin"]) : "mixed" };
}
