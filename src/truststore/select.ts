// Which stores a request means on this machine. `auto` is what a user of the OS needs: on Linux
// the system store plus every NSS database found (Thunderbird, Firefox, Chromium); on Windows the
// user's Root store (the machine's when elevated); on macOS the login keychain (System when elevated).
import { windowsTool } from "../systemTools.js";
import { RelayError } from "../errors.js";
import { detectLinuxFamily, LinuxSystemStore } from "./linux.js";
import { MacStore } from "./macos.js";
import { findNssDatabases, NssStore } from "./nss.js";
import { runCommand, runCommandAs, type Runner } from "../processRunner.js";
import { accountFor, actingFor, runAsUser } from "../privilege/forUser.js";
import { RefusedStore } from "./refused.js";
import { browserPolicyStores, CHROMIUM_NEW_NSSDB } from "./browserPolicies.js";
import { chromiumPolicyDirs } from "./chromiumPolicy.js";
import { homedir } from "node:os";
import { join } from "node:path";
import type { TrustStore } from "./types.js";
import { WindowsStore } from "./windows.js";

export type StoreChoice = "auto" | "system" | "user" | "nss";

export interface SelectOptions {
  choice: StoreChoice;
  platform?: NodeJS.Platform;
  /** Explicit NSS database directories (--nss-db). */
  nssDbs?: string[];
  /** False when nobody can answer a prompt (MDM, --yes without a terminal). */
  interactive?: boolean;
  runner?: Runner;
  home?: string;
  /** Where the browsers' policy folders and installations are looked for (tests): "/" by default. */
  policyRoots?: string;
}

/** Integrity levels of an elevated token: High (an administrator's elevated run) and System (SYSTEM, as MDM runs it). */
export const ELEVATED_INTEGRITY_SIDS = ["S-1-16-12288", "S-1-16-16384"] as const;

/**
 * Windows: elevation is what the process token says — its integrity level, which `whoami /groups`
 * lists by SID (SIDs are not translated, the group names and attributes are). A filtered token of
 * an administrator runs at Medium (S-1-16-8192) and is not elevated. (`net session` was used
 * before: it also fails for an administrator when the Server service is stopped.)
 */
export function elevatedByGroups(csv: string): boolean {
  for (const line of csv.split(/\r?\n/)) {
    const sid = /^"[^"]*","[^"]*","(S-1-[0-9-]+)"/.exec(line.trim())?.[1];
    if (sid && (ELEVATED_INTEGRITY_SIDS as readonly string[]).includes(sid)) return true;
  }
  return false;
}

export async function isElevated(platform: NodeJS.Platform = process.platform, runner: Runner = runCommand): Promise<boolean> {
  if (platform === "win32") {
    const groups = await runner(windowsTool("whoami.exe"), ["/groups", "/fo", "csv", "/nh"]);
    return groups.code === 0 && elevatedByGroups(groups.stdout);
  }
  return process.getuid?.() === 0;
}

export async function selectStores(options: SelectOptions): Promise<TrustStore[]> {
  const platform = options.platform ?? process.platform;
  const runner = options.runner ?? runCommand;
  const elevated = await isElevated(platform, runner);
  const nss = async (): Promise<TrustStore[]> => {
    // Root working in a user's home finds and reads that user's databases as that user: NSS loads
    // the modules a database's pkcs11.txt names (and a libnssckbi.so beside it), which must never
    // run as root, and a database that leads elsewhere is refused (privilege/forUser.ts).
    const account = options.runner || platform === "win32" ? undefined : await actingFor(options.home);
    if (!account) {
      const dirs = options.nssDbs?.length ? options.nssDbs : await findNssDatabases(options.home);
      const stores: TrustStore[] = [];
      for (const dir of dirs) {
        // Root for itself on a database another account owns (--nss-db): certutil as that owner.
        const owner = options.runner || platform === "win32" ? undefined : await accountFor(dir, options.home);
        stores.push(new NssStore(dir, { runner: owner ? runCommandAs(owner) : runner, create: Boolean(options.nssDbs?.length) }));
      }
      // A user's Chromium not started yet has no database: the one it will make (and then read) is
      // made now, so it trusts the root from its first start. (Root's browsers have the policies.)
      if (platform === "linux" && !elevated && !options.runner && !options.nssDbs?.length && (await chromiumPolicyDirs()).length > 0) {
        const home = options.home ?? homedir();
        if (!dirs.some((d) => d === join(home, ".pki/nssdb") || d === join(home, CHROMIUM_NEW_NSSDB))) stores.push(new NssStore(join(home, CHROMIUM_NEW_NSSDB), { create: true }));
      }
      return stores;
    }
    // privilege/userJob.ts's "find" request and the part of its answer this layer reads (it may not import that module).
    const request = { kind: "find", home: account.home, thunderbirdRoots: [] as string[], ...(options.nssDbs?.length ? { nssDbs: options.nssDbs } : {}) };
    const found = await runAsUser<{ nss: Array<{ dir: string; refused?: string }> }>(account, request, { what: "looking for NSS databases", failure: "CA_INSTALL_FAILED" });
    const asUser = runCommandAs(account);
    return found.nss.map(({ dir, refused }) => (refused ? new RefusedStore("nss", dir, refused) : new NssStore(dir, { runner: asUser, create: Boolean(options.nssDbs?.length) })));
  };
  if (options.choice === "nss") {
    const stores = await nss();
    if (stores.length === 0) throw new RelayError("CLIENT_NOT_FOUND", "no NSS database found (Thunderbird, Firefox or Chromium profile); give one with --nss-db DIR");
    return stores;
  }
  switch (platform) {
    case "linux": {
      if (options.choice === "user") return nss();
      const family = await detectLinuxFamily();
      if (!family) throw new RelayError("CA_INSTALL_FAILED", "no supported system trust tool found (update-ca-certificates or update-ca-trust)");
      const system = new LinuxSystemStore({ family, runner, elevate: !elevated });
      // As root, the browsers' and Thunderbird's enterprise policies too: a profile first made
      // after onboarding has no database to add the root to, and neither Chromium nor Firefox
      // reads the system store (browserPolicies.ts).
      const policies = elevated && !options.runner ? await browserPolicyStores(options.policyRoots) : [];
      return options.choice === "system" ? [system, ...policies] : [system, ...policies, ...(await nss())];
    }
    case "win32": {
      const scope = options.choice === "system" || (options.choice === "auto" && elevated) ? "machine" : "user";
      return [new WindowsStore(scope, { runner })];
    }
    case "darwin": {
      const scope = options.choice === "system" || (options.choice === "auto" && elevated) ? "system" : "login";
      return [new MacStore(scope, { runner, interactive: options.interactive ?? true })];
    }
    default:
      throw new RelayError("CA_INSTALL_FAILED", `trust stores on ${platform} are not supported`);
  }
}
