// Windows: the Root store, current user (no admin; Windows itself asks the user to confirm) or
// local machine (elevated, e.g. from MDM). certutil.exe adds and deletes; presence is read through
// PowerShell's certificate provider by thumbprint (SHA-1), since certutil's text is localised.
import { windowsTool } from "../systemTools.js";
import { RelayError } from "../errors.js";
import { confirmChange, withTempFile } from "./common.js";
import { runCommand, type Runner } from "../processRunner.js";
import { sha256Hex } from "../certs/pem.js";
import { identifyDer } from "./accept.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

export type WindowsScope = "user" | "machine";

/** HRESULT 0x800704C7 (ERROR_CANCELLED): the user answered "No" in Windows' confirmation. */
const CANCELLED = [0x800704c7, 0x800704c7 - 0x1_0000_0000];

export function windowsArgs(scope: WindowsScope) {
  const scopeFlag = scope === "user" ? ["-user"] : [];
  const psPath = scope === "user" ? "Cert:\\CurrentUser\\Root" : "Cert:\\LocalMachine\\Root";
  return {
    add: (file: string) => [windowsTool("certutil.exe"), [...scopeFlag, "-f", "-addstore", "Root", file]] as const,
    remove: (thumbprint: string) => [windowsTool("certutil.exe"), [...scopeFlag, "-delstore", "Root", thumbprint]] as const,
    status: (thumbprint: string) =>
      [
        windowsTool("powershell.exe"),
        [
          "-NoProfile",
          "-NonInteractive",
          "-Command",
          // The thumbprint is hex we computed; the store path is a constant.
          `Get-ChildItem -LiteralPath '${psPath}' | Where-Object { $_.Thumbprint -eq '${thumbprint}' } | ForEach-Object { $_.Thumbprint }`,
        ],
      ] as const,
    /**
     * Every certificate of the store as "<thumbprint> <base64 DER> <base64 UTF-8 friendly name>"
     * lines, to find one by SHA-256 and tell ours by the friendly name the tool set.
     */
    list: () =>
      [
        windowsTool("powershell.exe"),
        [
          "-NoProfile",
          "-NonInteractive",
          "-Command",
          `Get-ChildItem -LiteralPath '${psPath}' | ForEach-Object { $_.Thumbprint + ' ' + [Convert]::ToBase64String($_.RawData) + ' ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes([string]$_.FriendlyName)) }`,
        ],
      ] as const,
    /** Sets the friendly name the tool knows its certificates by (both values are hex and letters we made). */
    name: (thumbprint: string, friendlyName: string) =>
      [
        windowsTool("powershell.exe"),
        ["-NoProfile", "-NonInteractive", "-Command", `$c = Get-Item -LiteralPath '${psPath}\\${thumbprint}'; $c.FriendlyName = '${friendlyName}'; $c.FriendlyName`],
      ] as const,
    location: psPath,
  };
}

/** The friendly name the tool gives the roots it adds: how it tells its own from an equal one someone else added. */
export const windowsFriendlyName = (sha256: string) => `Relay Onboard root ${sha256.slice(0, 16)}`;

export class WindowsStore implements TrustStore {
  readonly store: string;
  readonly location: string;
  private readonly runner: Runner;
  private readonly args: ReturnType<typeof windowsArgs>;

  constructor(
    readonly scope: WindowsScope,
    options: { runner?: Runner } = {},
  ) {
    this.store = `windows-${scope}`;
    this.args = windowsArgs(scope);
    this.location = this.args.location;
    this.runner = options.runner ?? runCommand;
  }

  private thumbprint(ca: AcceptedCa): string {
    if (!/^[0-9a-f]{40}$/.test(ca.sha1)) throw new RelayError("CA_REJECTED", "invalid SHA-1 thumbprint");
    return ca.sha1.toUpperCase();
  }

