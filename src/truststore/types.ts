// The interface every trust-store backend implements (one file per store, like mkcert), and the
// certificate they all receive: one that has already passed acceptCa().
import type { FailureCode } from "../errors.js";

export interface AcceptedCa {
  pem: string;
  der: Buffer;
  sha256: string;
  /** SHA-1 thumbprint: how Windows and macOS name certificates. */
  sha1: string;
  subject: string;
  notAfter: Date;
  /** The organisation the verified configuration names, for labels and prompts. */
  organization: string;
  /** A stable, file-name-safe label derived from the fingerprint. */
  label: string;
}

export interface StoreResult {
  store: string;
  location: string;
  installed: boolean;
  changed: boolean;
  code?: FailureCode;
  message?: string;
  /** The certificate's handle in the store, for the install record: the anchor file, the NSS nickname, the Windows thumbprint, the macOS keychain label. */
  handle?: string;
}

export interface TrustStore {
  /** e.g. "linux-system", "nss", "windows-user", "macos-login" */
  readonly store: string;
  readonly location: string;
  status(ca: AcceptedCa): Promise<StoreResult>;
  install(ca: AcceptedCa): Promise<StoreResult>;
  /**
   * Takes out the tool's own copy of this certificate (as find() names it, `recorded` the install
   * record's handle); a copy someone else installed stays, named in the result's message.
   */
  remove(ca: AcceptedCa, recorded?: string): Promise<StoreResult>;
  /**
   * Relay Onboard's own copy of the certificate with this SHA-256, read back from the store (a
   * retired root: the configuration names only its fingerprint, and Windows and macOS delete by
   * SHA-1). Ours is what the tool's own naming shows (the anchor file's name, the NSS nickname, the
   * Windows friendly name) or, with `recorded`, the handle the install record holds. A copy someone
   * else installed is never returned: removal goes through here, so it is never removed.
   */
  find(sha256: string, organization: string, recorded?: string): Promise<AcceptedCa | undefined>;
  /** Every place in this store that trusts a certificate with this SHA-256, ours or not (for status and reports). */
  trustedCopies(sha256: string): Promise<string[]>;
}
