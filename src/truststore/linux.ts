// The Linux system trust store, by distribution family. Each family drops an anchor file into a
// directory and runs its refresh tool; the result is checked in the generated bundle, because
// update-ca-certificates reports success even when it skipped a file (wrong extension, bad PEM).
// Without root, the two privileged steps run in one pkexec call (one password prompt).
import { unixTool } from "../systemTools.js";
import { access, constants, readdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pemBlocksDer, singleCertificateDer, sha256Hex } from "../certs/pem.js";
import { RelayError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { requireRootOwnedPath } from "../fs/systemPath.js";
import { runCommand, type Runner } from "../processRunner.js";
import { identifyDer } from "./accept.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";
import { LINUX_CA_BUNDLES } from "../certs/systemBundle.js";

export type LinuxFamilyName = "debian" | "suse" | "fedora" | "arch";

export interface LinuxFamily {
  name: LinuxFamilyName;
  anchorsDir: string;
  extension: ".crt" | ".pem";
  /** The refresh command; `removing` asks for a full rebuild where the tool needs one. */
  refresh(removing: boolean): [string, string[]];
  /** The bundle the refresh writes, where the result is checked. */
  bundle: string;
}

export const FAMILIES: Record<LinuxFamilyName, LinuxFamily> = {
  debian: {
    name: "debian",
    anchorsDir: "/usr/local/share/ca-certificates",
    extension: ".crt", // update-ca-certificates ignores anything else
    refresh: (removing) => [unixTool("update-ca-certificates"), removing ? ["--fresh"] : []],
    bundle: LINUX_CA_BUNDLES.debian,
  },
  suse: {
    name: "suse",
    anchorsDir: "/etc/pki/trust/anchors",
    extension: ".pem",
    refresh: () => [unixTool("update-ca-certificates"), []],
    bundle: LINUX_CA_BUNDLES.suse,
  },
  fedora: {
    name: "fedora",
    anchorsDir: "/etc/pki/ca-trust/source/anchors",
    extension: ".pem",
    refresh: () => [unixTool("update-ca-trust"), ["extract"]],
    bundle: LINUX_CA_BUNDLES.fedora,
  },
  arch: {
    // p11-kit's anchors directory: what `trust anchor --store` writes to, refreshed by update-ca-trust.
    name: "arch",
    anchorsDir: "/etc/ca-certificates/trust-source/anchors",
    extension: ".crt",
    refresh: () => [unixTool("update-ca-trust"), ["extract"]],
    bundle: LINUX_CA_BUNDLES.debian,
  },
};

const exists = (path: string) => access(path).then(() => true, () => false);

/** Whether a system tool is installed, in the system folders only (never the user's PATH). */
async function installed(command: string): Promise<boolean> {
  return access(unixTool(command), constants.X_OK).then(() => true, () => false);
}

/** Detects the family from the tool actually present and its anchors directory, not from one folder. */
export async function detectLinuxFamily(): Promise<LinuxFamily | undefined> {
  if (await installed("update-ca-certificates")) {
    if (await exists(FAMILIES.suse.anchorsDir)) return FAMILIES.suse;
    if (await exists("/etc/ssl/certs")) return FAMILIES.debian;
  }
  if (await installed("update-ca-trust")) {
    if (await exists(FAMILIES.fedora.anchorsDir)) return FAMILIES.fedora;
    if (await exists("/etc/ca-certificates/trust-source")) return FAMILIES.arch;
  }
  return undefined;
}

/** The base64 body of a certificate, as it appears in a PEM bundle (line breaks removed). */
const body = (der: Buffer) => der.toString("base64");

async function bundleContains(bundle: string, ca: AcceptedCa): Promise<boolean> {
  const text = await readFile(bundle, "utf8").catch(() => "");
  return text.replace(/\s+/g, "").includes(body(ca.der));
}

/** The certificate in an anchor file (PEM or DER), or undefined when it holds not exactly one. */
async function anchorDer(path: string): Promise<Buffer | undefined> {
  const data = await readFile(path).catch(() => undefined);
  if (!data || data.length > 1024 * 1024) return undefined;
  try {
    return singleCertificateDer(data.toString("latin1"));
  } catch {
    return data[0] === 0x30 ? data : undefined;
  }
}

/**
 * Anchor files anywhere under `dir` whose certificate has this SHA-256 — subfolders too, which
 * update-ca-certificates also reads (bounded: at most 4096 entries).
 */
async function matchingAnchors(dir: string, sha256: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true }).catch(() => [] as string[])).slice(0, 4096);
  const found: string[] = [];
  for (const name of names.sort()) {
    const der = await anchorDer(join(dir, name));
    if (der && sha256Hex(der) === sha256) found.push(join(dir, name));
  }
  return found;
}

