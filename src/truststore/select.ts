// Which stores a request means on this machine. `auto` is what a user of the OS needs: on Linux
// the system store plus every NSS database found (Thunderbird, Firefox, Chromium); on Windows the
// user's Root store (the machine's when elevated); on macOS the login keychain (System when elevated).
import { windowsTool } from "../systemTools.js";
import { RelayError } from "../errors.js";
import { detectLinuxFamily, LinuxSystemStore } from "./linux.js";
import { MacStore } from "./macos.js";
import { findNssDatabases, NssStore } from "./nss.js";
import { runCommand, runCommandAs, type Runner } from "../processRunner.js";
import { actingFor, runAsUser } from "../privilege/forUser.js";
import type { FoundForUser, UserRequest } from "../privilege/userJob.js";
import { RefusedStore } from "./refused.js";
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
}

export async function isElevated(platform: NodeJS.Platform = process.platform, runner: Runner = runCommand): Promise<boolean> {
  if (platform === "win32") return (await runner(windowsTool("net.exe"), ["session"])).code === 0;
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
      return dirs.map((dir) => new NssStore(dir, { runner, create: Boolean(options.nssDbs?.length) }));
    }
    const request: UserRequest = { kind: "find", home: account.home, thunderbirdRoots: [], ...(options.nssDbs?.length ? { nssDbs: options.nssDbs } : {}) };
    const found = await runAsUser<FoundForUser>(account, request, { what: "looking for NSS databases", failure: "CA_INSTALL_FAILED" });
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
      return options.choice === "system" ? [system] : [system, ...(await nss())];
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
