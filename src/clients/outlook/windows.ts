// Finding classic Outlook on Windows, noticing when the new Outlook is in use (it cannot import a
// PRF), and applying a PRF with OUTLOOK.EXE /importprf. The registry is read through `reg export`
// (src/windows/registry.ts), like managed policy.
import { RelayError } from "../../errors.js";
import { runCommand, type Runner } from "../../processRunner.js";
import { exportRegistryKey } from "../../windows/registry.js";

export const APP_PATH_KEY = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\OUTLOOK.EXE";
export const OUTLOOK_KEY = "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook";

export interface OutlookInstall {
  classicPath?: string;
  newOutlookInUse: boolean;
  profiles: string[];
  defaultProfile?: string;
}

export async function detectOutlook(runner: Runner = runCommand): Promise<OutlookInstall> {
  const app = await exportRegistryKey(APP_PATH_KEY, runner);
  const path = app?.().values.get("(Default)");
  const classicPath = typeof path === "string" ? path.replace(/^"|"$/g, "") : undefined;
  // One export of the Outlook key holds the default profile, Preferences and the profile names.
  const outlook = await exportRegistryKey(OUTLOOK_KEY, runner);
  const defaultProfile = outlook?.().values.get("DefaultProfile");
  return {
    ...(classicPath ? { classicPath } : {}),
    newOutlookInUse: outlook?.("Preferences").values.get("UseNewOutlook") === 1,
    profiles: outlook?.("Profiles").subkeys ?? [],
    ...(typeof defaultProfile === "string" && defaultProfile ? { defaultProfile } : {}),
  };
}

export async function applyPrf(install: OutlookInstall, prfPath: string, runner: Runner = runCommand): Promise<void> {
  if (!install.classicPath) throw new RelayError("CLIENT_NOT_FOUND", "classic Outlook is not installed on this computer");
  const r = await runner(install.classicPath, ["/importprf", prfPath]);
  if (r.code !== 0) throw new RelayError("CLIENT_WRITE_FAILED", `Outlook could not import the profile (exit ${r.code})`, { command: "OUTLOOK.EXE /importprf" });
}
