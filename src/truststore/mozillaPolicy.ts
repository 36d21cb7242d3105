// Firefox's and Thunderbird's enterprise policy as a trust store (Linux, as root): `policies.json`
// with Certificates → Install makes every profile — also one first made after onboarding, where no
// certificate database existed to add the root to — trust the organisation's root. Firefox ESR 153
// and Thunderbird read /etc/<app>/policies/policies.json when it exists (it then shadows the
// installation's distribution file), which is where a new file goes. IT's other policies are kept
// (the merge is policiesJson.ts's, shared with Thunderbird's); the certificate sits in `certificates/` beside
// the file, named for its fingerprint, and is listed by absolute path.
import { readFile, rm, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join } from "node:path";
import { pemBlocksDer, sha256Hex } from "../certs/pem.js";
import { RelayError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { keepBackup } from "../fs/backup.js";
import { requireRootOwnedPath } from "../fs/systemPath.js";
import { guardWrite } from "../fs/writeFailure.js";
import { makeFolder } from "../fs/makeFolder.js";
import { installList, mergePolicies } from "./policiesJson.js";
import { identifyDer } from "./accept.js";
import { confirmChange, lockedIn } from "./common.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

const OURS = /^relay-onboard-root-[0-9a-f]{16}\.pem$/;
const MAX_BYTES = 4 * 1024 * 1024;
const exists = (path: string) => stat(path).then(() => true, () => false);

export type MozillaApp = "firefox" | "thunderbird";

/** Where each app is installed on Linux (any one present means the app is here). */
export const MOZILLA_INSTALL_DIRS: Record<MozillaApp, string[]> = {
  firefox: ["/usr/lib/firefox-esr", "/usr/lib/firefox", "/usr/lib64/firefox", "/opt/firefox", "/snap/firefox"],
  thunderbird: ["/usr/lib/thunderbird", "/usr/lib64/thunderbird", "/opt/thunderbird", "/snap/thunderbird"],
};

/**
 * The policies.json the app reads, or undefined when the app is not installed: the system file
 * whenever it exists, else an installation's distribution file, else a new system file.
 */
export async function mozillaPolicyFile(app: MozillaApp, options: { etc?: string; installDirs?: string[] } = {}): Promise<string | undefined> {
  const system = join(options.etc ?? "/etc", app, "policies", "policies.json");
  if (await exists(system)) return system;
  const dirs = options.installDirs ?? MOZILLA_INSTALL_DIRS[app];
  for (const dir of dirs) if (await exists(join(dir, "distribution", "policies.json"))) return join(dir, "distribution", "policies.json");
  for (const dir of dirs) if (await exists(dir)) return system;
  return undefined;
}

export class MozillaPolicyStore implements TrustStore {
  readonly store: string;

  constructor(
    readonly app: MozillaApp,
    readonly location: string,
  ) {
    this.store = `${app}-policy`;
  }

  private get certDir(): string {
    return join(dirname(this.location), "certificates");
  }

  private ourPath(sha256: string): string {
    return join(this.certDir, `relay-onboard-root-${sha256.slice(0, 16)}.pem`);
  }

  private readonly isOurs = (entry: string) => dirname(entry) === this.certDir && OURS.test(basename(entry));

  /** The file's text and its Certificates → Install list (BAD_INPUT for a file the app would not read). */
  private async read(): Promise<{ text: string | undefined; install: string[] }> {
    const info = await stat(this.location).catch(() => undefined);
    if (!info) return { text: undefined, install: [] };
    if (!info.isFile() || info.size > MAX_BYTES) throw new RelayError("BAD_INPUT", `${this.location} is not a policies file (not a regular file, or over ${MAX_BYTES} bytes)`);
    const text = await readFile(this.location, "utf8");
    return { text, install: installList(text, this.location) };
  }

  /** The certificates an Install entry names (an absolute path, or a name in `certificates/`). */
  private async certificatesOf(entry: string): Promise<Buffer[]> {
    const path = isAbsolute(entry) ? entry : join(this.certDir, entry);
    const data = await readFile(path).catch(() => undefined);
    if (!data) return [];
    const pem = pemBlocksDer(data.toString("latin1"));
    return pem.length > 0 ? pem : [data];
  }

  private async entriesWith(sha256: string): Promise<string[]> {
    const { install } = await this.read();
    const found: string[] = [];
    for (const entry of install) if ((await this.certificatesOf(entry)).some((der) => sha256Hex(der) === sha256)) found.push(entry);
    return found;
  }

  async status(ca: AcceptedCa): Promise<StoreResult> {
    const entries = await this.entriesWith(ca.sha256);
    return { store: this.store, location: this.location, installed: entries.length > 0, changed: false };
  }

  /** Writes only along real, root-owned folders (fs/systemPath.ts): /etc is not a user's to redirect. */
  private async guardPaths(): Promise<void> {
    await requireRootOwnedPath(this.location, `${this.app}'s policies file`);
    await requireRootOwnedPath(join(this.certDir, "x.pem"), `${this.app}'s policy certificates folder`);
  }

  /** Nothing but our roots (a file we made): no backup of it is kept. */
  private onlyOurs(text: string): boolean {
    return JSON.stringify(JSON.parse(mergePolicies(text, [], this.isOurs, this.location))) === JSON.stringify({ policies: { Certificates: { Install: [] } } });
  }

  private async writePolicies(before: string | undefined, after: string | undefined): Promise<void> {
    if (after === before) return;
    await guardWrite("CA_INSTALL_FAILED", dirname(this.location), `${this.app}'s policies.json`, async () => {
      // IT's file is kept as it was beside the new one (fs/backup.ts), as for Thunderbird's policies.
      if (before !== undefined && !this.onlyOurs(before)) await keepBackup(this.location, new Date().toISOString().replace(/[:.]/g, "-"));
      if (after === undefined) await rm(this.location, { force: true });
      else await writeFileAtomic(this.location, after, { mode: 0o644 });
    });
  }

  private locked<T>(change: () => Promise<T>): Promise<T> {
    return lockedIn(dirname(this.location), `${this.app}'s policies`, change);
  }

  async install(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (before.installed) return before;
    await this.guardPaths();
    await guardWrite("CA_INSTALL_FAILED", dirname(this.location), `${this.app}'s policies folder`, () => makeFolder(dirname(this.location), 0o755));
    return this.locked(() => this.installNow(ca));
  }

  private async installNow(ca: AcceptedCa): Promise<StoreResult> {
    const { text, install } = await this.read();
    const path = this.ourPath(ca.sha256);
    // The certificate first: the app must find every file it is told to install.
    await guardWrite("CA_INSTALL_FAILED", this.certDir, `the root certificate for ${this.app}'s policies`, async () => {
      await makeFolder(this.certDir, 0o755);
      await writeFileAtomic(path, ca.pem.trim() + "\n", { mode: 0o644 });
    });
    await this.writePolicies(text, mergePolicies(text, [...install.filter(this.isOurs).filter((e) => e !== path), path], this.isOurs, this.location));
    return { ...(await confirmChange(this, ca, true, `${this.app}'s policies.json`)), handle: path };
  }

  remove(ca: AcceptedCa, recorded?: string): Promise<StoreResult> {
    return this.locked(() => this.removeNow(ca, recorded));
  }

  private async removeNow(ca: AcceptedCa, recorded?: string): Promise<StoreResult> {
    const path = recorded && this.isOurs(recorded) ? recorded : this.ourPath(ca.sha256);
    const { text, install } = await this.read();
    const listed = install.includes(path);
    const onDisk = await exists(path);
    if (listed || onDisk) await this.guardPaths();
    if (listed) {
      const merged = mergePolicies(text, install.filter(this.isOurs).filter((e) => e !== path), this.isOurs, this.location);
      // A file left with nothing but an empty list goes (the app then reads its defaults, as before).
      const empty = JSON.stringify(JSON.parse(merged)) === JSON.stringify({ policies: { Certificates: { Install: [] } } });
      await this.writePolicies(text, empty ? undefined : merged);
    }
    if (onDisk) await rm(path, { force: true });
    const others = await this.trustedCopies(ca.sha256);
    return { store: this.store, location: this.location, installed: others.length > 0, changed: listed || onDisk, handle: path, ...(others.length ? { message: `also installed by someone else: left in place (${others.join(", ")})` } : {}) };
  }

  async find(sha256: string, organization: string, recorded?: string): Promise<AcceptedCa | undefined> {
    const path = recorded && this.isOurs(recorded) ? recorded : this.ourPath(sha256);
    const { install } = await this.read();
    if (!install.includes(path)) return undefined;
    const der = (await this.certificatesOf(path)).find((d) => sha256Hex(d) === sha256);
    return der ? identifyDer(der, organization) : undefined;
  }

  async trustedCopies(sha256: string): Promise<string[]> {
    return (await this.entriesWith(sha256)).map((entry) => `${this.location} (Certificates.Install: ${entry})`);
  }
}
