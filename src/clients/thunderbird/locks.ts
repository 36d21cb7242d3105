// Preferences IT's own deployment decides, which a profile's prefs.js cannot change: the
// enterprise policies file (`policies.json`, "Preferences" with a Status) and autoconfig
// (`general.config.filename` naming a .cfg file with lockPref/pref/clearPref calls). Found in the
// installation folder (and, on Linux, /etc/thunderbird/policies). Registry and macOS profile
// policies are not read here (see the README).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isJsonObject, parsePoliciesJson } from "../../truststore/policiesJson.js";
import type { PrefValue } from "./prefs.js";

/** How a deployment treats a pref at every start. */
export type PolicyStatus = "locked" | "user" | "clear" | "default";

export interface PrefPolicy {
  name: string;
  status: PolicyStatus;
  /** undefined when the value cannot be read (autoconfig computing it, for instance). */
  value?: PrefValue;
  file: string;
}

/** Where Thunderbird is installed, per platform (a folder holding defaults/pref and distribution/). */
export function installDirs(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (platform === "win32") return [join(env["ProgramFiles"] ?? "C:\\Program Files", "Mozilla Thunderbird"), join(env["ProgramFiles(x86)"] ?? "C:\\Program Files (x86)", "Mozilla Thunderbird")];
  if (platform === "darwin") return ["/Applications/Thunderbird.app/Contents/Resources"];
  return ["/usr/lib/thunderbird", "/usr/lib64/thunderbird", "/opt/thunderbird", "/snap/thunderbird/current/thunderbird-bin", "/var/lib/flatpak/app/org.mozilla.Thunderbird/current/active/files/lib/thunderbird"];
}

/** Policy files outside the installation folder (Debian and others read /etc/thunderbird/policies). */
export function extraPolicyFiles(platform: NodeJS.Platform = process.platform): string[] {
  return platform === "linux" ? ["/etc/thunderbird/policies/policies.json"] : [];
}

const readText = (file: string) => readFile(file, "utf8").catch(() => undefined);

function policyValue(raw: unknown): PrefValue | undefined {
  return typeof raw === "string" || typeof raw === "boolean" || (typeof raw === "number" && Number.isInteger(raw)) ? raw : undefined;
}

/**
 * "Preferences" of a policies.json: { name: { Value, Status } }, or the older { name: value }
 * (locked). A file Thunderbird ignores whole (not JSON, or behind a byte-order mark) decides
 * nothing; one nested beyond reason is BAD_INPUT (policiesJson.ts, the reader the writer uses too).
 */
export function parsePolicies(text: string, file: string): PrefPolicy[] {
  const doc = parsePoliciesJson(text, file, { ignored: "undefined" });
  const policies = isJsonObject(doc) ? doc["policies"] : undefined;
  const prefs = isJsonObject(policies) ? policies["Preferences"] : undefined;
  if (!isJsonObject(prefs)) return [];
  const out: PrefPolicy[] = [];
  for (const [name, spec] of Object.entries(prefs)) {
    if (isJsonObject(spec)) {
      const { Value, Status } = spec;
      const status: PolicyStatus = Status === "user" || Status === "clear" || Status === "locked" ? Status : Status === "default" ? "default" : "locked";
      const value = policyValue(Value);
      out.push({ name, status, file, ...(value !== undefined ? { value } : {}) });
    } else {
      const value = policyValue(spec);
      out.push({ name, status: "locked", file, ...(value !== undefined ? { value } : {}) });
    }
  }
  return out;
}

/** A JavaScript literal as autoconfig files write them: a quoted string, an integer, true or false. */
function literal(text: string): PrefValue | undefined {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  if (/^[+-]?\d+$/.test(t)) return Number(t);
  const quoted = /^(["'])((?:\\.|(?!\1).)*)\1$/s.exec(t);
  return quoted ? quoted[2]!.replace(/\\(.)/g, "$1") : undefined;
}

/** lockPref / pref / defaultPref / clearPref calls of an autoconfig file (JavaScript, read for these calls only). */
export function parseAutoconfig(text: string, file: string): PrefPolicy[] {
  const out: PrefPolicy[] = [];
  const call = /\b(lockPref|pref|defaultPref|clearPref)\s*\(\s*(["'])((?:\\.|(?!\2).)*)\2\s*(?:,\s*((?:"(?:\\.|[^"])*"|'(?:\\.|[^'])*'|[^)])*?))?\s*\)/g;
  for (const m of text.matchAll(call)) {
    const status: PolicyStatus = m[1] === "lockPref" ? "locked" : m[1] === "pref" ? "user" : m[1] === "clearPref" ? "clear" : "default";
    const value = m[4] === undefined ? undefined : literal(m[4]);
    out.push({ name: m[3]!, status, file, ...(value !== undefined ? { value } : {}) });
  }
  return out;
}

/** The autoconfig file an installation names in defaults/pref, decoded (it may be byte-shifted). */
async function autoconfig(dir: string): Promise<PrefPolicy[]> {
  const prefDir = join(dir, "defaults", "pref");
  const names = await readdir(prefDir).catch(() => [] as string[]);
  let filename: string | undefined;
  let shift = 13; // general.config.obscure_value's default
  for (const name of names.filter((n) => n.endsWith(".js"))) {
    const text = (await readText(join(prefDir, name))) ?? "";
    filename = /pref\(\s*["']general\.config\.filename["']\s*,\s*["']([^"'/\\]+)["']/.exec(text)?.[1] ?? filename;
    const obscure = /pref\(\s*["']general\.config\.obscure_value["']\s*,\s*(\d+)\s*\)/.exec(text)?.[1];
    if (obscure !== undefined) shift = Number(obscure);
  }
  if (!filename) return [];
  const file = join(dir, filename);
  const raw = await readFile(file).catch(() => undefined);
  if (!raw) return [];
  const decoded = shift === 0 ? raw : Buffer.from(raw.map((b) => (b - shift + 256) % 256));
  return parseAutoconfig(decoded.toString("utf8"), file);
}

/**
 * Every pref a deployment decides, from the policy file Thunderbird reads and every installation's
 * autoconfig. A system policies file (Linux: /etc/thunderbird/policies), when it exists, is the only
 * policies.json Thunderbird reads: the installations' distribution/policies.json are then ignored
 * (checked with Thunderbird 153: the system file shadows the distribution one).
 */
export async function findPrefPolicies(dirs: readonly string[] = installDirs(), policyFiles: readonly string[] = extraPolicyFiles()): Promise<PrefPolicy[]> {
  const out: PrefPolicy[] = [];
  let systemFileFound = false;
  for (const file of policyFiles) {
    const text = await readText(file);
    if (text === undefined) continue;
    systemFileFound = true;
    out.push(...parsePolicies(text, file));
  }
  for (const file of systemFileFound ? [] : dirs.map((d) => join(d, "distribution", "policies.json"))) {
    const text = await readText(file);
    if (text !== undefined) out.push(...parsePolicies(text, file));
  }
  for (const dir of dirs) out.push(...(await autoconfig(dir)));
  return out;
}

/** The first deployment rule that would undo `value` for `name` at Thunderbird's next start. */
export function conflictingPolicy(policies: readonly PrefPolicy[], name: string, value: PrefValue): PrefPolicy | undefined {
  return policies.find((p) => p.name === name && (p.status === "clear" || ((p.status === "locked" || p.status === "user") && p.value !== value)));
}
