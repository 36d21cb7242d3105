// The one reader (and merger) of Mozilla's policies.json — Thunderbird's and Firefox's — for everything
// that reads it: the lock check of `configure`, `status`, and the policy writers. It reads as Thunderbird 153 does (the real
// Thunderbird is the oracle in test/integration/thunderbird-policy.test.ts):
// - a file that starts with a UTF-8 byte-order mark, like one that is not JSON, is ignored whole
//   (policy engine "failed", no policy applied): it decides no preference, and the writer refuses
//   it rather than silently turn IT's dormant policies on by rewriting it without the mark;
// - a member named `__proto__` (or `constructor`) anywhere is ordinary data: JSON.parse makes it a
//   plain own property, Thunderbird applies the policies around it, and so do we (kept, never dropped).
// Nesting deeper than any policies file needs is refused before parsing, so nothing recurses unbounded.
import { RelayError } from "../errors.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Far beyond what a policies file nests (the deepest policies are about six levels). */
export const MAX_POLICIES_DEPTH = 64;

export const isJsonObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

/** The deepest nesting of objects and arrays in a JSON text (strings skipped), stopping past `limit`. */
export function jsonDepth(text: string, limit = MAX_POLICIES_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Parses a policies.json text, every member kept. BAD_INPUT (naming the file) for text that nests
 * too deeply, and for text Thunderbird ignores (not JSON, or behind a byte-order mark) — or, with
 * `ignored: "undefined"`, undefined for the latter: such a file decides no preference.
 */
export function parsePoliciesJson(text: string, file: string, options: { ignored?: "throw" | "undefined" } = {}): Json | undefined {
  if (jsonDepth(text) > MAX_POLICIES_DEPTH) throw new RelayError("BAD_INPUT", `${file} nests objects or lists more than ${MAX_POLICIES_DEPTH} levels deep; no policies file does`);
  const ignored = (why: string) => {
    if (options.ignored === "undefined") return undefined;
    throw new RelayError("BAD_INPUT", `${file} ${why}`);
  };
  if (text.startsWith("\uFEFF")) return ignored("starts with a byte-order mark, which makes Thunderbird ignore the whole file (no policy in it applies): save it as UTF-8 without one");
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    return ignored(`is not valid JSON (${(err as Error).message})`);
  }
}

function malformed(file: string, why: string): RelayError {
  return new RelayError("BAD_INPUT", `${file} ${why}; it was left unchanged — correct it (or move it away) and run again`);
}

/**
 * The merged document: IT's policies kept as they are, Certificates → Install without our old
 * entries and with `certs` appended. Throws BAD_INPUT when the existing text is not a policies file.
 */
export function mergePolicies(existing: string | undefined, certs: string[], isOurs: (entry: string) => boolean, file = "policies.json"): string {
  const { doc, policies, certificates, install } = readCertificates(existing, file);
  const kept = install.filter((entry) => !isOurs(entry));
  certificates["Install"] = [...kept, ...certs];
  policies["Certificates"] = certificates;
  doc["policies"] = policies;
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The Certificates → Install list of a policies file (BAD_INPUT, as mergePolicies, for one the app would not read). */
export function installList(existing: string | undefined, file = "policies.json"): string[] {
  return readCertificates(existing, file).install;
}

/** The document and its Certificates policy, each member checked for the type the app requires. */
function readCertificates(existing: string | undefined, file: string) {
  let doc: Json = { policies: {} };
  if (existing !== undefined && existing.trim() !== "") {
    try {
      doc = parsePoliciesJson(existing, file)!;
    } catch (err) {
      throw new RelayError("BAD_INPUT", `${(err as Error).message}; it was left unchanged — correct it (or move it away) and run again`);
    }
  }
  if (!isJsonObject(doc)) throw malformed(file, "is not a JSON object");
  // A member that is present must have its type (null included: Thunderbird would reject the file).
  const policies = "policies" in doc ? doc["policies"] : {};
  if (!isJsonObject(policies)) throw malformed(file, 'has a "policies" member that is not an object');
  const certificates = "Certificates" in policies ? policies["Certificates"] : {};
  if (!isJsonObject(certificates)) throw malformed(file, 'has a "Certificates" policy that is not an object');
  const install = "Install" in certificates ? certificates["Install"] : [];
  if (!Array.isArray(install) || !install.every((e) => typeof e === "string")) throw malformed(file, 'has a "Certificates.Install" that is not a list of file names');
  return { doc, policies, certificates, install };
}
