// Per-user locations, following each platform's convention.
import { homedir } from "node:os";
import { join, win32 } from "node:path";
import { actingForSync } from "./privilege/forUser.js";

/**
 * Where per-user state (the configuration rollback record, the onboarding lock) lives. Root acting
 * for a user keeps it in a folder of root's, one per user: the user could rewrite (or link away)
 * anything in their own home, and root's record of the configuration version must stay root's.
 */
export function userStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, uid: number | undefined = process.getuid?.(), home: string = homedir()): string {
  const user = platform === "win32" ? undefined : actingForSync(home, uid);
  if (user !== undefined) return platform === "darwin" ? `/Library/Application Support/RelayOnboard/Users/${user}` : `/var/lib/relay-onboard/users/${user}`;
  if (platform === "win32") return join(env["LOCALAPPDATA"] ?? join(home, "AppData", "Local"), "RelayOnboard");
  if (platform === "darwin") return join(home, "Library", "Application Support", "RelayOnboard");
  const xdg = env["XDG_STATE_HOME"];
  return join(xdg && xdg.startsWith("/") ? xdg : join(home, ".local", "state"), "relay-onboard");
}

/**
 * The state folder of a run: an elevated Windows run keeps its state under %ProgramData% (created
 * and restricted by fs/privateDir.ts), never in a user's profile, where a run that was not elevated
 * may have created the folder first. Everywhere else, userStateDir().
 */
export function stateDirFor(elevated: boolean, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32" && elevated) return win32.join(env["ProgramData"] ?? "C:\\ProgramData", "RelayOnboard", "State");
  return userStateDir(env, platform);
}

