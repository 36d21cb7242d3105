// Test fixtures made at test time: a throw-away root CA, signing keys, payloads, and a raw JWS
// builder that can produce hostile documents (any header, any alg, any signature).
import { createHmac, webcrypto } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64url, exportJWK, importJWK, type CryptoKey, type JWK } from "jose";
import { createRootCa, issueServerCert, type IssuedCert } from "../../src/certs/generate.js";
import { demoPayload } from "../../src/demo/org.js";
import { generateSigningKey, signConfig, type SigningKey } from "../../src/config/sign.js";
import { parseTrustedKeys, type SigningAlg, type TrustedKeys } from "../../src/config/trustedKeys.js";
import { CONFIG_TYP } from "../../src/config/verify.js";
import type { UnsignedPayload } from "../../src/config/schema.js";

export interface TestKey extends SigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function makeKey(alg: SigningAlg = "EdDSA"): Promise<TestKey> {
  const generated = await generateSigningKey(alg);
  const key = (await importJWK(generated.privateJwk, alg)) as CryptoKey;
  return { kid: generated.kid, alg, key, privateJwk: generated.privateJwk, publicJwk: generated.publicJwk };
}

export function jwksText(keys: TestKey[], threshold = 1): string {
  return JSON.stringify({ keys: keys.map((k) => k.publicJwk), threshold });
}

export async function trustOf(keys: TestKey[], threshold = 1): Promise<TrustedKeys> {
  return parseTrustedKeys(jwksText(keys, threshold));
}

// The shared test root's validity is fixed, not taken from the clock: tests that pin "now" (NOW below,
// a job's time) and tests that run on the real clock (TLS, spawned commands, faketime a year ahead)
// all fall inside it.
export const TEST_CA_VALIDITY = { notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2090-01-01T00:00:00Z") };

let sharedCa: IssuedCert | undefined;
export async function testCa(): Promise<IssuedCert> {
  sharedCa ??= await createRootCa("Relay Onboard Test Root CA", TEST_CA_VALIDITY);
  return sharedCa;
}

export async function unsignedPayload(): Promise<UnsignedPayload> {
  return demoPayload((await testCa()).certPem);
}

export const NOW = new Date("2026-11-27T12:00:00Z");
export const NOW_S = Math.floor(NOW.getTime() / 1000);

export async function signed(key: TestKey | TestKey[], options: { ver?: number; now?: Date; expiresIn?: number; payload?: UnsignedPayload } = {}): Promise<string> {
  const { document } = await signConfig(options.payload ?? (await unsignedPayload()), Array.isArray(key) ? key : [key], {
    ver: options.ver ?? 1,
    now: options.now ?? NOW,
    expiresInSeconds: options.expiresIn ?? 90 * 86400,
  });
  return document;
}

/** A full payload (with claims) as a plain object, for hostile variations. */
export async function fullPayload(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { ...(await unsignedPayload()), iat: NOW_S - 60, exp: NOW_S + 86400, ver: 1, ...overrides };
}

const enc = (value: unknown) => base64url.encode(typeof value === "string" ? value : JSON.stringify(value));

/** Signs arbitrary header + payload bytes with `key` (Ed25519 or P-256), no checks at all. */
export async function rawSign(header: unknown, payload: unknown, key: TestKey): Promise<string> {
  const signingInput = `${enc(header)}.${enc(payload)}`;
  const algorithm = key.alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
  const privateKey = await webcrypto.subtle.importKey("jwk", key.privateJwk as webcrypto.JsonWebKey, algorithm, false, ["sign"]);
  const params = key.alg === "EdDSA" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
  const sig = await webcrypto.subtle.sign(params, privateKey, Buffer.from(signingInput));
  return `${signingInput}.${base64url.encode(new Uint8Array(sig))}`;
}

export function header(key: TestKey, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: key.alg, kid: key.kid, typ: CONFIG_TYP, ...extra };
}

export function hmacSign(headerValue: unknown, payload: unknown, secret: Buffer | string): string {
  const signingInput = `${enc(headerValue)}.${enc(payload)}`;
  return `${signingInput}.${base64url.encode(createHmac("sha256", secret).update(signingInput).digest())}`;
}

export async function tempDir(prefix = "ro-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export { exportJWK, issueServerCert, createRootCa };
