// Verification of the signed configuration (DESIGN.md): size cap, JWS structure, allowed algorithms,
// trusted kids and threshold, then claims (validity window), schema, and rollback — in that order,
// so the first failure reported is the most fundamental one.
import { base64url, flattenedVerify, errors as joseErrors } from "jose";
import { RelayError } from "../errors.js";
import { parseJsonStrict, UnsafeJsonError } from "./json.js";
import type { RollbackState } from "./rollbackState.js";
import { claimsSchema, describeIssues, payloadSchema, type ConfigPayload } from "./schema.js";
import { ALLOWED_ALGS, type SigningAlg, type TrustedKeys } from "./trustedKeys.js";

export const MAX_CONFIG_BYTES = 64 * 1024;
export const CONFIG_TYP = "relay-onboard-config+jwt";
export const CLOCK_SKEW_SECONDS = 120;

const HEADER_PARAMS = new Set(["alg", "kid", "typ"]);
const KEY_MATERIAL_PARAMS = ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"];
const B64URL = /^[A-Za-z0-9_-]*$/;

export interface VerifyOptions {
  trusted: TrustedKeys;
  now?: Date;
  /** When given, a lower `ver` than recorded is refused, and an accepted `ver` is recorded. */
  state?: RollbackState;
}

export interface VerifiedConfig {
  payload: ConfigPayload;
  /** Distinct trusted kids whose signatures verified. */
  signers: string[];
  alg: SigningAlg;
  issuedAt: Date;
  expiresAt: Date;
  /** Highest ver previously accepted for this issuer (undefined if none or no state). */
  previousVer: number | undefined;
}

interface SignatureEntry {
  protected: string;
  signature: string;
}

const invalid = (why: string) => new RelayError("CONFIG_INVALID", why);

