import { describe, expect, it } from "vitest";
import { parseTrustedKeys } from "../../src/config/trustedKeys.js";
import { RelayError } from "../../src/errors.js";
import { jwksText, makeKey } from "../helpers/org.js";

async function refusal(text: string): Promise<string> {
  try {
    await parseTrustedKeys(text, "keys.json");
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe("BAD_INPUT");
    return (err as RelayError).message;
  }
  throw new Error("expected the JWKS to be refused");
}

describe("parseTrustedKeys", () => {
  it("refuses one key listed twice under different kids (finding 5: a threshold of 2 met with one private key)", async () => {
    const key = await makeKey();
    const twice = JSON.stringify({ keys: [{ ...key.publicJwk, kid: "it-a" }, { ...key.publicJwk, kid: "it-b" }], threshold: 2 });
    expect(await refusal(twice)).toBe('keys.json: the keys "it-a" and "it-b" are the same key (RFC 7638 thumbprint); each signer must have its own key');
    // The same key with extra members (use, alg) is still the same key.
    const dressed = JSON.stringify({ keys: [{ ...key.publicJwk, kid: "a" }, { ...key.publicJwk, kid: "b", use: "sig", alg: "EdDSA" }] });
    expect(await refusal(dressed)).toMatch(/"a" and "b" are the same key/);
  });

  it("reads Ed25519 and P-256 keys and the threshold", async () => {
    const [ed, ec] = [await makeKey("EdDSA"), await makeKey("ES256")];
    const trusted = await parseTrustedKeys(jwksText([ed, ec], 2));
    expect(trusted.threshold).toBe(2);
    expect(trusted.keys.get(ed.kid)?.alg).toBe("EdDSA");
    expect(trusted.keys.get(ec.kid)?.alg).toBe("ES256");
    expect((await parseTrustedKeys(JSON.stringify({ keys: [ed.publicJwk] }))).threshold).toBe(1);
  });

  it("refuses private key material, symmetric keys and other key types", async () => {
    const key = await makeKey();
    expect(await refusal(JSON.stringify({ keys: [key.privateJwk] }))).toMatch(/private or secret key material/);
    expect(await refusal(JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "h" }] }))).toMatch(/secret key material/);
    expect(await refusal(JSON.stringify({ keys: [{ kty: "RSA", n: "AQAB", e: "AQAB", kid: "r" }] }))).toMatch(/kty/);
    expect(await refusal(JSON.stringify({ keys: [{ ...key.publicJwk, crv: "Ed448" }] }))).toMatch(/crv/);
  });

  it("refuses duplicate kids, a missing kid, an unreachable threshold and unknown fields", async () => {
    const key = await makeKey();
    expect(await refusal(JSON.stringify({ keys: [key.publicJwk, key.publicJwk] }))).toMatch(/appears twice/);
    const { kid: _kid, ...noKid } = key.publicJwk;
    expect(await refusal(JSON.stringify({ keys: [noKid] }))).toMatch(/kid/);
    expect(await refusal(jwksText([key], 2))).toMatch(/threshold 2 is more than the 1 key/);
    expect(await refusal(jwksText([key], 0))).toMatch(/threshold/);
    expect(await refusal(JSON.stringify({ keys: [key.publicJwk], trustAll: true }))).toMatch(/trustAll/);
    expect(await refusal(JSON.stringify({ keys: [] }))).toMatch(/keys/);
    expect(await refusal("not json")).toMatch(/not valid JSON/);
    expect(await refusal(`{"keys":[],"__proto__":{"threshold":0}}`)).toMatch(/__proto__/);
  });

  it("refuses a public key that is not on its curve", async () => {
    const key = await makeKey("ES256");
    expect(await refusal(JSON.stringify({ keys: [{ ...key.publicJwk, y: key.publicJwk.x }] }))).toMatch(/cannot be imported/);
  });
});
