// The organisation's roots during a rotation (DESIGN.md "Root rotation"): the current root plus any
// additional ones are installed and are the relay's trust anchors; retired ones are taken out of
// every store Relay Onboard manages. Release 1 adds the next root, release 2 moves the relay's
// certificate to it, release 3 retires the old root.
import type { OrgConfig } from "./schema.js";

export interface PinnedRoot {
  pem: string;
  sha256: string;
}

/** Every root the configuration trusts now, the primary one first. */
export function currentRoots(config: OrgConfig): PinnedRoot[] {
  return [config.rootCa, ...(config.additionalRoots ?? [])];
}

/** SHA-256 fingerprints of the roots to remove. */
export function retiredFingerprints(config: OrgConfig): string[] {
  return (config.retiredRoots ?? []).map((r) => r.sha256);
}

/** The relay test's anchors: every current root, concatenated (Node's `ca` accepts several PEMs). */
export function anchorsPem(config: OrgConfig): string {
  return currentRoots(config).map((r) => r.pem.trim()).join("\n") + "\n";
}
