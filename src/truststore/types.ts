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
}

export interface TrustStore {
  /** e.g. "linux-system", "nss", "windows-user", "macos-login" */
  readonly store: string;
  readonly location: string;
  status(ca: AcceptedCa): Promise<StoreResult>;
  install(ca: AcceptedCa): Promise<StoreResult>;
  remove(ca: AcceptedCa): Promise<StoreResult>;
  /**
   * The certificate with this SHA-256 when the store holds it, read back from the store (a retired
   * root: the configuration names only its fingerprint, and Windows and macOS delete by SHA-1).
   */
  find(sha256: string, organization: string): Promise<AcceptedCa | undefined>;
}
