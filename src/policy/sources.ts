// Where managed policy lives on each OS. @vscode/policy-watcher was considered: it covers Windows
// and macOS only, builds native code (no prebuilt binaries reach our build machines) and watches for
// changes we do not need; reading the three sources directly is small and testable with real exports.
import { readFile } from "node:fs/promises";
import { readTextFile } from "../fs/text.js";
import { userInfo } from "node:os";
import { join } from "node:path";
import { RelayError } from "../errors.js";
import { parseJsonStrict } from "../config/json.js";
import { runCommand, type Runner } from "../processRunner.js";
import { validatePolicy, type Policy, type RawPolicy } from "./policy.js";
import { exportRegistryKey } from "../windows/registry.js";

export const LINUX_POLICY_FILE = "/etc/relay-onboard/policy.json";
export const WINDOWS_POLICY_KEYS = ["HKLM\\SOFTWARE\\Policies\\RelayOnboard", "HKCU\\SOFTWARE\\Policies\\RelayOnboard"];
export const BUNDLE_ID = "org.relayonboard.app";

const unreadable = (source: string, why: string) => new RelayError("BAD_INPUT", `managed policy ${source} cannot be read: ${why}`);

export async function readLinuxPolicy(path = LINUX_POLICY_FILE): Promise<Policy | undefined> {
  const text = await readTextFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw unreadable(path, err.code ?? err.message);
  });
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = parseJsonStrict(text);
  } catch (err) {
    throw unreadable(path, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw unreadable(path, "it must hold one JSON object");
  return validatePolicy(raw as RawPolicy, path);
}

/** Reads both policy keys through `reg export` (HKLM wins value by value over HKCU). */
export async function readWindowsPolicy(runner: Runner = runCommand): Promise<Policy | undefined> {
  const merged: RawPolicy = {};
  const sources: string[] = [];
  for (const key of WINDOWS_POLICY_KEYS) {
    let values: Map<string, unknown>;
    try {
      const exported = await exportRegistryKey(key, runner, { strict: true });
      if (!exported) continue; // the key does not exist
      values = exported().values;
    } catch (err) {
      throw unreadable(key, (err as Error).message);
    }
    for (const [name, value] of values) if (!(name in merged)) merged[name] = value;
    if (values.size > 0) sources.push(key);
  }
  return sources.length ? validatePolicy(merged, sources.join(" + ")) : undefined;
}

/** Managed preferences: values forced by MDM for the app's bundle id (machine-wide, then this user). */
export async function readMacPolicy(options: { root?: string; user?: string } = {}): Promise<Policy | undefined> {
  const root = options.root ?? "/Library/Managed Preferences";
  const user = options.user ?? userInfo().username;
  const merged: RawPolicy = {};
  const sources: string[] = [];
  for (const path of [join(root, `${BUNDLE_ID}.plist`), join(root, user, `${BUNDLE_ID}.plist`)]) {
    const data = await readFile(path).catch(() => undefined);
    if (!data) continue;
    const values = await parseManagedPlist(data, path);
    for (const [name, value] of Object.entries(values)) if (!(name in merged)) merged[name] = value;
    sources.push(path);
  }
  return sources.length ? validatePolicy(merged, sources.join(" + ")) : undefined;
}

export async function parseManagedPlist(data: Buffer, source: string): Promise<RawPolicy> {
  let parsed: unknown;
  try {
    const plist = await import("plist"); // macOS only: not loaded elsewhere
    parsed = data.subarray(0, 8).toString("latin1") === "bplist00" ? plist.parseBinary(data) : plist.parse(data.toString("utf8"));
  } catch (err) {
    throw unreadable(source, (err as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw unreadable(source, "it must hold a dictionary");
  // Profile bookkeeping keys (Payload…) can travel with custom settings; every other key is ours
  // and is checked by name.
  return Object.fromEntries(Object.entries(parsed as RawPolicy).filter(([k]) => !k.startsWith("Payload")));
}

export async function loadPolicy(options: { platform?: NodeJS.Platform; runner?: Runner; linuxFile?: string; macRoot?: string } = {}): Promise<Policy | undefined> {
  const platform = options.platform ?? process.platform;
  if (platform === "win32") return readWindowsPolicy(options.runner);
  if (platform === "darwin") return readMacPolicy(options.macRoot ? { root: options.macRoot } : {});
  return readLinuxPolicy(options.linuxFile ?? LINUX_POLICY_FILE);
}
