// Per-user locations, following each platform's convention.
import { homedir } from "node:os";
import { join } from "node:path";

/** Where per-user state (the configuration rollback record) lives. */
export function userStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") return join(env["LOCALAPPDATA"] ?? join(homedir(), "AppData", "Local"), "RelayOnboard");
  if (platform === "darwin") return join(homedir(), "Library", "Application Support", "RelayOnboard");
  const xdg = env["XDG_STATE_HOME"];
  return join(xdg && xdg.startsWith("/") ? xdg : join(homedir(), ".local", "state"), "relay-onboard");
}
