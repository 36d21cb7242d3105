// macOS: the login keychain (the OS asks for the user's password) or the System keychain
// (elevated). Presence is read from `security find-certificate -a -Z` by SHA-256. Since macOS 11 a
// script cannot make a root trusted without a person approving it: unattended installs must use a
// configuration profile with a com.apple.security.root payload (see `configure apple-mail`).
import { homedir } from "node:os";
import { join } from "node:path";
import { RelayError } from "../errors.js";
import { confirmChange, withTempFile } from "./common.js";
import { runCommand, type Runner } from "../processRunner.js";
import { pemBlocksDer, sha256Hex } from "../certs/pem.js";
import { identifyDer } from "./accept.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

export type MacScope = "login" | "system";

export const SYSTEM_KEYCHAIN = "/Library/Keychains/System.keychain";
export const loginKeychain = (home = homedir()) => join(home, "Library", "Keychains", "login.keychain-db");

export const PROFILE_ROUTE =
  "macOS lets a root certificate be trusted silently only through a configuration profile: have MDM deploy the profile from `relay-onboard configure apple-mail` (it carries the root in a com.apple.security.root payload), or run this install interactively";

export function macArgs(scope: MacScope, keychain: string) {
  return {
    find: () => ["/usr/bin/security", ["find-certificate", "-a", "-Z", keychain]] as const,
    findPem: () => ["/usr/bin/security", ["find-certificate", "-a", "-Z", "-p", keychain]] as const,
    add: (file: string) => ["/usr/bin/security", ["add-trusted-cert", ...(scope === "system" ? ["-d"] : []), "-r", "trustRoot", "-k", keychain, file]] as const,
    removeTrust: (file: string) => ["/usr/bin/security", ["remove-trusted-cert", ...(scope === "system" ? ["-d"] : []), file]] as const,
    delete: (sha1: string) => ["/usr/bin/security", ["delete-certificate", ...(scope === "login" ? ["-t"] : []), "-Z", sha1, keychain]] as const,
  };
}

/** SHA-256 fingerprints listed by `security find-certificate -a -Z` (lower case). */
export function parseFindCertificate(output: string): string[] {
  return keychainEntries(output).map((e) => e.sha256);
}

/** Each entry of `security find-certificate -a -Z`: its SHA-256 (lower case) and its keychain label ("labl"). */
export function keychainEntries(output: string): Array<{ sha256: string; label: string | undefined }> {
  const entries: Array<{ sha256: string; label: string | undefined }> = [];
  for (const line of output.split("\n")) {
    const hash = /^SHA-256 hash: ([0-9A-Fa-f]{64})\s*$/.exec(line);
    if (hash) entries.push({ sha256: hash[1]!.toLowerCase(), label: undefined });
    const label = /^\s+"labl"<blob>="(.*)"\s*$/.exec(line);
    const last = entries[entries.length - 1];
    if (label && last && last.label === undefined) last.label = label[1];
  }
  return entries;
}

export class MacStore implements TrustStore {
  readonly store: string;
  readonly location: string;
  private readonly runner: Runner;
  private readonly args: ReturnType<typeof macArgs>;

  constructor(
    readonly scope: MacScope,
    options: { runner?: Runner; keychain?: string; interactive?: boolean } = {},
  ) {
    this.store = `macos-${scope}`;
    this.location = options.keychain ?? (scope === "system" ? SYSTEM_KEYCHAIN : loginKeychain());
    this.runner = options.runner ?? runCommand;
    this.args = macArgs(scope, this.location);
    this.interactive = options.interactive ?? true;
  }
  private readonly interactive: boolean;

  async status(ca: AcceptedCa): Promise<StoreResult> {
    const entry = (await this.entries()).find((e) => e.sha256 === ca.sha256);
    return { store: this.store, location: this.location, installed: entry !== undefined, changed: false, ...(entry?.label ? { handle: entry.label } : {}) };
  }

  private async entries(): Promise<ReturnType<typeof keychainEntries>> {
    const [cmd, args] = this.args.find();
    const r = await this.runner(cmd, args);
    if (r.code !== 0 && r.stdout.trim() !== "") throw new RelayError("CA_INSTALL_FAILED", `cannot read ${this.location}: ${r.stderr.trim()}`);
    return keychainEntries(r.stdout);
  }

  async install(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (before.installed) return before;
    if (!this.interactive) throw new RelayError("CA_INSTALL_FAILED", PROFILE_ROUTE);
    await withTempFile(`${ca.label}.pem`, ca.pem, async (file) => {
      const [cmd, args] = this.args.add(file);
      const r = await this.runner(cmd, args);
      if (r.code !== 0) {
        const denied = /authorization was denied|user interaction|canceled|cancelled/i.test(r.stderr);
        throw new RelayError("CA_INSTALL_FAILED", denied ? `the password prompt was declined or could not be shown. ${PROFILE_ROUTE}` : `security add-trusted-cert failed: ${r.stderr.trim()}`);
      }
    });
    const done = await confirmChange(this, ca, true, "security");
    return { ...done, handle: (await this.status(ca)).handle ?? "" };
  }

  async trustedCopies(sha256: string): Promise<string[]> {
    return (await this.entries()).filter((e) => e.sha256 === sha256).map((e) => `${this.location}${e.label ? ` ("${e.label}")` : ""}`);
  }

  /**
   * Ours only by the install record: `security` cannot give a certificate a label of the tool's own
   * (the keychain labels it by its subject), so an entry counts when the record holds this keychain,
   * this SHA-256 and the label the entry still has.
   */
  async find(sha256: string, organization: string, recorded?: string): Promise<AcceptedCa | undefined> {
    if (recorded === undefined) return undefined;
    const entry = (await this.entries()).find((e) => e.sha256 === sha256);
    if (!entry || (entry.label ?? "") !== recorded) return undefined;
    const [cmd, args] = this.args.findPem();
    const r = await this.runner(cmd, args);
    if (r.code !== 0 && r.stdout.trim() !== "") throw new RelayError("CA_INSTALL_FAILED", `cannot read ${this.location}: ${r.stderr.trim()}`);
    // `-p` prints each entry's PEM after its hash lines.
    const der = pemBlocksDer(r.stdout).find((d) => sha256Hex(d) === sha256);
    return der ? identifyDer(der, organization) : undefined;
  }

  async remove(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (!before.installed) return before;
    await withTempFile(`${ca.label}.pem`, ca.pem, async (file) => {
      if (this.scope === "system") {
        const [cmd, args] = this.args.removeTrust(file);
        await this.runner(cmd, args); // trust settings may already be gone; the delete below decides
      }
      const [cmd, args] = this.args.delete(ca.sha1.toUpperCase());
      const r = await this.runner(cmd, args);
      if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `security delete-certificate failed: ${r.stderr.trim()}`);
    });
    return confirmChange(this, ca, false, "security");
  }
}
