// Which stores a request means on this machine. `auto` is what a user of the OS needs: on Linux
// the system store plus every NSS database found (Thunderbird, Firefox, Chromium); on Windows the
// user's Root store (the machine's when elevated); on macOS the login keychain (System when elevated).
import { windowsTool } from "../systemTools.js";
import { RelayError } from "../errors.js";
import { detectLinuxFamily, LinuxSystemStore } from "./linux.js";
import { MacStore } from "./macos.js";
import { findNssDatabases, NssStore } from "./nss.js";
import { runCommand, runCommandAs, type Account, type Runner } from "../processRunner.js";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
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

/**
 * The account root acts for: the owner of the home it works in, when that is not root. (Unix only;
 * undefined when this process is not root, or the home is root's own.)
 */
export async function homeOwner(home: string = homedir()): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const s = await stat(home).catch(() => undefined);
  return s && s.uid !== 0 ? { uid: s.uid, gid: s.gid, home } : undefined;
}

export async function selectStores(options: SelectOptions): Promise<TrustStore[]> {
  const platform = options.platform ?? process.platform;
  const runner = options.runner ?? runCommand;
  const elevated = await isElevated(platform, runner);
  const nss = async () => {
    const dirs = options.nssDbs?.length ? options.nssDbs : await findNssDatabases(options.home);
    // Root working in a user's home runs certutil as that user: NSS loads the modules a database's
    // pkcs11.txt names (and a libnssckbi.so beside it), which must never run as root.
    const owner = options.runner || platform === "win32" ? undefined : await homeOwner(options.home);
    const nssRunner = owner ? runCommandAs(owner) : runner;
    return dirs.map((dir) => new NssStore(dir, { runner: nssRunner, create: Boolean(options.nssDbs?.length) }));
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
