// Certificate helpers on Node's own X509Certificate: PEM framing, fingerprints, CA checks.
import { X509Certificate, createHash } from "node:crypto";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;

/** Decodes a PEM text that holds exactly one certificate and nothing else but whitespace. */
export function singleCertificateDer(pem: string): Buffer {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length !== 1) throw new Error(`expected exactly one PEM certificate, found ${blocks.length}`);
  const block = blocks[0]!;
  if (pem.replace(block[0], "").trim() !== "") throw new Error("unexpected text around the PEM certificate");
  const der = Buffer.from(block[1]!.replace(/\s+/g, ""), "base64");
  if (der.length === 0) throw new Error("the PEM certificate is empty");
  return der;
}

/** A DER certificate as PEM: 64 base64 characters a line, ending in a newline. */
export function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
}

/** The DER of every PEM certificate block in a text (for store listings that print several). */
export function pemBlocksDer(text: string): Buffer[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
}

/** Every certificate of a PEM text (the relay's trust anchors during a root rotation); throws when there is none or one is not valid. */
export function pemCertificates(pem: string): X509Certificate[] {
  const blocks = pemBlocksDer(pem);
  if (blocks.length === 0) throw new Error("no PEM certificate found");
  return blocks.map((der) => new X509Certificate(der));
}

export function sha256Hex(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex");
}

export interface CaInspection {
  der: Buffer;
  cert: X509Certificate;
  sha256: string;
}

/** Parses one PEM certificate and checks it is a CA (basicConstraints CA:TRUE). Throws with a reason otherwise. */
export function inspectCaCertificate(pem: string): CaInspection {
  const der = singleCertificateDer(pem);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw new Error("the PEM block is not a valid X.509 certificate");
  }
  if (!cert.ca) throw new Error(`"${cert.subject.replace(/\n/g, ", ")}" is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  return { der, cert, sha256: sha256Hex(der) };
}
