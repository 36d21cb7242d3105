// NSS databases (cert9.db) through certutil from libnss3-tools: what Thunderbird uses for its own
// trust, and Firefox and Chromium on Linux. The root is added with trust "C,," (a CA trusted to
// issue server certificates; nothing for e-mail or code signing).
import { unixTool } from "../systemTools.js";
import { randomBytes } from "node:crypto";
import { link, mkdir, readdir, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { pemBlocksDer, singleCertificateDer, sha256Hex } from "../certs/pem.js";
import { RelayError } from "../errors.js";
import { confirmChange, withTempFile } from "./common.js";
import { runCommand, type Runner } from "../processRunner.js";
import { identifyDer } from "./accept.js";
import type { AcceptedCa, StoreResult, TrustStore } from "./types.js";
import { writeEvent } from "../fs/faultPoint.js";
import { cleanLeftovers } from "../fs/leftovers.js";
import { lockProfile, profileLock } from "../fs/profileLock.js";

export const SERVER_AUTH_ROOT_TRUST = "C,,";

/** The nickname: the organisation for the user to recognise, the fingerprint to make it unique. */
export function nssNickname(ca: AcceptedCa): string {
  const org = ca.organization.replace(/[^\p{L}\p{N} .,&'()-]/gu, "").trim().slice(0, 60) || "Organisation";
  return `${org} root ${ca.sha256.slice(0, 8)} (Relay Onboard)`;
}

/** Trust attributes of `nickname` from `certutil -L` output, or undefined when it is not listed. */
export function parseTrust(listing: string, nickname: string): string | undefined {
  for (const line of listing.split("\n")) {
    if (!line.startsWith(nickname)) continue;
    const rest = line.slice(nickname.length);
    const match = /^\s+([A-Za-z]*,[A-Za-z]*,[A-Za-z]*)\s*$/.exec(rest);
    if (match) return match[1];
  }
  return undefined;
}

const OURS = / root ([0-9a-f]{8}) \(Relay Onboard\)$/;

/** Nicknames in `certutil -L` output (the trust column stripped). */
export function listedNicknames(listing: string): string[] {
  return listing
    .split("\n")
    .map((line) => /^(.+?)\s+[A-Za-z]*,[A-Za-z]*,[A-Za-z]*\s*$/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined);
}

export class NssStore implements TrustStore {
  readonly store = "nss";
  private readonly runner: Runner;

  constructor(
    readonly location: string,
    options: { runner?: Runner; create?: boolean } = {},
  ) {
    this.runner = options.runner ?? runCommand;
    this.create = options.create ?? false;
    this.ownAccount = options.runner === undefined;
  }
  private readonly create: boolean;
  /** certutil runs as this process's own account: the database can be made aside and moved in. */
  private readonly ownAccount: boolean;

  private get db(): string {
    return `sql:${this.location}`;
  }

  private result(installed: boolean, changed: boolean, message?: string): StoreResult {
    return { store: this.store, location: this.location, installed, changed, ...(message ? { message } : {}) };
  }

  private async certutil(args: string[]) {
    const r = await this.runner(unixTool("certutil"), ["-d", this.db, ...args]);
    if (r.code === 127) throw new RelayError("CA_INSTALL_FAILED", "certutil is not installed (Debian/Ubuntu: apt install libnss3-tools)");
    return r;
  }

  async status(ca: AcceptedCa): Promise<StoreResult> {
    const nick = nssNickname(ca);
    const pem = await this.certutil(["-L", "-n", nick, "-a"]);
    if (pem.code !== 0) return this.result(false, false);
    let matches = false;
    try {
      matches = sha256Hex(singleCertificateDer(pem.stdout.trim())) === ca.sha256;
    } catch {
      matches = false;
    }
    const trust = parseTrust((await this.certutil(["-L"])).stdout, nick);
    const trusted = matches && trust !== undefined && trust.split(",")[0]!.includes("C");
    return this.result(trusted, false, trust ? `trust ${trust}` : undefined);
  }

  /**
   * A database inside a profile a running Thunderbird or Firefox holds is not written: the app
   * keeps it open and may write it back over us; the mail app's step says the same (CLIENT_RUNNING).
   * Only the profile's `lock` link is read (never opened), whoever this process acts for.
   */
  private async refuseWhileRunning(): Promise<void> {
    const lock = await profileLock(this.location);
    if (lock.running) throw new RelayError("CLIENT_RUNNING", `the certificate store in ${this.location} belongs to a running mail app or browser (${lock.detail}); close it and try again`);
  }

  /**
   * Changes under the profile's lock (fs/profileLock.ts), so a run with another state folder
   * never writes this database at once. Only where certutil runs as this account: a lock file
   * is never made in another account's folder.
   */
  private async locked<T>(change: () => Promise<T>): Promise<T> {
    const release = this.ownAccount ? await lockProfile(this.location) : () => Promise.resolve();
    try {
      return await change();
    } finally {
      await release();
    }
  }

  install(ca: AcceptedCa): Promise<StoreResult> {
    return this.locked(() => this.installNow(ca));
  }

  private async installNow(ca: AcceptedCa): Promise<StoreResult> {
    await this.refuseWhileRunning();
    if (this.ownAccount) await cleanLeftovers(this.location); // a database a killed run was making
    const before = await this.status(ca);
    if (before.installed) return before;
    if (!(await stat(join(this.location, "cert9.db")).catch(() => undefined))) {
      if (!this.create) throw new RelayError("CA_INSTALL_FAILED", `${this.location} holds no NSS database (cert9.db)`);
      await this.createDatabase();
    }
    await withTempFile("ca.pem", ca.pem, async (file) => {
      const r = await this.certutil(["-A", "-n", nssNickname(ca), "-t", SERVER_AUTH_ROOT_TRUST, "-a", "-i", file]);
      if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `certutil could not add the certificate to ${this.location}: ${r.stderr.trim()}`);
    });
    return { ...(await confirmChange(this, ca, true, "certutil")), handle: nssNickname(ca) };
  }

  /**
   * A new, empty database. Made in a folder of our own beside it and then linked into place —
   * key4.db before cert9.db, whose presence makes it a database — so a run killed while certutil
   * works leaves no half-made database (only a folder the next run removes). A key4.db or
   * pkcs11.txt already there (a user who deleted cert9.db to reset trust) is kept, never replaced.
   */
  private async createDatabase(): Promise<void> {
    const failed = (stderr: string) => new RelayError("CA_INSTALL_FAILED", `certutil could not create ${this.location}: ${stderr.trim()}`);
    if (!this.ownAccount) {
      const created = await this.certutil(["-N", "--empty-password"]);
      if (created.code !== 0) throw failed(created.stderr);
      return;
    }
    await mkdir(this.location, { recursive: true, mode: 0o700 }); // Chromium's database-to-be (select.ts)
    const stage = join(this.location, `.relay-onboard-nss.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    await mkdir(stage, { mode: 0o700 });
    try {
      const created = await this.runner(unixTool("certutil"), ["-d", `sql:${stage}`, "-N", "--empty-password"]);
      if (created.code === 127) throw new RelayError("CA_INSTALL_FAILED", "certutil is not installed (Debian/Ubuntu: apt install libnss3-tools)");
      if (created.code !== 0) throw failed(created.stderr);
      writeEvent("NSS database: made beside the profile");
      for (const file of ["pkcs11.txt", "key4.db", "cert9.db"]) {
        await link(join(stage, file), join(this.location, file)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "EEXIST" && !(err.code === "ENOENT" && file === "pkcs11.txt")) throw err;
        });
        writeEvent(`NSS database: ${file} in place`);
      }
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }

  remove(ca: AcceptedCa): Promise<StoreResult> {
    return this.locked(() => this.removeNow(ca));
  }

  private async removeNow(ca: AcceptedCa): Promise<StoreResult> {
    const nick = nssNickname(ca);
    if ((await this.certutil(["-L", "-n", nick])).code === 0) await this.refuseWhileRunning();
    let changed = false;
    // A nickname can hold several entries; delete until none is left (bounded).
    for (let i = 0; i < 8; i++) {
      const listed = await this.certutil(["-L", "-n", nick]);
      if (listed.code !== 0) break;
      const r = await this.certutil(["-D", "-n", nick]);
      if (r.code !== 0) throw new RelayError("CA_INSTALL_FAILED", `certutil could not delete the certificate from ${this.location}: ${r.stderr.trim()}`);
      changed = true;
    }
    const others = await this.trustedCopies(ca.sha256);
    const left = others.length ? `also installed by someone else: left in place (${others.join(", ")})` : undefined;
    return { ...this.result(others.length > 0, changed, left), handle: nick };
  }

  /**
   * One of our entries — by the nickname the tool gives, "<organisation> root <sha8> (Relay
   * Onboard)", which the install record also holds — whose certificate is exactly this one.
   */
  async find(sha256: string): Promise<AcceptedCa | undefined> {
    for (const { nick, der } of await this.entries()) {
      // The nickname's organisation part, so remove() finds the same nickname even if the name changed.
      if (sha256Hex(der) === sha256 && OURS.exec(nick)?.[1] === sha256.slice(0, 8)) return identifyDer(der, nick.replace(OURS, ""));
    }
    return undefined;
  }

  async trustedCopies(sha256: string): Promise<string[]> {
    const copies: string[] = [];
    for (const { nick, der } of await this.entries()) if (sha256Hex(der) === sha256) copies.push(`${this.location} ("${nick}")`);
    return copies;
  }

  /** Every certificate of the database with its nickname (a nickname may hold several); none without a database. */
  private async entries(): Promise<Array<{ nick: string; der: Buffer }>> {
    const listing = await this.certutil(["-L"]);
    if (listing.code !== 0) return [];
    const out: Array<{ nick: string; der: Buffer }> = [];
    for (const nick of new Set(listedNicknames(listing.stdout))) {
      const pem = await this.certutil(["-L", "-n", nick, "-a"]);
      for (const der of pemBlocksDer(pem.stdout)) out.push({ nick, der });
    }
    return out;
  }
}

/**
 * NSS databases in the user's home: Thunderbird and Firefox profiles — in the classic places, the
 * XDG ones new profiles use (`~/.config/mozilla/firefox`, where Firefox 153 ESR makes them; `~/.config/thunderbird`),
 * snap and flatpak — and Chromium's (also snap's and flatpak's).
 */
export async function findNssDatabases(home = homedir()): Promise<string[]> {
  const profileRoots = [
    ".thunderbird",
    ".config/thunderbird",
    "snap/thunderbird/common/.thunderbird",
    ".var/app/org.mozilla.Thunderbird/.thunderbird",
    ".mozilla/firefox",
    ".config/mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.config/mozilla/firefox",
  ].map((p) => join(home, p));
  const found: string[] = [];
  const hasDb = (dir: string) => stat(join(dir, "cert9.db")).then((s) => s.isFile(), () => false);
  for (const root of profileRoots) {
    for (const entry of await readdir(root).catch(() => [] as string[])) {
      const dir = join(root, entry);
      if (await hasDb(dir)) found.push(dir);
    }
  }
  const chromium = [".pki/nssdb", ".local/share/pki/nssdb", "snap/chromium/current/.pki/nssdb", ".var/app/org.chromium.Chromium/.pki/nssdb"].map((p) => join(home, p));
  for (const dir of chromium) {
    if (await hasDb(dir)) found.push(dir);
  }
  return found;
}
