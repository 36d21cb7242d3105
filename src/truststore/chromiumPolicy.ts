// Chromium's (and Google Chrome's) managed policy as a trust store (Linux, as root): the
// `CACertificates` policy — TLS roots Chromium trusts on top of its own root store, base64 DER —
// in a file of our own in the managed-policy folder, so every user's browser trusts the root from
// its next start, including a profile first made after onboarding (Chromium 156 measured: the
// system store alone is not read). Chromium reads every *.json there; when two files set the same
// policy only one applies, so a CACertificates IT already sets elsewhere is never shadowed: install
// refuses and says to add the root to IT's own list.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../certs/pem.js";
import { RelayError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { requireRootOwnedPath } from "../fs/systemPath.js";
import { guardWrite } from "../fs/writeFailure.js";
import { makeFolder } from "../fs/makeFolder.js";
import { identifyDer } from "./accept.js";
import { confirmChange, lockedIn } from "./common.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";

const FILE = "relay-onboard.json";
const MAX_BYTES = 1024 * 1024;
const exists = (path: string) => stat(path).then(() => true, () => false);

/** Managed-policy folders, each with where its browser is installed. */
export const CHROMIUM_POLICY_DIRS = [
  { browser: "Chromium", dir: "/etc/chromium/policies/managed", installed: ["/usr/lib/chromium", "/usr/lib64/chromium", "/usr/lib/chromium-browser"] },
  { browser: "Google Chrome", dir: "/etc/opt/chrome/policies/managed", installed: ["/opt/google/chrome"] },
] as const;

/** The managed-policy folders of the Chromium browsers installed here. */
export async function chromiumPolicyDirs(dirs: ReadonlyArray<{ dir: string; installed: readonly string[] }> = CHROMIUM_POLICY_DIRS): Promise<string[]> {
  const found: string[] = [];
  for (const { dir, installed } of dirs) {
    for (const path of installed) {
      if (await exists(path)) {
        found.push(dir);
        break;
      }
    }
  }
  return found;
}

/** The CACertificates list of one policy file (undefined: the file does not set it, or is not JSON Chromium reads). */
function caCertificates(text: string): string[] | undefined {
  try {
    // null, a list or a string has no such member: undefined (JSON.parse makes no prototype getters).
    const list = (JSON.parse(text) as Record<string, unknown> | null)?.["CACertificates"];
    return Array.isArray(list) ? list.filter((e): e is string => typeof e === "string") : undefined;
  } catch {
    return undefined;
  }
}

const shaOfBase64 = (b64: string) => sha256Hex(Buffer.from(b64, "base64"));

export class ChromiumPolicyStore implements TrustStore {
  readonly store = "chromium-policy";
  readonly location: string;

  constructor(readonly dir: string) {
    this.location = join(dir, FILE);
  }

  /** Every policy file in the folder with its CACertificates (ours included). */
  private async files(): Promise<Array<{ path: string; list: string[] }>> {
    const out: Array<{ path: string; list: string[] }> = [];
    for (const name of (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json")).sort()) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.size > MAX_BYTES) continue;
      const list = caCertificates(await readFile(path, "utf8"));
      if (list) out.push({ path, list });
    }
    return out;
  }

  private async ours(): Promise<string[]> {
    return (await this.files()).find((f) => f.path === this.location)?.list ?? [];
  }

  async status(ca: AcceptedCa): Promise<StoreResult> {
    return { store: this.store, location: this.location, installed: (await this.trustedCopies(ca.sha256)).length > 0, changed: false };
  }

  private async write(list: string[]): Promise<void> {
    await requireRootOwnedPath(this.location, "Chromium's managed policy file");
    await guardWrite("CA_INSTALL_FAILED", this.dir, "Chromium's managed policy file", async () => {
      if (list.length === 0) return rm(this.location, { force: true });
      await makeFolder(this.dir, 0o755);
      await writeFileAtomic(this.location, `${JSON.stringify({ CACertificates: list }, null, 2)}\n`, { mode: 0o644 });
    });
  }

  private locked<T>(change: () => Promise<T>): Promise<T> {
    return lockedIn(this.dir, "Chromium's managed policy", change);
  }

  async install(ca: AcceptedCa): Promise<StoreResult> {
    const before = await this.status(ca);
    if (before.installed) return before;
    await requireRootOwnedPath(this.location, "Chromium's managed policy file");
    await guardWrite("CA_INSTALL_FAILED", this.dir, "Chromium's managed policy folder", () => makeFolder(this.dir, 0o755));
    return this.locked(() => this.installNow(ca));
  }

  private async installNow(ca: AcceptedCa): Promise<StoreResult> {
    const theirs = (await this.files()).find((f) => f.path !== this.location);
    if (theirs) {
      throw new RelayError("CA_INSTALL_FAILED", `${theirs.path} already sets Chromium's CACertificates policy, and Chromium applies only one file's list: add the organisation's root (SHA-256 ${ca.sha256}) to that list`);
    }
    await this.write([...(await this.ours()), ca.der.toString("base64")]);
    return { ...(await confirmChange(this, ca, true, "Chromium's managed policy")), handle: this.location };
  }

  remove(ca: AcceptedCa): Promise<StoreResult> {
    return this.locked(() => this.removeNow(ca));
  }

  private async removeNow(ca: AcceptedCa): Promise<StoreResult> {
    const list = await this.ours();
    const kept = list.filter((b64) => shaOfBase64(b64) !== ca.sha256);
    if (kept.length !== list.length) await this.write(kept);
    const others = await this.trustedCopies(ca.sha256);
    return { store: this.store, location: this.location, installed: others.length > 0, changed: kept.length !== list.length, handle: this.location, ...(others.length ? { message: `also installed by someone else: left in place (${others.join(", ")})` } : {}) };
  }

  async find(sha256: string, organization: string): Promise<AcceptedCa | undefined> {
    const b64 = (await this.ours()).find((e) => shaOfBase64(e) === sha256);
    return b64 ? identifyDer(Buffer.from(b64, "base64"), organization) : undefined;
  }

  async trustedCopies(sha256: string): Promise<string[]> {
    return (await this.files()).filter((f) => f.list.some((b64) => shaOfBase64(b64) === sha256)).map((f) => `${f.path} (CACertificates)`);
  }
}