/** The anchor file the tool names for a certificate: relay-onboard-<first 16 hex of its SHA-256>. */
export const anchorName = (sha256: string, family: LinuxFamily) => `relay-onboard-${sha256.slice(0, 16)}${family.extension}`;

export interface LinuxStoreOptions {
  family: LinuxFamily;
  runner?: Runner;
  /** Run privileged steps through pkexec (when not root). */
  elevate?: boolean;
}

export class LinuxSystemStore implements TrustStore {
  readonly store = "linux-system";
  private readonly runner: Runner;

  constructor(private readonly options: LinuxStoreOptions) {
    this.runner = options.runner ?? runCommand;
  }

  get location(): string {
    return this.options.family.anchorsDir;
  }

  private result(installed: boolean, changed: boolean, where?: string): StoreResult {
    return { store: this.store, location: where ?? this.location, installed, changed };
  }

  async status(ca: AcceptedCa): Promise<StoreResult> {
    const files = await matchingAnchors(this.options.family.anchorsDir, ca.sha256);
    const inBundle = await bundleContains(this.options.family.bundle, ca);
    return this.result(files.length > 0 && inBundle, false, files[0]);
  }

  async install(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (before.installed) return before;
    const { family } = this.options;
    const target = join(family.anchorsDir, anchorName(ca.sha256, family));
    await this.privileged("install", target, ca.pem, ca.sha256);
    if (!(await bundleContains(family.bundle, ca))) {
      // Leave nothing half-done: take the anchor out again.
      await this.privileged("remove", target).catch(() => undefined);
      throw new RelayError("CA_INSTALL_FAILED", `${family.refresh(false)[0]} ran but ${family.bundle} does not contain the certificate`);
    }
    return { ...this.result(true, true, target), handle: target };
  }

  /**
   * Takes out the tool's own anchor files for this certificate (as find() names them) and refreshes.
   * Another copy (an administrator's file, a subfolder, the distribution's list) is left in place and
   * reported in the result's message.
   */
  async remove(ca: AcceptedCa, recorded?: string): Promise<StoreResult> {
    const ours = await this.ownAnchors(ca.sha256, recorded);
    for (const file of ours) await this.privileged("remove", file);
    const others = await this.trustedCopies(ca.sha256);
    const left = others.length ? `also installed by someone else: left in place (${others.join(", ")})` : undefined;
    return { ...this.result(others.length > 0, ours.length > 0, ours[0]), ...(left ? { message: left } : {}) };
  }

  async find(sha256: string, organization: string, recorded?: string): Promise<AcceptedCa | undefined> {
    const [file] = await this.ownAnchors(sha256, recorded);
    const der = file ? await anchorDer(file) : undefined;
    return der ? identifyDer(der, organization) : undefined;
  }

  async trustedCopies(sha256: string): Promise<string[]> {
    const { anchorsDir, bundle } = this.options.family;
    const files = await matchingAnchors(anchorsDir, sha256);
    if (files.length > 0) return files;
    // Not from an anchor file (the distribution's list, a file since deleted but not refreshed): the bundle itself.
    const text = await readFile(bundle, "utf8").catch(() => "");
    return pemBlocksDer(text).some((der) => sha256Hex(der) === sha256) ? [bundle] : [];
  }

  /**
   * The tool's own anchors for a certificate: the file of its own naming directly in the anchors
   * folder, and the file the install record names (only directly in that folder), each holding
   * exactly that certificate.
   */
  private async ownAnchors(sha256: string, recorded?: string): Promise<string[]> {
    const { anchorsDir } = this.options.family;
    const candidates = [join(anchorsDir, anchorName(sha256, this.options.family))];
    if (recorded && dirname(recorded) === anchorsDir && !candidates.includes(recorded)) candidates.push(recorded);
    const ours: string[] = [];
    for (const file of candidates) {
      const der = await anchorDer(file);
      if (der && sha256Hex(der) === sha256) ours.push(file);
    }
    return ours;
  }