  async status(ca: AcceptedCa): Promise<StoreResult> {
    const [cmd, args] = this.args.status(this.thumbprint(ca));
    const r = await this.runner(cmd, args);
    if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `cannot read ${this.location}: ${r.stderr.trim() || `exit ${r.code}`}`);
    const installed = r.stdout.split(/\r?\n/).some((l) => l.trim().toUpperCase() === this.thumbprint(ca));
    return { store: this.store, location: this.location, installed, changed: false };
  }

  async install(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (before.installed) return before;
    await withTempFile(`${ca.label}.cer`, ca.der, async (file) => {
      const [cmd, args] = this.args.add(file);
      const r = await this.runner(cmd, args);
      if (CANCELLED.includes(r.code)) throw new RelayError("CA_INSTALL_FAILED", "the Windows security prompt was answered No; nothing was installed");
      if (r.code !== 0) {
        const hint = this.scope === "machine" ? " (the machine store needs an elevated prompt)" : "";
        throw new RelayError("CA_INSTALL_FAILED", `certutil -addstore failed with ${hex(r.code)}${hint}: ${lastLine(r.stdout, r.stderr)}`);
      }
    });
    const done = await confirmChange(this, ca, true, "certutil");
    // The friendly name marks it as ours; the install record's thumbprint does too, so a failure here costs nothing but the label.
    const name = windowsFriendlyName(ca.sha256);
    const [cmd, args] = this.args.name(this.thumbprint(ca), name);
    const named = await this.runner(cmd, args);
    const message = named.code === 0 && named.stdout.trim() === name ? undefined : `the friendly name "${name}" could not be set: ${lastLine(named.stdout, named.stderr) || `exit ${named.code}`}`;
    return { ...done, handle: this.thumbprint(ca), ...(message ? { message } : {}) };
  }

  /** Ours: the certificate with this SHA-256 carrying the tool's friendly name, or the thumbprint the install record holds. */
  async find(sha256: string, organization: string, recorded?: string): Promise<AcceptedCa | undefined> {
    const entry = (await this.list()).find((e) => sha256Hex(e.der) === sha256 && (e.friendlyName === windowsFriendlyName(sha256) || e.thumbprint === recorded?.toUpperCase()));
    return entry ? identifyDer(entry.der, organization) : undefined;
  }

  async trustedCopies(sha256: string): Promise<string[]> {
    return (await this.list()).filter((e) => sha256Hex(e.der) === sha256).map((e) => `${this.location} (thumbprint ${e.thumbprint}${e.friendlyName ? `, "${e.friendlyName}"` : ""})`);
  }

  private async list(): Promise<ListedCertificate[]> {
    const [cmd, args] = this.args.list();
    const r = await this.runner(cmd, args);
    if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `cannot read ${this.location}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return parseCertificateList(r.stdout);
  }

  async remove(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (!before.installed) return before;
    const [cmd, args] = this.args.remove(this.thumbprint(ca));
    const r = await this.runner(cmd, args);
    if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `certutil -delstore failed with ${hex(r.code)}: ${lastLine(r.stdout, r.stderr)}`);
    return { ...(await confirmChange(this, ca, false, "certutil")), handle: this.thumbprint(ca) };
  }
}

export interface ListedCertificate {
  thumbprint: string;
  der: Buffer;
  friendlyName: string;
}

/** Certificates from the `list` command's output (PowerShell may add blank lines); a line without a name has an empty one. */
export function parseCertificateList(output: string): ListedCertificate[] {
  const out: ListedCertificate[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^([0-9A-Fa-f]{40}) ([A-Za-z0-9+/=]+)(?: ([A-Za-z0-9+/=]*))?$/.exec(line.trim());
    if (m) out.push({ thumbprint: m[1]!.toUpperCase(), der: Buffer.from(m[2]!, "base64"), friendlyName: Buffer.from(m[3] ?? "", "base64").toString("utf8") });
  }
  return out;
}
function hex(code: number): string {
  return `0x${(code >>> 0).toString(16).padStart(8, "0")}`;
}

function lastLine(...texts: string[]): string {
  return texts.join("\n").trim().split(/\r?\n/).filter(Boolean).pop() ?? "";
}
