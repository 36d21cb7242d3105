// keyUsage, which Node's X509Certificate does not expose, read with @peculiar/x509.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** True when the certificate has a keyUsage extension that includes keyCertSign. */
export function hasKeyCertSign(der: Buffer): boolean {
  const cert = new x509.X509Certificate(new Uint8Array(der));
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  return usage !== null && (usage.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}