  /** The privileged steps: write or delete an anchor, then refresh — directly as root, or via pkexec. */
  private async privileged(action: "install" | "remove" | "refresh", file?: string, content?: string, sha256?: string): Promise<void> {
    const [refreshCmd, refreshArgs] = this.options.family.refresh(action !== "install");
    if (!this.options.elevate) {
      // Root writes a system file only along real, root-owned folders (fs/systemPath.ts).
      if (file) await requireRootOwnedPath(file, "the trust anchor");
      if (action === "install") await writeFileAtomic(file!, content!, { mode: 0o644 });
      if (action === "remove") await rm(file!, { force: true });
      return this.check(await this.runner(refreshCmd, refreshArgs), refreshCmd);
    }
    const r = await this.runner(unixTool("pkexec"), pkexecArgs(action, refreshCmd, refreshArgs, file ? { file, ...(content ? { pem: content } : {}), ...(sha256 ? { sha256 } : {}) } : undefined));
    if (r.code === 126 || r.code === 127) {
      throw new RelayError("CA_INSTALL_FAILED", "administrator approval was declined or is not available (pkexec); run the command as root instead, e.g. with sudo");
    }
    this.check(r, refreshCmd);
  }

  private check(r: { code: number; stderr: string }, command: string): void {
    if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `${command} failed (exit ${r.code}): ${r.stderr.trim().split("\n").pop() ?? ""}`);
  }
}

/**
 * The privileged side of an install (run through pkexec as root): the certificate travels in the
 * argument list — which the user cannot change once pkexec runs — never as a file the user could
 * swap while the password prompt is open. Root accepts exactly one certificate, re-encodes it with
 * openssl (nothing else in the argument reaches the store), checks the re-encoded one's SHA-256
 * against the pin and that it is a CA, and only then moves it into place in the (root-owned)
 * anchors folder — a rename replaces a planted link instead of following it — and refreshes.
 * $1 PEM, $2 pinned SHA-256, $3 target, then the refresh command and its arguments.
 */
export const PRIVILEGED_INSTALL = [
  "set -u",
  "PATH=/usr/sbin:/usr/bin:/sbin:/bin; umask 022",
  '[ "$(printf "%s\\n" "$1" | grep -c -e "-----BEGIN")" = 1 ] || { echo "exactly one certificate is expected" >&2; exit 3; }',
  'tmp=$(mktemp "$(dirname -- "$3")/.relay-onboard.XXXXXX") || exit 1',
  'printf "%s\\n" "$1" | openssl x509 -outform PEM -out "$tmp" 2>/dev/null || { rm -f -- "$tmp"; echo "not a certificate" >&2; exit 3; }',
  'chmod 644 "$tmp"',
  'fp=$(openssl x509 -in "$tmp" -noout -fingerprint -sha256 | sed "s/^.*=//; s/://g" | tr A-F a-f)',
  '[ "$fp" = "$2" ] || { rm -f -- "$tmp"; echo "the certificate is not the pinned one" >&2; exit 3; }',
  'openssl x509 -in "$tmp" -noout -ext basicConstraints 2>/dev/null | grep -q "CA:TRUE" || { rm -f -- "$tmp"; echo "not a CA certificate" >&2; exit 3; }',
  'mv -f -- "$tmp" "$3" || { rm -f -- "$tmp"; exit 1; }',
  "shift 3; exec \"$@\"",
].join("\n");

/**
 * One pkexec invocation for a privileged step: a fixed shell script with everything else passed as
 * positional parameters, so nothing is ever interpreted by the shell.
 */
export function pkexecArgs(action: "install" | "remove" | "refresh", refreshCmd: string, refreshArgs: string[], target?: { file: string; pem?: string; sha256?: string }): string[] {
  if (action === "install") return ["/bin/sh", "-c", PRIVILEGED_INSTALL, "sh", target!.pem!, target!.sha256!, target!.file, refreshCmd, ...refreshArgs];
  if (action === "remove") return ["/bin/sh", "-c", 'PATH=/usr/sbin:/usr/bin:/sbin:/bin; rm -f -- "$1" || exit 1; shift; exec "$@"', "sh", target!.file, refreshCmd, ...refreshArgs];
  return [refreshCmd, ...refreshArgs];
}
