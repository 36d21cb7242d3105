// The trusted key set: a JWKS of public signing keys plus the number of distinct signers required.
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from "jose";
import { z } from "zod";
import { RelayError } from "../errors.js";
import { parseJsonStrict } from "./json.js";
import { describeIssues } from "./schema.js";

export const ALLOWED_ALGS = ["EdDSA", "ES256"] as const;
export type SigningAlg = (typeof ALLOWED_ALGS)[number];

const b64url = (len: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${len}}$`), "must be base64url");
const kid = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");
const common = { kid, use: z.literal("sig").optional(), key_ops: z.array(z.literal("verify")).optional() };

const okpKey = z.strictObject({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: b64url(43), alg: z.literal("EdDSA").optional(), ...common });
const ecKey = z.strictObject({ kty: z.literal("EC"), crv: z.literal("P-256"), x: b64url(43), y: b64url(43), alg: z.literal("ES256").optional(), ...common });

const jwksSchema = z.strictObject({
  keys: z.array(z.discriminatedUnion("kty", [okpKey, ecKey])).min(1).max(32),
  threshold: z.int().min(1).optional(),
});

export interface TrustedKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
  jwk: JWK;
}

export interface TrustedKeys {
  keys: ReadonlyMap<string, TrustedKey>;
  threshold: number;
}

/** Parses a JWKS text. Private key material, duplicate kids or keys, or an unreachable threshold are errors. */
export async function parseTrustedKeys(text: string, source = "trusted keys"): Promise<TrustedKeys> {
  const fail = (why: string) => new RelayError("BAD_INPUT", `${source}: ${why}`);
  let raw: unknown;
  try {
    raw = parseJsonStrict(text);
  } catch (err) {
    throw fail(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw === "object" && raw !== null && Array.isArray((raw as { keys?: unknown }).keys)) {
    const keysWithSecrets = (raw as { keys: unknown[] }).keys.some((k) => typeof k === "object" && k !== null && ("d" in k || "k" in k));
    if (keysWithSecrets) throw fail("contains private or secret key material; publish only the public keys (trusted-keys.json)");
  }
  const parsed = jwksSchema.safeParse(raw);
  if (!parsed.success) throw fail(describeIssues(parsed.error));
  const threshold = parsed.data.threshold ?? 1;
  const keys = new Map<string, TrustedKey>();
  // The threshold counts signers, so each kid must name different key material (RFC 7638).
  const thumbprints = new Map<string, string>();
  for (const jwk of parsed.data.keys) {
    if (keys.has(jwk.kid)) throw fail(`the kid "${jwk.kid}" appears twice`);
    const thumbprint = await calculateJwkThumbprint(jwk, "sha256");
    const same = thumbprints.get(thumbprint);
    if (same !== undefined) throw fail(`the keys "${same}" and "${jwk.kid}" are the same key (RFC 7638 thumbprint); each signer must have its own key`);
    thumbprints.set(thumbprint, jwk.kid);
    const alg: SigningAlg = jwk.kty === "OKP" ? "EdDSA" : "ES256";
    let key: CryptoKey | Uint8Array;
    try {
      key = await importJWK(jwk, alg);
    } catch (err) {
      throw fail(`key "${jwk.kid}" cannot be imported (${(err as Error).message})`);
    }
    if (key instanceof Uint8Array) throw fail(`key "${jwk.kid}" is not a public key`);
    keys.set(jwk.kid, { kid: jwk.kid, alg, key, jwk });
  }
  if (threshold > keys.size) throw fail(`threshold ${threshold} is more than the ${keys.size} key(s) listed`);
  return { keys, threshold };
}
