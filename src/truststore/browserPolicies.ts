// The enterprise-policy stores of the browsers installed on this Linux machine: Firefox's
// policies.json (Certificates → Install) and Chromium's and Chrome's managed policy
// (CACertificates). They reach every profile, also one first made after onboarding — the gap the
// per-profile NSS databases leave — and neither browser reads the system store. Only root writes
// them. Thunderbird is not among them: a Thunderbird profile made later has no account either, and
// onboarding it adds the root there; IT's machine-wide channel for it is `configure thunderbird-policy`.
import { join } from "node:path";
import { CHROMIUM_POLICY_DIRS, ChromiumPolicyStore, chromiumPolicyDirs } from "./chromiumPolicy.js";
import { MOZILLA_INSTALL_DIRS, MozillaPolicyStore, mozillaPolicyFile } from "./mozillaPolicy.js";
import type { TrustStore } from "./types.js";

/** `root` prefixes every path (tests point it at a folder of their own). */
export async function browserPolicyStores(root = "/"): Promise<TrustStore[]> {
  const at = (path: string) => join(root, path);
  const stores: TrustStore[] = [];
  const firefox = await mozillaPolicyFile("firefox", { etc: at("/etc"), installDirs: MOZILLA_INSTALL_DIRS.firefox.map(at) });
  if (firefox) stores.push(new MozillaPolicyStore("firefox", firefox));
  const chromium = CHROMIUM_POLICY_DIRS.map((d) => ({ dir: at(d.dir), installed: d.installed.map(at) }));
  for (const dir of await chromiumPolicyDirs(chromium)) stores.push(new ChromiumPolicyStore(dir));
  return stores;
}

/** Chromium (M146 and later) makes its NSS database here when ~/.pki/nssdb does not exist. */
export const CHROMIUM_NEW_NSSDB = ".local/share/pki/nssdb";

/**
 * What a browser first started after this run will trust, in one sentence (Linux; undefined
 * elsewhere or when no browser is installed): the policies reach every profile; without them a
 * user's Chromium reads the database made for it, but a Firefox profile made later starts empty.
 */
export async function laterProfilesSentence(stores: readonly TrustStore[], platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== "linux") return undefined;
  const policies = stores.filter((s) => s.store.endsWith("-policy"));
  if (policies.length > 0) {
    const names = policies.map((s) => (s.store === "firefox-policy" ? "Firefox" : s.location.includes("/opt/chrome/") ? "Google Chrome" : "Chromium"));
    return `browser profiles made later trust the root too: ${names.join(" and ")} read it from their enterprise policies`;
  }
  const firefox = (await mozillaPolicyFile("firefox")) !== undefined;
  const chromium = (await chromiumPolicyDirs()).length > 0;
  if (!firefox && !chromium) return undefined;
  const parts: string[] = [];
  if (chromium) parts.push("Chromium started later trusts the root (its certificate store was made ready)");
  if (firefox) parts.push("a Firefox profile made later does not: start Firefox once and run this again, or ask IT to install the root for the whole computer (as root: Firefox's enterprise policy)");
  return parts.join("; ");
}