function decodeJsonPart(part: string, what: string): unknown {
  if (!B64URL.test(part)) throw invalid(`the ${what} is not base64url`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(base64url.decode(part));
  } catch {
    throw invalid(`the ${what} is not valid UTF-8`);
  }
  try {
    return parseJsonStrict(text);
  } catch (err) {
    if (err instanceof UnsafeJsonError) throw invalid(`the ${what}: ${err.message}`);
    throw invalid(`the ${what} is not valid JSON`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Splits compact, flattened or general JWS serialization into one payload and its signatures. */
function splitJws(text: string): { payload: string; signatures: SignatureEntry[] } {
  if (!text.startsWith("{")) {
    const parts = text.split(".");
    if (parts.length !== 3) throw invalid("not a JWS: expected three dot-separated parts (compact serialization)");
    const [prot, payload, signature] = parts as [string, string, string];
    return { payload, signatures: [{ protected: prot, signature }] };
  }
  let doc: unknown;
  try {
    doc = parseJsonStrict(text);
  } catch (err) {
    throw invalid(err instanceof UnsafeJsonError ? err.message : "not a JWS: the JSON serialization does not parse");
  }
  if (!isObject(doc) || typeof doc["payload"] !== "string") throw invalid("not a JWS: no payload");
  const entries = Array.isArray(doc["signatures"]) ? (doc["signatures"] as unknown[]) : [doc];
  const allowedTop = Array.isArray(doc["signatures"]) ? ["payload", "signatures"] : ["payload", "protected", "signature"];
  const extra = Object.keys(doc).filter((k) => !allowedTop.includes(k));
  if (extra.some((k) => k === "header")) throw new RelayError("CONFIG_BAD_SIGNATURE", "unprotected JWS headers are not accepted; every header must be signed");
  if (extra.length > 0) throw invalid(`not a JWS: unexpected member(s) ${extra.join(", ")}`);
  if (entries.length === 0 || entries.length > 16) throw invalid("not a JWS: between 1 and 16 signatures are expected");
  const signatures = entries.map((entry) => {
    if (!isObject(entry)) throw invalid("not a JWS: a signature entry is not an object");
    if ("header" in entry) throw new RelayError("CONFIG_BAD_SIGNATURE", "unprotected JWS headers are not accepted; every header must be signed");
    const unexpected = Object.keys(entry).filter((k) => k !== "protected" && k !== "signature" && k !== "payload");
    if (unexpected.length > 0) throw invalid(`not a JWS: unexpected member(s) ${unexpected.join(", ")}`);
    if (typeof entry["protected"] !== "string" || typeof entry["signature"] !== "string") {
      throw invalid("not a JWS: a signature lacks its protected header or signature");
    }
    return { protected: entry["protected"], signature: entry["signature"] };
  });
  return { payload: doc["payload"], signatures };
}

/** Checks one signature's protected header; returns its alg and kid. Throws on anything not allowed. */
function checkHeader(header: unknown): { alg: SigningAlg; kid: string | undefined } {
  if (!isObject(header)) throw invalid("the JWS header is not a JSON object");
  const alg = header["alg"];
  if (typeof alg !== "string" || !(ALLOWED_ALGS as readonly string[]).includes(alg)) {
    throw new RelayError("CONFIG_ALG_NOT_ALLOWED", `the signature algorithm ${JSON.stringify(alg ?? null)} is not allowed (only EdDSA and ES256)`);
  }
  const embedded = KEY_MATERIAL_PARAMS.filter((p) => p in header);
  if (embedded.length > 0) {
    throw new RelayError("CONFIG_BAD_SIGNATURE", `the header carries its own key (${embedded.join(", ")}); keys inside a document are never trusted`);
  }
  const unknown = Object.keys(header).filter((p) => !HEADER_PARAMS.has(p));
  if (unknown.length > 0) throw new RelayError("CONFIG_BAD_SIGNATURE", `unsupported JWS header parameter(s): ${unknown.join(", ")}`);
  if (header["typ"] !== CONFIG_TYP) {
    throw invalid(`not a Relay Onboard configuration (typ is ${JSON.stringify(header["typ"] ?? null)}, expected "${CONFIG_TYP}")`);
  }
  const kid = header["kid"];
  if (kid !== undefined && typeof kid !== "string") throw new RelayError("CONFIG_UNKNOWN_KEY", "the signature's kid is not a string");
  return { alg: alg as SigningAlg, kid };
}

function day(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/:\d\d\.\d{3}Z$/, " UTC");
}

export async function verifyConfig(document: string | Uint8Array, options: VerifyOptions): Promise<VerifiedConfig> {
  const size = typeof document === "string" ? Buffer.byteLength(document, "utf8") : document.byteLength;
  if (size > MAX_CONFIG_BYTES) throw new RelayError("CONFIG_TOO_LARGE", `the configuration is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}`);
  let text: string;
  try {
    text = typeof document === "string" ? document : new TextDecoder("utf-8", { fatal: true }).decode(document);
  } catch {
    throw invalid("the configuration is not UTF-8 text");
  }
  text = text.trim();
  if (text === "") throw invalid("the configuration is empty");

  const { payload, signatures } = splitJws(text);
  if (!B64URL.test(payload)) throw invalid("the JWS payload is not base64url");

  const { trusted } = options;
  const signers = new Set<string>();
  const unknownKids: string[] = [];
  let alg: SigningAlg | undefined;
  for (const sig of signatures) {
    const header = checkHeader(decodeJsonPart(sig.protected, "JWS header"));
    if (header.kid === undefined) throw new RelayError("CONFIG_UNKNOWN_KEY", "the signature names no key (kid is missing)");
    const key = trusted.keys.get(header.kid);
    if (!key) {
      unknownKids.push(header.kid);
      continue;
    }
    if (key.alg !== header.alg) {
      throw new RelayError("CONFIG_BAD_SIGNATURE", `the header says ${header.alg} but the trusted key "${header.kid}" is an ${key.alg} key`);
    }
    try {
      await flattenedVerify({ protected: sig.protected, payload, signature: sig.signature }, key.key, { algorithms: [key.alg] });
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) {
        throw new RelayError("CONFIG_BAD_SIGNATURE", `the signature by "${header.kid}" does not verify: the document was altered or forged`, { cause: err });
      }
      throw err;
    }
    signers.add(header.kid);
    alg ??= header.alg;
  }
  if (signers.size < trusted.threshold || alg === undefined) {
    const unknown = unknownKids.length > 0 ? `signed by unknown key(s) ${unknownKids.map((k) => JSON.stringify(k)).join(", ")}; ` : "";
    throw new RelayError(
      "CONFIG_UNKNOWN_KEY",
      `${unknown}${signers.size} distinct trusted signer(s), ${trusted.threshold} required`,
    );
  }

  const raw = decodeJsonPart(payload, "payload");
  const claims = claimsSchema.safeParse(raw);
  if (!claims.success) throw invalid(describeIssues(claims.error));
  const { iat, exp, nbf, iss, ver } = claims.data;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (exp <= iat) throw invalid(`exp (${day(exp)}) is not after iat (${day(iat)})`);
  if (now >= exp + CLOCK_SKEW_SECONDS) {
    throw new RelayError("CONFIG_EXPIRED", `the configuration expired on ${day(exp)}; ask IT for a current one`);
  }
  const notBefore = Math.max(iat, nbf ?? 0);
  if (notBefore > now + CLOCK_SKEW_SECONDS) {
    throw new RelayError("CONFIG_NOT_YET_VALID", `the configuration is valid only from ${day(notBefore)}; check this computer's clock`);
  }

  const full = payloadSchema.safeParse(raw);
  if (!full.success) throw invalid(describeIssues(full.error));

  let previousVer: number | undefined;
  if (options.state) {
    previousVer = await options.state.highest(iss);
    if (previousVer !== undefined && ver < previousVer) {
      throw new RelayError("CONFIG_ROLLBACK", `version ${ver} from ${iss} is older than version ${previousVer} already used here`);
    }
    await options.state.record(iss, ver, options.now ?? new Date());
  }

  return {
    payload: full.data,
    signers: [...signers],
    alg,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
    previousVer,
  };
}
