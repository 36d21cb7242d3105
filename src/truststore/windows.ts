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
    /** Every certificate of the store as "<thumbprint> <base64 DER>" lines, to find one by SHA-256. */
    list: () =>
      [
        windowsTool("powershell.exe"),
        ["-NoProfile", "-NonInteractive", "-Command", `Get-ChildItem -LiteralPath '${psPath}' | ForEach-Object { $_.Thumbprint + ' ' + [Convert]::ToBase64String($_.RawData) }`],
      ] as const,
    location: psPath,
  };
}

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
    return confirmChange(this, ca, true, "certutil");
  }

  async find(sha256: string, organization: string): Promise<AcceptedCa | undefined> {
    const [cmd, args] = this.args.list();
    const r = await this.runner(cmd, args);
    if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `cannot read ${this.location}: ${r.stderr.trim() || `exit ${r.code}`}`);
    const der = parseCertificateList(r.stdout).find((d) => sha256Hex(d) === sha256);
    return der ? identifyDer(der, organization) : undefined;
  }

  async remove(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (!before.installed) return before;
    const [cmd, args] = this.args.remove(this.thumbprint(ca));
    const r = await this.runner(cmd, args);
    if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `certutil -delstore failed with ${hex(r.code)}: ${lastLine(r.stdout, r.stderr)}`);
    return confirmChange(this, ca, false, "certutil");
  }
}

/** Certificates from the `list` command's output (PowerShell may wrap nothing, but may add blank lines). */
export function parseCertificateList(output: string): Buffer[] {
  return output
    .split(/\r?\n/)
    .map((line) => /^[0-9A-Fa-f]{40} ([A-Za-z0-9+/=]+)$/.exec(line.trim())?.[1])
    .filter((b): b is string => b !== undefined)
    .map((b) => Buffer.from(b, "base64"));
}

function hex(code: number): string {
  return `0x${(code >>> 0).toString(16).padStart(8, "0")}`;
}

function lastLine(...texts: string[]): string {
  return texts.join("\n").trim().split(/\r?\n/).filter(Boolean).pop() ?? "";
}
