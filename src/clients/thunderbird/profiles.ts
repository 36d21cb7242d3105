// Where Thunderbird keeps its profiles, and which one is in use: profiles.ini lists them, and
// installs.ini's [Install…] Default= (one per installation) wins over the Default=1 flag.
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { parse } from "ini";

export interface ThunderbirdProfile {
  name: string;
  path: string;
  isDefault: boolean;
}

/** Profile roots to look in, per platform (classic, then XDG, snap and flatpak on Linux). */
export function thunderbirdRoots(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  if (platform === "win32") return [join(env["APPDATA"] ?? join(home, "AppData", "Roaming"), "Thunderbird")];
  if (platform === "darwin") return [join(home, "Library", "Thunderbird")];
  const xdg = env["XDG_CONFIG_HOME"] && isAbsolute(env["XDG_CONFIG_HOME"]) ? env["XDG_CONFIG_HOME"] : join(home, ".config");
  return [
    join(home, ".thunderbird"),
    join(xdg, "thunderbird"),
    join(home, "snap", "thunderbird", "common", ".thunderbird"),
    join(home, ".var", "app", "org.mozilla.Thunderbird", ".thunderbird"),
  ];
}

async function readIni(path: string): Promise<Record<string, Record<string, string>> | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed: Record<string, Record<string, string>> = parse(text);
  return parsed;
}

/** Profiles listed under one root; nothing is written. */
export async function listProfiles(root: string): Promise<ThunderbirdProfile[]> {
  const profilesIni = await readIni(join(root, "profiles.ini"));
  if (!profilesIni) return [];
  const installs = await readIni(join(root, "installs.ini"));
  const installDefaults = new Set<string>();
  for (const [section, values] of Object.entries(profilesIni)) {
    if (section.startsWith("Install") && values["Default"]) installDefaults.add(values["Default"]);
  }
  for (const values of Object.values(installs ?? {})) if (values["Default"]) installDefaults.add(values["Default"]);
  const found: Array<{ name: string; path: string; iniPath: string; flagged: boolean }> = [];
  for (const [section, values] of Object.entries(profilesIni)) {
    if (!section.startsWith("Profile") || !values["Path"]) continue;
    const path = values["IsRelative"] !== "0" ? join(root, values["Path"]) : values["Path"];
    if (!(await stat(path).then((s) => s.isDirectory(), () => false))) continue;
    found.push({ name: values["Name"] ?? values["Path"], path, iniPath: values["Path"], flagged: values["Default"] === "1" });
  }
  // An [Install…] default wins; Default=1 counts only when no installation names one.
  const chosen = found.find((p) => installDefaults.has(p.iniPath)) ?? found.find((p) => p.flagged) ?? (found.length === 1 ? found[0] : undefined);
  return found.map((p) => ({ name: p.name, path: p.path, isDefault: p === chosen }));
}

export async function findThunderbirdProfiles(roots = thunderbirdRoots()): Promise<ThunderbirdProfile[]> {
  const all: ThunderbirdProfile[] = [];
  for (const root of roots) all.push(...(await listProfiles(root)));
  return all;
}
