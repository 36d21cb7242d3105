// IT tooling: create signing keys and sign a configuration payload.
import { CompactSign, GeneralSign, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { z } from "zod";
import { RelayError } from "../errors.js";
import { parseJsonStrict } from "./json.js";
import { describeIssues, unsignedPayloadSchema, type ConfigPayload } from "./schema.js";
import { ALLOWED_ALGS, type SigningAlg } from "./trustedKeys.js";
import { CONFIG_TYP, MAX_CONFIG_BYTES } from "./verify.js";

export interface GeneratedKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A new signing key pair; the kid is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(alg: SigningAlg = "EdDSA"): Promise<GeneratedKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, "sha256");
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: "sig" },
    publicJwk: { ...pub, kid, alg, use: "sig" },
  };
}

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

const privateJwkSchema = z.looseObject({
  kty: z.enum(["OKP", "EC"]),
  kid: z.string().min(1),
  alg: z.enum(ALLOWED_ALGS),
  d: z.string().min(1),
});

/** Reads a private signing JWK as written by `config keygen`. */
export async function parseSigningKey(text: string, source: string): Promise<SigningKey> {
  let raw: unknown;
  try {
    raw = parseJsonStrict(text);
  } catch {
    throw new RelayError("BAD_INPUT", `${source}: not valid JSON`);
  }
  const parsed = privateJwkSchema.safeParse(raw);
  if (!parsed.success) throw new RelayError("BAD_INPUT", `${source}: not a private signing key (${describeIssues(parsed.error)})`);
  try {
    const key = (await importJWK(parsed.data as JWK, parsed.data.alg)) as CryptoKey;
    return { kid: parsed.data.kid, alg: parsed.data.alg, key };
  } catch (err) {
    throw new RelayError("BAD_INPUT", `${source}: the key cannot be imported (${(err as Error).message})`);
  }
}

/** "90d", "12h", "30m", "3600s" → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) throw new RelayError("USAGE", `"${text}" is not a duration; use a number with s, m, h or d (e.g. 90d)`);
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as "s" | "m" | "h" | "d"];
  if (seconds <= 0) throw new RelayError("USAGE", "the duration must be positive");
  if (seconds > 5 * 366 * 86400) throw new RelayError("USAGE", "a configuration may be valid for at most 5 years");
  return seconds;
}

/** Reads `ver` from a previously signed document without verifying it (it is IT's own output file). */
export function readSignedVer(document: string): number {
  const text = document.trim();
  let payload: string | undefined;
  if (text.startsWith("{")) {
    const doc = parseJsonStrict(text);
    if (typeof doc === "object" && doc !== null && typeof (doc as { payload?: unknown }).payload === "string") {
      payload = (doc as { payload: string }).payload;
    }
  } else {
    payload = text.split(".")[1];
  }
  if (payload === undefined) throw new RelayError("BAD_INPUT", "the previous document is not a signed configuration (JWS)");
  const claims = parseJsonStrict(new TextDecoder().decode(base64url.decode(payload)));
  const ver = (claims as { ver?: unknown }).ver;
  if (typeof ver !== "number" || !Number.isSafeInteger(ver) || ver < 1) throw new RelayError("BAD_INPUT", "the previous document has no valid ver", { claim: "ver" });
  return ver;
}

export interface SignOptions {
  now?: Date;
  expiresInSeconds: number;
  ver: number;
}

/**
 * Signs `unsigned` ({iss, config}) after checking it against the schema. One key gives compact
 * serialization; several give the JWS JSON general serialization, one signature per key.
 */
export async function signConfig(unsigned: unknown, keys: SigningKey[], options: SignOptions): Promise<{ document: string; payload: ConfigPayload }> {
  const parsed = unsignedPayloadSchema.safeParse(unsigned);
  if (!parsed.success) throw new RelayError("CONFIG_INVALID", `the payload is not a valid configuration: ${describeIssues(parsed.error)}`);
  if (keys.length === 0) throw new RelayError("USAGE", "at least one signing key is required");
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new RelayError("USAGE", "each signing key must be a different key");
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload: ConfigPayload = { iss: parsed.data.iss, iat, exp: iat + options.expiresInSeconds, ver: options.ver, config: parsed.data.config };
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  let document: string;
  if (keys.length === 1) {
    const [k] = keys as [SigningKey];
    document = await new CompactSign(bytes).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: CONFIG_TYP }).sign(k.key);
  } else {
    const signer = new GeneralSign(bytes);
    for (const k of keys) signer.addSignature(k.key).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: CONFIG_TYP });
    document = JSON.stringify(await signer.sign());
  }
  if (Buffer.byteLength(document) > MAX_CONFIG_BYTES) {
    throw new RelayError("CONFIG_TOO_LARGE", `the signed configuration would be ${Buffer.byteLength(document)} bytes; the limit is ${MAX_CONFIG_BYTES}`);
  }
  return { document, payload };
}
