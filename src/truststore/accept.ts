// The gate before any install: exactly the pinned certificate, a CA (basicConstraints CA:TRUE and
// keyCertSign), inside its validity period. Anything else is CA_REJECTED and nothing is touched.
import { X509Certificate, createHash } from "node:crypto";
import { derToPem, sha256Hex, singleCertificateDer } from "../certs/pem.js";
import { RelayError } from "../errors.js";
import { hasKeyCertSign } from "../certs/keyUsage.js";
import type { AcceptedCa } from "./types.js";

const rejected = (why: string) => new RelayError("CA_REJECTED", why);

/**
 * For status and removal: only the pinned fingerprint must match (an expired or otherwise
 * unacceptable root can still be looked for and removed).
 */
export function identifyCa(pem: string, pinnedSha256: string, organization: string): AcceptedCa {
  return acceptCa(pem, pinnedSha256, organization, undefined, false);
}

/** A certificate read back from a store, identified by its own fingerprint (for removal). */
export function identifyDer(der: Buffer, organization: string): AcceptedCa {
  return identifyCa(derToPem(der), sha256Hex(der), organization);
}

export function acceptCa(pem: string, pinnedSha256: string, organization: string, now = new Date(), forInstall = true): AcceptedCa {
  let der: Buffer;
  try {
    der = singleCertificateDer(pem);
  } catch (err) {
    throw rejected((err as Error).message);
  }
  const sha256 = sha256Hex(der);
  if (!/^[0-9a-f]{64}$/.test(pinnedSha256.toLowerCase())) throw rejected("the pinned SHA-256 is not 64 hex digits");
  if (sha256 !== pinnedSha256.toLowerCase()) throw rejected(`its SHA-256 ${sha256} is not the pinned ${pinnedSha256.toLowerCase()}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw rejected("it is not a valid X.509 certificate");
  }
  const subject = cert.subject.replace(/\n/g, ", ");
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (forInstall) checkInstallable(cert, der, subject, notBefore, notAfter, now);
  return {
    pem: derToPem(der),
    der,
    sha256,
    sha1: createHash("sha1").update(der).digest("hex"),
    subject,
    notAfter,
    organization,
    label: `relay-onboard-${sha256.slice(0, 16)}`,
  };
}

function checkInstallable(cert: X509Certificate, der: Buffer, subject: string, notBefore: Date, notAfter: Date, now: Date): void {
  if (!cert.ca) throw rejected(`"${subject}" is not a CA certificate (basicConstraints CA:TRUE is missing): a leaf is never installed as a root`);
  if (!hasKeyCertSign(der)) throw rejected(`"${subject}" may not sign certificates (keyUsage lacks keyCertSign)`);
  if (now < notBefore) throw rejected(`"${subject}" is not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) throw rejected(`"${subject}" expired on ${notAfter.toISOString()}`);
}
