// Certificate generation for the demo organisation and for test fixtures (throw-away PKI made at
// run time, so no private key that matters is ever committed). @peculiar/x509 needs the
// reflect-metadata polyfill (its dependency tsyringe insists on it), loaded only here.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  /** Kept to sign further certificates (CAs only). */
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

export interface CertOptions {
  notBefore?: Date;
  notAfter?: Date;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
}

function serial(): string {
  // Positive 16-byte serial.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

function validity(options: CertOptions, defaultDays: number) {
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  return { notBefore, notAfter: options.notAfter ?? new Date(notBefore.getTime() + defaultDays * DAY) };
}

/** A self-signed root CA (basicConstraints CA:TRUE, keyCertSign + cRLSign). */
export async function createRootCa(commonName: string, options: CertOptions & { isCa?: boolean; keyCertSign?: boolean; omitKeyUsage?: boolean } = {}): Promise<IssuedCert> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const isCa = options.isCa ?? true;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    ...validity(options, 3650),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(isCa, undefined, true),
      ...(options.omitKeyUsage
        ? []
        : [
            new x509.KeyUsagesExtension(
              isCa && options.keyCertSign !== false ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
              true,
            ),
          ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys), keys, cert };
}

/** A TLS server certificate for `names` (DNS names or IP addresses), issued by `issuer`. */
export async function issueServerCert(issuer: IssuedCert, names: string[], options: CertOptions = {}): Promise<IssuedCert> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"]);
  const isIp = (n: string) => /^[\d.]+$/.test(n) || n.includes(":");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0] ?? "server"}`,
    issuer: issuer.cert.subject,
    ...validity(options, 825),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIp(n) ? ("ip" as const) : ("dns" as const), value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys), keys, cert };
}
