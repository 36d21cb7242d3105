// Managed policy: what IT sets through MDM, which wins over anything bundled or typed. Every source
// (registry, managed preferences, policy.json) yields raw name → value pairs; this module checks them
// by name. An invalid or unknown setting is an error naming it: a typo must never quietly leave a
// weaker default in force.
import { isEmailAddress } from "../address.js";
import { RelayError } from "../errors.js";
import type { TrustedKeys } from "../config/trustedKeys.js";

export const CLIENT_NAMES = ["thunderbird", "outlook", "apple-mail"] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];
/** How each mail app is named in messages and logs. */
export const CLIENT_TITLES: Record<ClientName, string> = { thunderbird: "Thunderbird", outlook: "Outlook", "apple-mail": "Apple Mail" };
export const CA_STORES = ["auto", "system", "user", "nss", "none"] as const;
export type CaStoreSetting = (typeof CA_STORES)[number];

export interface Policy {
  /** Where the settings came from, for messages ("HKLM\\SOFTWARE\\Policies\\RelayOnboard", a file path…). */
  source: string;
  configUrl?: string;
  trustedKeys?: TrustedKeys;
  clients?: ClientName[];
  caStore?: CaStoreSetting;
  allowDemo?: boolean;
  /** Whether the user may skip installing the root CA (default false), in the app as in the CLI. */
  allowSkipCa?: boolean;
  /** Whether the app offers to remove its changes from this computer (default true). */
  allowOffboard?: boolean;
  /** Whether a user may send reports to the configuration's support.reportUrl (default: yes, when it names one). */
  allowReportSending?: boolean;
  /** The app's language instead of the OS's (a BCP 47 tag: en, de, fr, …). */
  language?: string;
  /** Overrides the configuration's support contact shown to users. */
  support?: { email?: string; url?: string; phone?: string };
}

export type RawPolicy = Record<string, unknown>;

const SETTINGS = ["configUrl", "trustedKeys", "clients", "caStore", "allowDemo", "allowSkipCa", "allowOffboard", "allowReportSending", "supportEmail", "supportUrl", "supportPhone", "language"] as const;

function bad(source: string, name: string, why: string): RelayError {
  return new RelayError("BAD_INPUT", `managed policy setting "${name}" (${source}) ${why}`);
}

/** Booleans arrive as true/false (plist, JSON) or 0/1 (REG_DWORD). */
function asBoolean(source: string, name: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  throw bad(source, name, "must be true or false (1 or 0 in the registry)");
}

function asText(source: string, name: string, value: unknown, max = 2048): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > max || /[\0\r\n]/.test(value)) {
    throw bad(source, name, "must be a non-empty single-line string");
  }
  return value.trim();
}

/** Lists arrive as arrays (plist, JSON, REG_MULTI_SZ) or comma-separated REG_SZ. */
function asList(source: string, name: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.map((v) => v.trim()).filter(Boolean);
  if (typeof value === "string") return value.split(",").map((v) => v.trim()).filter(Boolean);
  throw bad(source, name, "must be a list");
}

export async function validatePolicy(raw: RawPolicy, source: string): Promise<Policy> {
  const unknown = Object.keys(raw).filter((k) => !(SETTINGS as readonly string[]).includes(k));
  if (unknown.length > 0) throw bad(source, unknown[0]!, `is not a known setting (known: ${SETTINGS.join(", ")})`);
  const policy: Policy = { source };
  if (raw["configUrl"] !== undefined) {
    const url = asText(source, "configUrl", raw["configUrl"]);
    if (!/^https:\/\//i.test(url) && !/^file:/i.test(url) && !/^(\/|[A-Za-z]:\\)/.test(url)) throw bad(source, "configUrl", "must be an https:// URL or a file path");
    policy.configUrl = url;
  }
  if (raw["trustedKeys"] !== undefined) {
    const value = raw["trustedKeys"];
    const text = typeof value === "string" ? value : JSON.stringify(value);
    // Loaded only when a policy names keys: the key parser brings the schema and JOSE libraries.
    const { parseTrustedKeys } = await import("../config/trustedKeys.js");
    try {
      policy.trustedKeys = await parseTrustedKeys(text, `managed policy setting "trustedKeys" (${source})`);
    } catch (err) {
      if (err instanceof RelayError) throw new RelayError("BAD_INPUT", err.message);
      throw err;
    }
  }
  if (raw["clients"] !== undefined) {
    const list = asList(source, "clients", raw["clients"]);
    const wrong = list.find((c) => !(CLIENT_NAMES as readonly string[]).includes(c));
    if (wrong !== undefined) throw bad(source, "clients", `names "${wrong}"; allowed: ${CLIENT_NAMES.join(", ")}`);
    policy.clients = list as ClientName[];
  }
  if (raw["caStore"] !== undefined) {
    const store = asText(source, "caStore", raw["caStore"]);
    if (!(CA_STORES as readonly string[]).includes(store)) throw bad(source, "caStore", `must be one of ${CA_STORES.join(", ")}`);
    policy.caStore = store as CaStoreSetting;
  }
  if (raw["allowDemo"] !== undefined) policy.allowDemo = asBoolean(source, "allowDemo", raw["allowDemo"]);
  if (raw["allowSkipCa"] !== undefined) policy.allowSkipCa = asBoolean(source, "allowSkipCa", raw["allowSkipCa"]);
  if (raw["allowOffboard"] !== undefined) policy.allowOffboard = asBoolean(source, "allowOffboard", raw["allowOffboard"]);
  if (raw["allowReportSending"] !== undefined) policy.allowReportSending = asBoolean(source, "allowReportSending", raw["allowReportSending"]);
  if (raw["language"] !== undefined) {
    const tag = asText(source, "language", raw["language"], 35);
    let canonical: string | undefined;
    try {
      canonical = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(tag) ? Intl.getCanonicalLocales(tag)[0] : undefined;
    } catch {
      canonical = undefined;
    }
    if (!canonical) throw bad(source, "language", "must be a language tag such as en, de or fr-CH");
    policy.language = canonical;
  }
  const support: NonNullable<Policy["support"]> = {};
  if (raw["supportEmail"] !== undefined) {
    support.email = asText(source, "supportEmail", raw["supportEmail"], 254);
    if (!isEmailAddress(support.email)) throw bad(source, "supportEmail", "must be an email address");
  }
  if (raw["supportUrl"] !== undefined) {
    support.url = asText(source, "supportUrl", raw["supportUrl"]);
    if (!/^https:\/\//i.test(support.url)) throw bad(source, "supportUrl", "must be an https:// URL");
  }
  if (raw["supportPhone"] !== undefined) support.phone = asText(source, "supportPhone", raw["supportPhone"], 64);
  if (Object.keys(support).length > 0) policy.support = support;
  return policy;
}
