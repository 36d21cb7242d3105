// What mail clients this machine has, and their profiles — read only, nothing is written.
import { access } from "node:fs/promises";
import { findThunderbirdProfiles, thunderbirdRoots, type ThunderbirdProfile } from "./thunderbird/profiles.js";
import { detectOutlook } from "./outlook/windows.js";
import type { Runner } from "../processRunner.js";
import { homedir } from "node:os";
import { actingFor, runAsUser } from "../privilege/forUser.js";
import type { FoundForUser, UserRequest } from "../privilege/userJob.js";

export interface DetectedClient {
  client: "thunderbird" | "outlook" | "apple-mail";
  installed: boolean;
  profiles: Array<{ name: string; location: string; isDefault: boolean }>;
  note?: string;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** Thunderbird's profiles under these roots; root acting for a user reads them as the user (privilege/forUser.ts). */
export async function thunderbirdProfilesFor(roots: string[], platform: NodeJS.Platform = process.platform, home: string = homedir()): Promise<ThunderbirdProfile[]> {
  const account = platform === "win32" ? undefined : await actingFor(home);
  if (!account) return findThunderbirdProfiles(roots);
  const request: UserRequest = { kind: "find", home: account.home, thunderbirdRoots: roots, nssDbs: [] };
  return (await runAsUser<FoundForUser>(account, request, { what: "looking for Thunderbird profiles", failure: "CLIENT_NOT_FOUND" })).thunderbird;
}

export async function detectClients(options: { platform?: NodeJS.Platform; runner?: Runner; thunderbirdRoots?: string[]; home?: string } = {}): Promise<DetectedClient[]> {
  const platform = options.platform ?? process.platform;
  const tb = await thunderbirdProfilesFor(options.thunderbirdRoots ?? thunderbirdRoots(platform, process.env, options.home ?? homedir()), platform, options.home);
  const clients: DetectedClient[] = [
    { client: "thunderbird", installed: tb.length > 0, profiles: tb.map((p) => ({ name: p.name, location: p.path, isDefault: p.isDefault })), ...(tb.length ? {} : { note: "no Thunderbird profile found (start Thunderbird once)" }) },
  ];
  if (platform === "win32") {
    const outlook = await detectOutlook(options.runner);
    clients.push({
      client: "outlook",
      installed: Boolean(outlook.classicPath),
      profiles: outlook.profiles.map((name) => ({ name, location: `HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\${name}`, isDefault: name === outlook.defaultProfile })),
      ...(outlook.newOutlookInUse ? { note: "the new Outlook is in use: it cannot import a PRF; settings must be entered by hand" } : {}),
    });
  }
  if (platform === "darwin") {
    const mail = (await exists("/System/Applications/Mail.app")) || (await exists("/Applications/Mail.app"));
    clients.push({ client: "apple-mail", installed: mail, profiles: [], note: "configured through a configuration profile (.mobileconfig)" });
  }
  return clients;
}
