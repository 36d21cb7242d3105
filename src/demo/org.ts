// The demo organisation: a throw-away root CA, a signing key and a signed configuration, made fresh
// in a directory each time (never reused, never trusted beyond the demo).
import { join } from "node:path";
import { importJWK, type CryptoKey } from "jose";
import { createRootCa, type IssuedCert } from "../certs/generate.js";
import { sha256Hex, singleCertificateDer } from "../certs/pem.js";
import type { UnsignedPayload } from "../config/schema.js";
import { generateSigningKey, signConfig } from "../config/sign.js";
import { writeFileAtomic } from "../fs/atomic.js";
import type { Endpoint } from "./servers.js";

export const DEMO_DOMAIN = "internal.test";

export interface DemoEndpoints {
  relay: Endpoint;
  inbound: Endpoint;
  /** The demo helpdesk's report receiver (support.reportUrl), when it runs. */
  reportUrl?: string;
}

export interface DemoOrg {
  dir: string;
  ca: IssuedCert;
  files: { caCert: string; signingKey: string; trustedKeys: string; payload: string; config: string };
  kid: string;
  document: string;
}

const DEFAULT_ENDPOINTS: DemoEndpoints = { relay: { host: `relay.${DEMO_DOMAIN}`, port: 587 }, inbound: { host: `mx.${DEMO_DOMAIN}`, port: 25 } };

export function demoPayload(caPem: string, endpoints: DemoEndpoints = DEFAULT_ENDPOINTS): UnsignedPayload {
  return {
    iss: DEMO_DOMAIN,
    config: {
      organization: {
        name: "Relay Onboard Demo Org",
        domains: [DEMO_DOMAIN],
        support: { email: `helpdesk@${DEMO_DOMAIN}`, url: `https://help.${DEMO_DOMAIN}`, phone: "+1 555 0100", ...(endpoints.reportUrl ? { reportUrl: endpoints.reportUrl } : {}) },
      },
      rootCa: { pem: caPem, sha256: sha256Hex(singleCertificateDer(caPem)) },
      submission: { ...endpoints.relay, security: "starttls", auth: ["PLAIN", "LOGIN"], username: "{email}" },
      // Where the demo user's mail would be read: named so mail apps get a whole account (no
      // server answers there — the demo keeps no mail).
      incoming: { protocol: "imap", host: `imap.${DEMO_DOMAIN}`, port: 993, security: "tls", username: "{email}" },
      inbound: { ...endpoints.inbound },
      probe: { externalRecipient: "relay-probe@example.com" },
    },
  };
}

export async function createDemoOrg(dir: string, now: Date, options: { ca?: IssuedCert; endpoints?: DemoEndpoints } = {}): Promise<DemoOrg> {
  const ca = options.ca ?? (await createRootCa("Relay Onboard Demo Root CA"));
  const key = await generateSigningKey("EdDSA");
  const payload = demoPayload(ca.certPem, options.endpoints);
  const signingKey = (await importJWK(key.privateJwk, "EdDSA")) as CryptoKey;
  const { document } = await signConfig(payload, [{ kid: key.kid, alg: "EdDSA", key: signingKey }], { expiresInSeconds: 30 * 86400, ver: 1, now });
  const files = {
    caCert: join(dir, "demo-root-ca.pem"),
    signingKey: join(dir, "signing-key.jwk"),
    trustedKeys: join(dir, "trusted-keys.json"),
    payload: join(dir, "payload.json"),
    config: join(dir, "config.jws"),
  };
  await writeFileAtomic(files.caCert, ca.certPem);
  await writeFileAtomic(files.signingKey, JSON.stringify(key.privateJwk, null, 2) + "\n", { mode: 0o600 });
  await writeFileAtomic(files.trustedKeys, JSON.stringify({ keys: [key.publicJwk], threshold: 1 }, null, 2) + "\n");
  await writeFileAtomic(files.payload, JSON.stringify(payload, null, 2) + "\n");
  await writeFileAtomic(files.config, document + "\n");
  return { dir, ca, files, kid: key.kid, document };
}
