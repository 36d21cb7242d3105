// Finding classic Outlook on Windows, noticing when the new Outlook is in use (it cannot import a
// PRF), and applying a PRF with OUTLOOK.EXE /importprf. All through `reg query`, whose output is
// parsed by value name and type (those are not localised).
import { RelayError } from "../../diagnostics/codes.js";
import { runCommand, type Runner } from "../../truststore/run.js";

export const APP_PATH_KEY = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\OUTLOOK.EXE";
export const PREFERENCES_KEY = "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\Preferences";
export const OUTLOOK_KEY = "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook";
export const PROFILES_KEY = `${OUTLOOK_KEY}\\Profiles`;

export interface RegValue {
  type: string;
  value: string;
}

/** Values from `reg query` output: "    Name    REG_TYPE    data" lines ("(Default)" for the unnamed one). */
export function parseRegValues(output: string): Map<string, RegValue> {
  const values = new Map<string, RegValue>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s{2,}(.+?)\s{2,}(REG_[A-Z_]+)\s{2,}(.*)$/.exec(line) ?? /^\s{2,}(.+?)\s{2,}(REG_[A-Z_]+)\s*$/.exec(line);
    if (match) values.set(match[1]!, { type: match[2]!, value: (match[3] ?? "").trim() });
  }
  return values;
}

/** Subkey names listed by `reg query KEY` (lines that are full key paths under it). */
export function parseRegSubkeys(output: string, key: string): string[] {
  // reg prints the long hive names; our keys use the short ones.
  const short = (k: string) => k.replace(/^HKEY_CURRENT_USER\\/i, "HKCU\\").replace(/^HKEY_LOCAL_MACHINE\\/i, "HKLM\\");
  const prefix = `${short(key)}\\`.toLowerCase();
  return output
    .split(/\r?\n/)
    .map((l) => short(l.trim()))
    .filter((l) => l.toLowerCase().startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

export interface OutlookInstall {
  classicPath?: string;
  newOutlookInUse: boolean;
  profiles: string[];
  defaultProfile?: string;
}

export async function detectOutlook(runner: Runner = runCommand): Promise<OutlookInstall> {
  const query = (args: string[]) => runner("reg.exe", ["query", ...args]);
  const app = await query([APP_PATH_KEY, "/ve"]);
  const classicPath = app.code === 0 ? parseRegValues(app.stdout).get("(Default)")?.value.replace(/^"|"$/g, "") : undefined;
  const prefs = await query([PREFERENCES_KEY, "/v", "UseNewOutlook"]);
  const flag = prefs.code === 0 ? parseRegValues(prefs.stdout).get("UseNewOutlook")?.value : undefined;
  const profilesOut = await query([PROFILES_KEY]);
  const defaultOut = await query([OUTLOOK_KEY, "/v", "DefaultProfile"]);
  const defaultProfile = defaultOut.code === 0 ? parseRegValues(defaultOut.stdout).get("DefaultProfile")?.value : undefined;
  return {
    ...(classicPath ? { classicPath } : {}),
    newOutlookInUse: flag !== undefined && Number(flag) === 1,
    profiles: profilesOut.code === 0 ? parseRegSubkeys(profilesOut.stdout, PROFILES_KEY) : [],
    ...(defaultProfile ? { defaultProfile } : {}),
  };
}

export async function applyPrf(install: OutlookInstall, prfPath: string, runner: Runner = runCommand): Promise<void> {
  if (!install.classicPath) throw new RelayError("CLIENT_NOT_FOUND", "classic Outlook is not installed on this computer");
  const r = await runner(install.classicPath, ["/importprf", prfPath]);
  if (r.code !== 0) throw new RelayError("CLIENT_NOT_FOUND", `Outlook could not import the profile (exit ${r.code})`);
}
