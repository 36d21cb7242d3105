// Key identifiers, which Node's X509Certificate does not expose, read with @peculiar/x509: a
// certificate's authority key identifier names the key of the root that signed it, and that root's
// subject key identifier is the same bytes. Matching both the name and the key tells a root in this
// computer's store from a stranger that merely copied its name.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

function read(der: Uint8Array): x509.X509Certificate | undefined {
  try {
    return new x509.X509Certificate(new Uint8Array(der));
  } catch {
    return undefined;
  }
}

/** The authority key identifier (lower-case hex), when the certificate has one. */
export function authorityKeyId(der: Uint8Array): string | undefined {
  return read(der)?.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase() || undefined;
}

/** The subject key identifier (lower-case hex), when the certificate has one. */
export function subjectKeyId(der: Uint8Array): string | undefined {
  return read(der)?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toLowerCase() || undefined;
}
