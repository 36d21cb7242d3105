// Signing a profile (CMS SignedData, DER) with a certificate IT supplies as a PKCS#12 file, so
// macOS shows it as verified. node-forge does the CMS; it signs with RSA keys only.
import forge from "node-forge";
import { RelayError } from "../../errors.js";

export function signProfile(xml: string, p12: Buffer, password: string, now = new Date()): Buffer {
  let key: forge.pki.PrivateKey | undefined;
  let certs: forge.pki.Certificate[];
  try {
    const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(p12.toString("binary"))), password);
    const keyBags = [
      ...(parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
      ...(parsed.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag!] ?? []),
    ];
    key = keyBags.find((b) => b.key)?.key;
    certs = (parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag!] ?? []).flatMap((b) => (b.cert ? [b.cert] : []));
  } catch (err) {
    throw new RelayError("BAD_INPUT", `the signing certificate (PKCS#12) cannot be opened: ${(err as Error).message.includes("MAC") || (err as Error).message.includes("password") ? "wrong password" : (err as Error).message}`);
  }
  if (!key || certs.length === 0) throw new RelayError("BAD_INPUT", "the PKCS#12 file must hold a private key and its certificate");
  const rsaKey = key;
  if (typeof rsaKey.n === "undefined") throw new RelayError("BAD_INPUT", "only RSA signing certificates are supported");
  const signer = certs.find((c) => (c.publicKey as forge.pki.rsa.PublicKey).n?.equals(rsaKey.n));
  if (!signer) throw new RelayError("BAD_INPUT", "no certificate in the PKCS#12 file matches its private key");
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(xml, "utf8");
  for (const cert of certs) p7.addCertificate(cert);
  p7.addSigner({
    key: rsaKey,
    certificate: signer,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! },
      { type: forge.pki.oids.signingTime!, value: now as unknown as string },
    ],
  });
  p7.sign();
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), "binary");
}
