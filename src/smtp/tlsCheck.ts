// TLS for the submission test: the org root as the only trust anchor, TLS 1.2 at least, and the
// configured host name (never one learned from the server) checked against the certificate.
import { visible } from "../safeText.js";
import type { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { checkServerIdentity, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from "node:tls";
import { RelayError } from "../errors.js";

export interface ChainEntry {
  subject: string;
  issuer: string;
  sha256: string;
  notAfter: string;
  /** The signing key's identifier (hex), when the certificate names it: tells a root from a namesake. */
  issuerKeyId?: string;
}

export interface TlsInfo {
  protocol: string;
  cipher: string;
  chain: ChainEntry[];
}

export function tlsOptions(host: string, caPem: string): ConnectionOptions {
  return {
    // `ca` replaces Node's default roots: only the organisation's root is trusted.
    ca: [caPem],
    ...(isIP(host) ? {} : { servername: host }),
    minVersion: "TLSv1.2",
    // We judge the certificate ourselves (judgeCertificate) so that a failure can be explained
    // with the chain in hand; nothing is sent before that judgement passes.
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  };
}

const name = (fields: Record<string, string | string[] | undefined> | undefined): string => {
  if (!fields) return "?";
  const pick = (k: string) => {
    const v = fields[k];
    return Array.isArray(v) ? v.join("+") : v;
  };
  return (["CN", "O", "OU"].map((k) => (pick(k) ? `${k}=${pick(k)}` : "")).filter(Boolean).join(", ")) || "?";
};

/** A certificate's subject written as chain entries write names ("CN=…, O=…"), to match an anchor to a chain. */
export function chainName(cert: X509Certificate): string {
  const fields: Record<string, string[]> = {};
  for (const line of cert.subject.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) (fields[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return visible(name(fields));
}

/** The peer's certificates, leaf first, each once (a self-signed root names itself as issuer). */
function peerCertificates(socket: TLSSocket): DetailedPeerCertificate[] {
  const certs: DetailedPeerCertificate[] = [];
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && Object.keys(cert).length > 0 && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    certs.push(cert);
    cert = cert.issuerCertificate;
  }
  return certs;
}

export function describeChain(socket: TLSSocket): ChainEntry[] {
  return peerCertificates(socket).map((cert) => ({
    subject: visible(name(cert.subject)),
    issuer: visible(name(cert.issuer)),
    sha256: cert.fingerprint256.replace(/:/g, "").toLowerCase(),
    notAfter: new Date(cert.valid_to).toISOString(),
  }));
}

/**
 * Names the key that signed the chain's top certificate (its authority key identifier) on `info`'s
 * last entry: for a chain that is not the organisation's, so the app can tell a root in this
 * computer's own store from a stranger that copied its name (diagnostics/interception.ts). Only on
 * that failure: the certificate library takes a quarter of a second to load.
 */
export async function nameIssuerKey(socket: TLSSocket, info: TlsInfo): Promise<void> {
  const top = peerCertificates(socket).at(-1);
  const last = info.chain.at(-1);
  if (!top?.raw || !last) return;
  const { authorityKeyId } = await import("../certs/keyIds.js");
  const keyId = authorityKeyId(top.raw);
  if (keyId) last.issuerKeyId = keyId;
}

export function tlsInfo(socket: TLSSocket): TlsInfo {
  return { protocol: socket.getProtocol() ?? "?", cipher: socket.getCipher().name, chain: describeChain(socket) };
}

/** Returns the failure for an unacceptable certificate, or undefined when it is the org's and for `host`. */
export function judgeCertificate(socket: TLSSocket, host: string, orgRootSubject: string): RelayError | undefined {
  const chain = describeChain(socket);
  const top = chain[chain.length - 1];
  if (!socket.authorized) {
    const reason = String(socket.authorizationError);
    if (reason === "CERT_HAS_EXPIRED") {
      return new RelayError("CERT_EXPIRED", `the server's certificate expired on ${chain[0]?.notAfter ?? "?"}`);
    }
    if (reason === "CERT_NOT_YET_VALID") return new RelayError("CERT_NOT_YET_VALID", "the server's certificate is not valid yet");
    const leaf = chain[0];
    if (chain.length === 1 && leaf && leaf.subject === leaf.issuer) {
      return new RelayError("CERT_UNTRUSTED", `the server presented a self-signed certificate (${leaf.subject}), not one issued by your organisation's root (${orgRootSubject})`);
    }
    const issuer = top?.issuer ?? leaf?.issuer ?? "?";
    return new RelayError(
      "CERT_UNTRUSTED",
      `the certificate was issued by "${issuer}", not by your organisation's root (${orgRootSubject}): the connection is probably being intercepted (antivirus, proxy or attacker) [${reason}]`,
    );
  }
  const err = checkServerIdentity(host, socket.getPeerCertificate());
  if (err) return new RelayError("CERT_HOSTNAME_MISMATCH", `the certificate is not valid for ${host} (${err.message})`);
  return undefined;
}

/** Maps a failed handshake to its code. */
export function handshakeError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const text = `${e.code ?? ""} ${e.reason ?? ""} ${e.message ?? ""}`;
  if (/UNSUPPORTED_PROTOCOL|PROTOCOL_VERSION|NO_PROTOCOLS_AVAILABLE|unsupported protocol|protocol version/i.test(text)) {
    return new RelayError("TLS_VERSION_TOO_OLD", `the server offers no TLS version at 1.2 or above (${e.code ?? e.message})`);
  }
  if (/WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i.test(text)) {
    return new RelayError("TLS_HANDSHAKE_FAILED", `the server did not answer with TLS (${e.code ?? e.message}); something on the path may be altering the session`);
  }
  return new RelayError("TLS_HANDSHAKE_FAILED", `the TLS handshake failed: ${e.code ?? e.message}`);
}
