// Where each Linux distribution family keeps the bundle of CAs its system trusts (what
// update-ca-certificates / update-ca-trust write). One list for the trust store, the configuration
// fetch and the interception check, so none of them knows only Debian's path.
import { readFile } from "node:fs/promises";

export const LINUX_CA_BUNDLES = {
  debian: "/etc/ssl/certs/ca-certificates.crt", // also Arch
  suse: "/var/lib/ca-certificates/ca-bundle.pem",
  fedora: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
} as const;

/** This computer's CA bundle as PEM text: `path` if given, else the first family's that exists; undefined when none. */
export async function readLinuxCaBundle(path?: string): Promise<string | undefined> {
  for (const candidate of path ? [path] : Object.values(LINUX_CA_BUNDLES)) {
    const pem = await readFile(candidate, "utf8").catch(() => undefined);
    if (pem) return pem;
  }
  return undefined;
}
