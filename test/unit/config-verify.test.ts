import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { base64url, exportSPKI } from "jose";
import { describe, expect, it } from "vitest";
import { RollbackState } from "../../src/config/rollbackState.js";
import { verifyConfig, MAX_CONFIG_BYTES, CLOCK_SKEW_SECONDS, CONFIG_TYP as CONFIG_TYP_TEXT } from "../../src/config/verify.js";
import { RelayError, type FailureCode } from "../../src/errors.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import {
  NOW, NOW_S, createRootCa, fullPayload, header, hmacSign, issueServerCert, makeKey, rawSign, signed, tempDir, testCa, trustOf,
} from "../helpers/org.js";

async function rejection(promise: Promise<unknown>): Promise<RelayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RelayError) return err;
    throw err;
  }
  throw new Error("expected a rejection, but the document was accepted");
}

async function expectCode(promise: Promise<unknown>, code: FailureCode, message?: RegExp): Promise<void> {
  const err = await rejection(promise);
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
}

describe("verifyConfig: signatures", () => {
  it("accepts a document signed by a trusted Ed25519 key and returns the configuration", async () => {
    const key = await makeKey();
    const result = await verifyConfig(await signed(key, { ver: 7 }), { trusted: await trustOf([key]), now: NOW });
    expect(result.payload.ver).toBe(7);
    expect(result.payload.config.submission.host).toBe("relay.internal.test");
    expect(result.signers).toEqual([key.kid]);
    expect(result.alg).toBe("EdDSA");
  });

  it("accepts ES256 as well", async () => {
    const key = await makeKey("ES256");
    const result = await verifyConfig(await signed(key), { trusted: await trustOf([key]), now: NOW });
    expect(result.alg).toBe("ES256");
  });

  it("refuses a document whose payload was changed by one byte", async () => {
    const key = await makeKey();
    const [h, p, s] = (await signed(key)).split(".") as [string, string, string];
    const json = new TextDecoder().decode(base64url.decode(p)).replace('"port":587', '"port":586');
    const tampered = `${h}.${base64url.encode(json)}.${s}`;
    await expectCode(verifyConfig(tampered, { trusted: await trustOf([key]), now: NOW }), "CONFIG_BAD_SIGNATURE");
  });

  it("refuses a document whose signature was changed", async () => {
    const key = await makeKey();
    const [h, p, s] = (await signed(key)).split(".") as [string, string, string];
    const sig = base64url.decode(s);
    sig[10] = sig[10]! ^ 0xff;
    await expectCode(verifyConfig(`${h}.${p}.${base64url.encode(sig)}`, { trusted: await trustOf([key]), now: NOW }), "CONFIG_BAD_SIGNATURE");
  });

  it("refuses a signature from a key that is not trusted", async () => {
    const [trusted, stranger] = [await makeKey(), await makeKey()];
    await expectCode(verifyConfig(await signed(stranger), { trusted: await trustOf([trusted]), now: NOW }), "CONFIG_UNKNOWN_KEY", /unknown key/);
  });

  it("refuses a forged document that claims a trusted kid but is signed by another key", async () => {
    const [trusted, attacker] = [await makeKey(), await makeKey()];
    const forged = await rawSign(header(trusted), await fullPayload(), attacker);
    await expectCode(verifyConfig(forged, { trusted: await trustOf([trusted]), now: NOW }), "CONFIG_BAD_SIGNATURE");
  });

  it('refuses alg "none" with an empty signature', async () => {
    const key = await makeKey();
    const payload = await fullPayload();
    const doc = `${base64url.encode(JSON.stringify({ alg: "none", kid: key.kid, typ: "relay-onboard-config+jwt" }))}.${base64url.encode(JSON.stringify(payload))}.`;
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_ALG_NOT_ALLOWED", /"none"/);
  });

  it("refuses HS256 keyed with the trusted public key (algorithm confusion)", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const spki = await exportSPKI(trusted.keys.get(key.kid)!.key);
    for (const secret of [spki, Buffer.from(key.publicJwk.x!, "base64url"), JSON.stringify(key.publicJwk)]) {
      const doc = hmacSign(header(key, { alg: "HS256" }), await fullPayload(), secret);
      await expectCode(verifyConfig(doc, { trusted, now: NOW }), "CONFIG_ALG_NOT_ALLOWED", /HS256/);
    }
  });

  it("refuses other algorithms outside the allow list", async () => {
    const key = await makeKey();
    for (const alg of ["RS256", "ES384", "PS256", "Ed448", "EDDSA", "", 42, null]) {
      const doc = await rawSign(header(key, { alg }), await fullPayload(), key);
      await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_ALG_NOT_ALLOWED");
    }
  });

  it("refuses a signature without a kid", async () => {
    const key = await makeKey();
    const { kid: _omit, ...noKid } = header(key);
    const doc = await rawSign(noKid, await fullPayload(), key);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_UNKNOWN_KEY", /kid is missing/);
  });

  it("never uses key material carried in the header (jwk, jku, x5c, x5u)", async () => {
    const [trusted, attacker] = [await makeKey(), await makeKey()];
    const payload = await fullPayload();
    const embedded = [
      { jwk: attacker.publicJwk },
      { jwk: attacker.publicJwk, kid: attacker.kid },
      { jku: "https://evil.test/jwks.json" },
      { x5u: "https://evil.test/cert.pem" },
      { x5c: ["MIIB"] },
    ];
    for (const extra of embedded) {
      const doc = await rawSign(header(attacker, extra), payload, attacker);
      await expectCode(verifyConfig(doc, { trusted: await trustOf([trusted]), now: NOW }), "CONFIG_BAD_SIGNATURE", /carries its own key/);
    }
    // Even when the trusted key itself signed, a header with key material is refused.
    const doc = await rawSign(header(trusted, { jwk: trusted.publicJwk }), payload, trusted);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([trusted]), now: NOW }), "CONFIG_BAD_SIGNATURE");
  });

  it("refuses crit, b64 and other unsupported header parameters", async () => {
    const key = await makeKey();
    for (const extra of [{ crit: ["exp"], exp: 1 }, { b64: false, crit: ["b64"] }, { cty: "JWT" }]) {
      const doc = await rawSign(header(key, extra), await fullPayload(), key);
      await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_BAD_SIGNATURE", /unsupported JWS header/);
    }
  });

  it("refuses a document of another type (typ)", async () => {
    const key = await makeKey();
    for (const typ of ["JWT", undefined, "relay-onboard-config+JWT"]) {
      const doc = await rawSign(header(key, { typ }), await fullPayload(), key);
      await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_INVALID", /typ/);
    }
  });

  it("refuses a header alg that does not match the trusted key's type", async () => {
    const ed = await makeKey("EdDSA");
    const ec = await makeKey("ES256");
    const doc = await rawSign(header(ec, { kid: ed.kid }), await fullPayload(), ec);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([ed, ec]), now: NOW }), "CONFIG_BAD_SIGNATURE", /EdDSA key/);
  });
});

describe("verifyConfig: threshold of distinct signers", () => {
  it("accepts two distinct trusted signers when two are required", async () => {
    const [a, b] = [await makeKey(), await makeKey("ES256")];
    const doc = await signed([a, b]);
    expect(doc.startsWith("{")).toBe(true);
    const result = await verifyConfig(doc, { trusted: await trustOf([a, b], 2), now: NOW });
    expect(result.signers.sort()).toEqual([a.kid, b.kid].sort());
  });

  it("refuses the same key signing twice when two signers are required", async () => {
    const [a, b] = [await makeKey(), await makeKey()];
    const single = JSON.parse(await signed([a, b])) as { payload: string; signatures: Array<{ protected: string; signature: string }> };
    const first = single.signatures.find((s) => (JSON.parse(Buffer.from(s.protected, "base64url").toString()) as { kid: string }).kid === a.kid)!;
    const doubled = JSON.stringify({ payload: single.payload, signatures: [first, first] });
    await expectCode(verifyConfig(doubled, { trusted: await trustOf([a, b], 2), now: NOW }), "CONFIG_UNKNOWN_KEY", /1 distinct trusted signer\(s\), 2 required/);
  });

  it("refuses a single compact signature when two are required", async () => {
    const [a, b] = [await makeKey(), await makeKey()];
    await expectCode(verifyConfig(await signed(a), { trusted: await trustOf([a, b], 2), now: NOW }), "CONFIG_UNKNOWN_KEY", /2 required/);
  });

  it("counts only trusted signers: an extra unknown signer neither helps nor hurts", async () => {
    const [a, b, stranger] = [await makeKey(), await makeKey(), await makeKey()];
    const trustedTwo = await trustOf([a, b], 2);
    await expectCode(verifyConfig(await signed([a, stranger]), { trusted: trustedTwo, now: NOW }), "CONFIG_UNKNOWN_KEY");
    const ok = await verifyConfig(await signed([a, b, stranger]), { trusted: trustedTwo, now: NOW });
    expect(ok.signers).toHaveLength(2);
  });

  it("refuses unprotected headers in the JSON serialization", async () => {
    const [a, b] = [await makeKey(), await makeKey()];
    const doc = JSON.parse(await signed([a, b])) as { signatures: Array<Record<string, unknown>> };
    doc.signatures[0]!["header"] = { kid: "x" };
    await expectCode(verifyConfig(JSON.stringify(doc), { trusted: await trustOf([a, b], 2), now: NOW }), "CONFIG_BAD_SIGNATURE", /unprotected/);
  });

  it("accepts the flattened JSON serialization of a single signature", async () => {
    const key = await makeKey();
    const [h, p, s] = (await signed(key)).split(".");
    const doc = JSON.stringify({ protected: h, payload: p, signature: s });
    expect((await verifyConfig(doc, { trusted: await trustOf([key]), now: NOW })).signers).toEqual([key.kid]);
  });
});

describe("verifyConfig: validity window", () => {
  it("refuses an expired document and says when it expired", async () => {
    const key = await makeKey();
    const doc = await signed(key, { now: new Date("2026-07-03T00:00:00Z"), expiresIn: 90 * 86400 });
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_EXPIRED", /expired on 2026-10-01 00:00 UTC; ask IT/);
  });

  it("refuses a document issued in the future, beyond the clock skew", async () => {
    const key = await makeKey();
    const doc = await signed(key, { now: new Date(NOW.getTime() + (CLOCK_SKEW_SECONDS + 60) * 1000) });
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_NOT_YET_VALID");
  });

  it("tolerates a small clock skew on both ends", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const early = await signed(key, { now: new Date(NOW.getTime() + 60_000) });
    await expect(verifyConfig(early, { trusted, now: NOW })).resolves.toBeTruthy();
    const justExpired = await signed(key, { now: new Date(NOW.getTime() - 3600_000), expiresIn: 3600 - 60 });
    await expect(verifyConfig(justExpired, { trusted, now: NOW })).resolves.toBeTruthy();
  });

  it("honours nbf", async () => {
    const key = await makeKey();
    const doc = await rawSign(header(key), await fullPayload({ nbf: NOW_S + 3600 }), key);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_NOT_YET_VALID");
  });

  it("reports the dates users see exactly: issuedAt and expiresAt from iat and exp", async () => {
    const key = await makeKey();
    const doc = await rawSign(header(key), await fullPayload({ iat: NOW_S - 3600, exp: NOW_S + 7 * 86400 }), key);
    const result = await verifyConfig(doc, { trusted: await trustOf([key]), now: NOW });
    expect(result.issuedAt.toISOString()).toBe(new Date((NOW_S - 3600) * 1000).toISOString());
    expect(result.expiresAt.toISOString()).toBe(new Date((NOW_S + 7 * 86400) * 1000).toISOString());
    expect(result.previousVer).toBeUndefined();
  });

  it("draws the clock-skew boundaries to the second, on both ends, with nbf and iat", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const at = (seconds: number) => new Date(seconds * 1000);
    const exp = NOW_S + 1000;
    const doc = await rawSign(header(key), await fullPayload({ iat: NOW_S - 1000, exp }), key);
    await expect(verifyConfig(doc, { trusted, now: at(exp + CLOCK_SKEW_SECONDS - 1) })).resolves.toBeTruthy();
    await expectCode(verifyConfig(doc, { trusted, now: at(exp + CLOCK_SKEW_SECONDS) }), "CONFIG_EXPIRED", /expired on 2026-11-27 12:16 UTC/);
    for (const field of ["iat", "nbf"] as const) {
      const start = NOW_S + 500;
      const future = await rawSign(header(key), await fullPayload({ iat: field === "iat" ? start : NOW_S - 10, ...(field === "nbf" ? { nbf: start } : {}), exp: NOW_S + 86400 }), key);
      await expect(verifyConfig(future, { trusted, now: at(start - CLOCK_SKEW_SECONDS) }), field).resolves.toBeTruthy();
      await expectCode(verifyConfig(future, { trusted, now: at(start - CLOCK_SKEW_SECONDS - 1) }), "CONFIG_NOT_YET_VALID", /valid only from 2026-11-27 12:08 UTC; check this computer's clock/);
    }
    // nbf earlier than iat: iat still counts.
    const both = await rawSign(header(key), await fullPayload({ iat: NOW_S + 500, nbf: NOW_S - 500, exp: NOW_S + 86400 }), key);
    await expectCode(verifyConfig(both, { trusted, now: NOW }), "CONFIG_NOT_YET_VALID");
    // exp one second after iat is a (short) valid window; equal is not.
    const short = await rawSign(header(key), await fullPayload({ iat: NOW_S, exp: NOW_S + 1 }), key);
    await expect(verifyConfig(short, { trusted, now: NOW })).resolves.toBeTruthy();
    const empty = await rawSign(header(key), await fullPayload({ iat: NOW_S, exp: NOW_S }), key);
    await expectCode(verifyConfig(empty, { trusted, now: NOW }), "CONFIG_INVALID", /exp \(2026-11-27 12:00 UTC\) is not after iat \(2026-11-27 12:00 UTC\)/);
  });

  it("refuses exp before iat", async () => {
    const key = await makeKey();
    const doc = await rawSign(header(key), await fullPayload({ iat: NOW_S, exp: NOW_S - 1 }), key);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: new Date((NOW_S - 100) * 1000) }), "CONFIG_INVALID", /not after iat/);
  });
});

describe("verifyConfig: rollback protection", () => {
  it("refuses a lower ver, accepts an equal one, and records only accepted documents", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const dir = await tempDir();
    const state = RollbackState.inDir(dir);
    await verifyConfig(await signed(key, { ver: 7 }), { trusted, now: NOW, state });
    const recorded = await readFile(state.file, "utf8");
    expect(await state.highest("internal.test")).toBe(7);

    await expectCode(verifyConfig(await signed(key, { ver: 6 }), { trusted, now: NOW, state }), "CONFIG_ROLLBACK", /version 6 .* older than version 7/);
    const again = await verifyConfig(await signed(key, { ver: 7 }), { trusted, now: NOW, state });
    expect(again.previousVer).toBe(7);
    expect(await readFile(state.file, "utf8")).toBe(recorded); // idempotent: nothing rewritten

    // A rejected document never moves the state, even with a higher ver.
    const expiredHigher = await signed(key, { ver: 9, now: new Date("2025-01-01T00:00:00Z"), expiresIn: 86400 });
    await expectCode(verifyConfig(expiredHigher, { trusted, now: NOW, state }), "CONFIG_EXPIRED");
    const stranger = await makeKey();
    await expectCode(verifyConfig(await signed(stranger, { ver: 10 }), { trusted, now: NOW, state }), "CONFIG_UNKNOWN_KEY");
    expect(await readFile(state.file, "utf8")).toBe(recorded);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("keeps issuers apart, including one named __proto__", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const state = RollbackState.inDir(await tempDir());
    const base = await fullPayload();
    for (const iss of ["__proto__", "constructor", "other.test"]) {
      await verifyConfig(await rawSign(header(key), { ...base, iss, ver: 3 }, key), { trusted, now: NOW, state });
    }
    expect(await state.highest("__proto__")).toBe(3);
    expect(await state.highest("internal.test")).toBeUndefined();
    await expectCode(verifyConfig(await rawSign(header(key), { ...base, iss: "__proto__", ver: 2 }, key), { trusted, now: NOW, state }), "CONFIG_ROLLBACK");
    expect(({} as Record<string, unknown>)["ver"]).toBeUndefined();
  });

  it("fails closed on a damaged state file instead of forgetting what it saw", async () => {
    const key = await makeKey();
    const dir = await tempDir();
    const state = RollbackState.inDir(dir);
    await writeFile(state.file, "{ not json");
    await expectCode(verifyConfig(await signed(key), { trusted: await trustOf([key]), now: NOW, state }), "BAD_INPUT", /damaged/);
    expect(await readFile(state.file, "utf8")).toBe("{ not json");
  });
});

describe("verifyConfig: payload schema", () => {
  async function withPayload(mutate: (p: Record<string, any>) => void): Promise<unknown> {
    const key = await makeKey();
    const payload = await fullPayload();
    mutate(payload);
    return verifyConfig(await rawSign(header(key), payload, key), { trusted: await trustOf([key]), now: NOW });
  }

  it("refuses unknown fields at every level", async () => {
    await expectCode(withPayload((p) => (p["extra"] = 1)), "CONFIG_INVALID", /unknown field.*"extra"/);
    await expectCode(withPayload((p) => (p["config"].submission.plaintextFallback = true)), "CONFIG_INVALID", /config\.submission.*plaintextFallback/);
    await expectCode(withPayload((p) => (p["config"].organization.support.fax = "1")), "CONFIG_INVALID", /fax/);
  });

  it("root rotation: a retired root equal to a current one is refused, naming the field", async () => {
    const next = await createRootCa("Next Root");
    const nextEntry = { pem: next.certPem, sha256: sha256Hex(singleCertificateDer(next.certPem)) };
    await expectCode(withPayload((p) => (p["config"].retiredRoots = [{ sha256: p["config"].rootCa.sha256 }])), "CONFIG_INVALID", /config\.retiredRoots\.0\.sha256: retires a current root \(rootCa\)/);
    await expectCode(withPayload((p) => ((p["config"].additionalRoots = [nextEntry]), (p["config"].retiredRoots = [{ sha256: "ab".repeat(32) }, { sha256: nextEntry.sha256 }]))), "CONFIG_INVALID", /retiredRoots\.1\.sha256: retires a current root \(additionalRoots\.0\)/);
    await expectCode(withPayload((p) => (p["config"].additionalRoots = [p["config"].rootCa])), "CONFIG_INVALID", /additionalRoots\.0\.sha256: repeats rootCa/);
    await expectCode(withPayload((p) => (p["config"].additionalRoots = [{ ...nextEntry, sha256: "00".repeat(32) }])), "CONFIG_INVALID", /additionalRoots\.0\.sha256: does not match the certificate/);
    await expectCode(withPayload((p) => (p["config"].retiredRoots = [{ sha256: "AB".repeat(32) }])), "CONFIG_INVALID", /retiredRoots\.0\.sha256: must be 64 lowercase hex digits/);
    await expectCode(withPayload((p) => (p["config"].retiredRoots = [])), "CONFIG_INVALID", /retiredRoots/);
    const ok = (await withPayload((p) => ((p["config"].additionalRoots = [nextEntry]), (p["config"].retiredRoots = [{ sha256: "ab".repeat(32), subject: "CN=Old Root" }])))) as { payload: { config: { additionalRoots: unknown[] } } };
    expect(ok.payload.config.additionalRoots).toEqual([nextEntry]);
  });

  it("refuses __proto__ keys in the payload without polluting anything", async () => {
    const key = await makeKey();
    const payload = JSON.stringify(await fullPayload()).replace('"config":{', '"config":{"__proto__":{"polluted":true},');
    const doc = await rawSign(header(key), payload, key);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_INVALID", /__proto__/);
    const nested = JSON.stringify(await fullPayload()).replace('"submission":{', '"submission":{"__proto__":{"isAdmin":true},');
    await expectCode(verifyConfig(await rawSign(header(key), nested, key), { trusted: await trustOf([key]), now: NOW }), "CONFIG_INVALID", /__proto__/);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(({} as Record<string, unknown>)["isAdmin"]).toBeUndefined();
  });

  it("refuses __proto__ in the JWS header", async () => {
    const key = await makeKey();
    const doc = await rawSign(`{"alg":"EdDSA","kid":"${key.kid}","typ":"relay-onboard-config+jwt","__proto__":{"alg":"EdDSA"}}`, await fullPayload(), key);
    await expectCode(verifyConfig(doc, { trusted: await trustOf([key]), now: NOW }), "CONFIG_INVALID", /__proto__/);
  });

  it("refuses a rootCa.sha256 that does not match the certificate", async () => {
    await expectCode(withPayload((p) => (p["config"].rootCa.sha256 = "0".repeat(64))), "CONFIG_INVALID", /rootCa\.sha256: does not match/);
    await expectCode(withPayload((p) => (p["config"].rootCa.sha256 = p["config"].rootCa.sha256.toUpperCase())), "CONFIG_INVALID", /lowercase/);
  });

  it("refuses a leaf certificate as rootCa, even with the right fingerprint", async () => {
    const leaf = await issueServerCert(await testCa(), ["relay.internal.test"]);
    await expectCode(
      withPayload((p) => (p["config"].rootCa = { pem: leaf.certPem, sha256: sha256Hex(singleCertificateDer(leaf.certPem)) })),
      "CONFIG_INVALID",
      /not a CA certificate/,
    );
    const notCa = await createRootCa("Self-signed but not a CA", { isCa: false });
    await expectCode(
      withPayload((p) => (p["config"].rootCa = { pem: notCa.certPem, sha256: sha256Hex(singleCertificateDer(notCa.certPem)) })),
      "CONFIG_INVALID",
      /not a CA certificate/,
    );
  });

  it("refuses a rootCa PEM with two certificates or with trailing text", async () => {
    const other = await createRootCa("Second");
    await expectCode(withPayload((p) => (p["config"].rootCa.pem += other.certPem)), "CONFIG_INVALID", /exactly one PEM certificate/);
    await expectCode(withPayload((p) => (p["config"].rootCa.pem += "\nextra")), "CONFIG_INVALID", /unexpected text/);
  });

  it("refuses unsafe or malformed fields", async () => {
    await expectCode(withPayload((p) => (p["config"].organization.name = "Evil\r\nOrg")), "CONFIG_INVALID", /organization\.name/);
    await expectCode(withPayload((p) => (p["config"].organization.name = "Org \u202egnp.exe")), "CONFIG_INVALID", /bidirectional/);
    await expectCode(withPayload((p) => (p["config"].submission.security = "none")), "CONFIG_INVALID", /security/);
    await expectCode(withPayload((p) => (p["config"].submission.auth = ["GSSAPI"])), "CONFIG_INVALID", /auth/);
    await expectCode(withPayload((p) => (p["config"].submission.auth = ["PLAIN", "PLAIN"])), "CONFIG_INVALID", /repeat/);
    await expectCode(withPayload((p) => (p["config"].submission.auth = [])), "CONFIG_INVALID", /auth/);
    await expectCode(withPayload((p) => (p["config"].submission.port = 70000)), "CONFIG_INVALID", /port/);
    await expectCode(withPayload((p) => (p["config"].submission.host = "relay.internal.test\r\nRCPT")), "CONFIG_INVALID", /host/);
    await expectCode(withPayload((p) => (p["config"].submission.username = "{password}")), "CONFIG_INVALID", /placeholders/);
    await expectCode(withPayload((p) => (p["config"].organization.support.url = "http://help.internal.test")), "CONFIG_INVALID", /url/);
    await expectCode(withPayload((p) => (p["config"].probe.externalRecipient = "not an address")), "CONFIG_INVALID", /externalRecipient/);
    await expectCode(withPayload((p) => delete p["config"].submission), "CONFIG_INVALID", /submission/);
    await expectCode(withPayload((p) => (p["ver"] = 1.5)), "CONFIG_INVALID", /ver/);
    await expectCode(withPayload((p) => (p["ver"] = 0)), "CONFIG_INVALID", /ver/);
  });

  it("accepts the templates and optional sections of the contract", async () => {
    const result = withPayload((p) => {
      p["config"].submission.username = "CORP\\{local}";
      p["config"].submission.security = "tls";
      p["config"].submission.port = 465;
      p["config"].submission.auth = ["NTLM", "XOAUTH2", "CRAM-MD5"];
      p["config"].incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{local}@{domain}" };
      delete p["config"].inbound;
      delete p["config"].probe;
    });
    await expect(result).resolves.toBeTruthy();
  });
});

describe("verifyConfig: size and structure", () => {
  it("refuses a document over 64 KiB before parsing it", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    await expectCode(verifyConfig("x".repeat(65 * 1024), { trusted, now: NOW }), "CONFIG_TOO_LARGE");
    const padded = await rawSign(header(key), { ...(await fullPayload()), pad: "a".repeat(MAX_CONFIG_BYTES) }, key);
    await expectCode(verifyConfig(padded, { trusted, now: NOW }), "CONFIG_TOO_LARGE");
    await expectCode(verifyConfig(Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x7b), { trusted, now: NOW }), "CONFIG_TOO_LARGE");
  });

  it("refuses garbage with CONFIG_INVALID", async () => {
    const trusted = await trustOf([await makeKey()]);
    for (const doc of ["", "a.b", "a.b.c.d", "{}", "[]", "{\"payload\":1}", "!!.??.**", Buffer.from([0xff, 0xfe, 0x2e])]) {
      await expectCode(verifyConfig(doc, { trusted, now: NOW }), "CONFIG_INVALID");
    }
  });

  it("never accepts a mutated document unless the mutation decodes to the same bytes (property)", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const doc = await signed(key);
    const original = doc.split(".").map((part) => Buffer.from(base64url.decode(part)).toString("hex"));
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: doc.length - 1 }), fc.constantFrom(...alphabet), async (index, char) => {
        const mutated = doc.slice(0, index) + char + doc.slice(index + 1);
        try {
          await verifyConfig(mutated, { trusted, now: NOW });
        } catch (err) {
          return err instanceof RelayError;
        }
        // Accepted: only possible if every part still decodes to the signed bytes (unused base64 bits).
        const parts = mutated.split(".").map((part) => Buffer.from(base64url.decode(part)).toString("hex"));
        return JSON.stringify(parts) === JSON.stringify(original);
      }),
      { numRuns: 300 },
    );
  });

  it("answers any input with a coded failure, never another exception (property)", async () => {
    const trusted = await trustOf([await makeKey()]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString("base64url") + "." + Buffer.from(b).toString("base64url") + ".AA")), async (input) => {
        try {
          await verifyConfig(input, { trusted, now: NOW });
          return false;
        } catch (err) {
          return err instanceof RelayError;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the state file", () => {
  it("is written with mode 600", async () => {
    const key = await makeKey();
    const dir = await tempDir();
    const state = RollbackState.inDir(dir);
    await verifyConfig(await signed(key), { trusted: await trustOf([key]), now: NOW, state });
    const { stat } = await import("node:fs/promises");
    expect((await stat(join(dir, "config-state.json"))).mode & 0o777).toBe(0o600);
  });
});

describe("verifyConfig: every refusal says exactly what is wrong", () => {
  const enc = (value: unknown) => base64url.encode(typeof value === "string" ? value : JSON.stringify(value));

  it("size, encoding and framing", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const check = async (doc: string | Uint8Array, code: FailureCode, message: string) => {
      const err = await rejection(verifyConfig(doc, { trusted, now: NOW }));
      expect([err.code, err.message], typeof doc === "string" ? doc.slice(0, 40) : "bytes").toEqual([code, message]);
    };
    // Multi-byte characters count as bytes, for strings and byte arrays alike.
    await check("é".repeat(MAX_CONFIG_BYTES / 2 + 1), "CONFIG_TOO_LARGE", `the configuration is ${MAX_CONFIG_BYTES + 2} bytes; the limit is ${MAX_CONFIG_BYTES}`);
    await check(new Uint8Array(MAX_CONFIG_BYTES + 1), "CONFIG_TOO_LARGE", `the configuration is ${MAX_CONFIG_BYTES + 1} bytes; the limit is ${MAX_CONFIG_BYTES}`);
    await check("x".repeat(MAX_CONFIG_BYTES), "CONFIG_INVALID", "not a JWS: expected three dot-separated parts (compact serialization)");
    await check(new Uint8Array([0xff, 0xfe]), "CONFIG_INVALID", "the configuration is not UTF-8 text");
    await check(" \n\t ", "CONFIG_INVALID", "the configuration is empty");
    await check("a.b", "CONFIG_INVALID", "not a JWS: expected three dot-separated parts (compact serialization)");
    await check("a.b.c.d", "CONFIG_INVALID", "not a JWS: expected three dot-separated parts (compact serialization)");
    await check("{", "CONFIG_INVALID", "not a JWS: the JSON serialization does not parse");
    await check('{"signatures": []}', "CONFIG_INVALID", "not a JWS: no payload");
    await check('{"payload": 1, "signatures": []}', "CONFIG_INVALID", "not a JWS: no payload");
    await check("[1]", "CONFIG_INVALID", "not a JWS: expected three dot-separated parts (compact serialization)");
    await check('{"payload": "e30", "signatures": []}', "CONFIG_INVALID", "not a JWS: between 1 and 16 signatures are expected");
    const sig = { protected: enc(header(key)), signature: "AA" };
    await check(JSON.stringify({ payload: "e30", signatures: Array(17).fill(sig) }), "CONFIG_INVALID", "not a JWS: between 1 and 16 signatures are expected");
    await check(JSON.stringify({ payload: "e30", signatures: [sig], extra: 1 }), "CONFIG_INVALID", "not a JWS: unexpected member(s) extra");
    await check(JSON.stringify({ payload: "e30", ...sig, signatures: undefined, x: 1, y: 2 }), "CONFIG_INVALID", "not a JWS: unexpected member(s) x, y");
    await check(JSON.stringify({ payload: "e30", signatures: [sig], header: {} }), "CONFIG_BAD_SIGNATURE", "unprotected JWS headers are not accepted; every header must be signed");
    await check(JSON.stringify({ payload: "e30", signatures: [{ ...sig, header: { kid: "x" } }] }), "CONFIG_BAD_SIGNATURE", "unprotected JWS headers are not accepted; every header must be signed");
    await check(JSON.stringify({ payload: "e30", signatures: ["x"] }), "CONFIG_INVALID", "not a JWS: a signature entry is not an object");
    await check(JSON.stringify({ payload: "e30", signatures: [[1]] }), "CONFIG_INVALID", "not a JWS: a signature entry is not an object");
    await check(JSON.stringify({ payload: "e30", signatures: [{ ...sig, other: 1 }] }), "CONFIG_INVALID", "not a JWS: unexpected member(s) other");
    await check(JSON.stringify({ payload: "e30", signatures: [{ protected: sig.protected }] }), "CONFIG_INVALID", "not a JWS: a signature lacks its protected header or signature");
    await check(JSON.stringify({ payload: "e30", signatures: [{ signature: "AA" }] }), "CONFIG_INVALID", "not a JWS: a signature lacks its protected header or signature");
    await check(JSON.stringify({ payload: "e30", signatures: [{ protected: 1, signature: "AA" }] }), "CONFIG_INVALID", "not a JWS: a signature lacks its protected header or signature");
    await check(`${enc(header(key))}.e30+.AA`, "CONFIG_INVALID", "the JWS payload is not base64url");
    await check(`${enc(header(key))}.e30=.AA`, "CONFIG_INVALID", "the JWS payload is not base64url");
  });

  it("headers, keys and signers", async () => {
    const key = await makeKey();
    const other = await makeKey("ES256");
    const trusted = await trustOf([key]);
    const payload = await fullPayload();
    const check = async (doc: string, code: FailureCode, message: string, trust = trusted) => {
      const err = await rejection(verifyConfig(doc, { trusted: trust, now: NOW }));
      expect([err.code, err.message]).toEqual([code, message]);
    };
    const withHeader = (h: string) => `${h}.${enc(payload)}.AA`;
    await check(withHeader("e30/"), "CONFIG_INVALID", "the JWS header is not base64url");
    await check(withHeader(base64url.encode(new Uint8Array([0xc3, 0x28]))), "CONFIG_INVALID", "the JWS header is not valid UTF-8");
    await check(withHeader(enc("{nope")), "CONFIG_INVALID", "the JWS header is not valid JSON");
    await check(withHeader(enc("[]")), "CONFIG_INVALID", "the JWS header is not a JSON object");
    await check(withHeader(enc("null")), "CONFIG_INVALID", "the JWS header is not a JSON object");
    await check(withHeader(enc({ kid: key.kid, typ: CONFIG_TYP_TEXT })), "CONFIG_ALG_NOT_ALLOWED", "the signature algorithm null is not allowed (only EdDSA and ES256)");
    await check(withHeader(enc({ alg: 5 })), "CONFIG_ALG_NOT_ALLOWED", "the signature algorithm 5 is not allowed (only EdDSA and ES256)");
    await check(withHeader(enc(header(key, { alg: "RS256" }))), "CONFIG_ALG_NOT_ALLOWED", 'the signature algorithm "RS256" is not allowed (only EdDSA and ES256)');
    await check(withHeader(enc(header(key, { jwk: {}, x5c: [] }))), "CONFIG_BAD_SIGNATURE", "the header carries its own key (jwk, x5c); keys inside a document are never trusted");
    await check(withHeader(enc(header(key, { "x5t#S256": "x" }))), "CONFIG_BAD_SIGNATURE", "the header carries its own key (x5t#S256); keys inside a document are never trusted");
    await check(withHeader(enc(header(key, { crit: ["b64"], b64: false }))), "CONFIG_BAD_SIGNATURE", "unsupported JWS header parameter(s): crit, b64");
    await check(withHeader(enc(header(key, { typ: "JWT" }))), "CONFIG_INVALID", `not a Relay Onboard configuration (typ is "JWT", expected "${CONFIG_TYP_TEXT}")`);
    await check(withHeader(enc({ alg: "EdDSA", kid: key.kid })), "CONFIG_INVALID", `not a Relay Onboard configuration (typ is null, expected "${CONFIG_TYP_TEXT}")`);
    await check(withHeader(enc(header(key, { kid: 7 }))), "CONFIG_UNKNOWN_KEY", "the signature's kid is not a string");
    await check(withHeader(enc({ alg: "EdDSA", typ: CONFIG_TYP_TEXT })), "CONFIG_UNKNOWN_KEY", "the signature names no key (kid is missing)");
    await check(await rawSign(header(other), payload, other), "CONFIG_UNKNOWN_KEY", `signed by unknown key(s) "${other.kid}"; 0 distinct trusted signer(s), 1 required`);
    await check(await rawSign(header(other, { kid: key.kid }), payload, other), "CONFIG_BAD_SIGNATURE", `the header says ES256 but the trusted key "${key.kid}" is an EdDSA key`);
    const forged = await rawSign(header(key), payload, await makeKey());
    await check(forged, "CONFIG_BAD_SIGNATURE", `the signature by "${key.kid}" does not verify: the document was altered or forged`);
    const two = await trustOf([key, other], 2);
    await check(await rawSign(header(key), payload, key), "CONFIG_UNKNOWN_KEY", "1 distinct trusted signer(s), 2 required", two);
    // A payload that is signed but is not JSON, and one that is not UTF-8.
    const notJson = await rawSign(header(key), "not json", key);
    await check(notJson, "CONFIG_INVALID", "the payload is not valid JSON");
    const proto = await rawSign(header(key), '{"__proto__": {"x": 1}}', key);
    const err = await rejection(verifyConfig(proto, { trusted, now: NOW }));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toMatch(/^the payload: .*__proto__/);
  });

  it("uses the contract's typ, refuses every kind of key material by name, and counts signatures up to 16", async () => {
    expect(CONFIG_TYP_TEXT).toBe("relay-onboard-config+jwt");
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const payload = await fullPayload();
    for (const param of ["jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"]) {
      const err = await rejection(verifyConfig(await rawSign(header(key, { [param]: "x" }), payload, key), { trusted, now: NOW }));
      expect([err.code, err.message], param).toEqual(["CONFIG_BAD_SIGNATURE", `the header carries its own key (${param}); keys inside a document are never trusted`]);
    }
    // Exactly 16 signatures is allowed (here all by unknown keys, so too few trusted signers).
    const stranger = await makeKey();
    const [h, p, sig] = (await rawSign(header(stranger), payload, stranger)).split(".") as [string, string, string];
    const sixteen = JSON.stringify({ payload: p, signatures: Array(16).fill({ protected: h, signature: sig }) });
    const err = await rejection(verifyConfig(sixteen, { trusted, now: NOW }));
    expect(err.code).toBe("CONFIG_UNKNOWN_KEY");
    // Several unknown signers and several unexpected members are listed, comma-separated.
    const other = await makeKey();
    const two = JSON.stringify({ payload: p, signatures: [{ protected: h, signature: sig }, { protected: (await rawSign(header(other), payload, other)).split(".")[0], signature: sig }] });
    expect((await rejection(verifyConfig(two, { trusted, now: NOW }))).message).toBe(`signed by unknown key(s) "${stranger.kid}", "${other.kid}"; 0 distinct trusted signer(s), 1 required`);
    const members = JSON.stringify({ payload: p, signatures: [{ protected: h, signature: sig, other: 1, more: 2 }] });
    expect((await rejection(verifyConfig(members, { trusted, now: NOW }))).message).toBe("not a JWS: unexpected member(s) other, more");
  });

  it("keeps jose's error as the cause of a failed signature, and records when a version was accepted", async () => {
    const key = await makeKey();
    const forged = await rawSign(header(key), await fullPayload(), await makeKey());
    const err = await rejection(verifyConfig(forged, { trusted: await trustOf([key]), now: NOW }));
    expect((err.cause as Error).name).toMatch(/^JWS/);
    const dir = await tempDir("ro-state-time-");
    const state = RollbackState.inDir(dir);
    await verifyConfig(await signed(key, { ver: 2 }), { trusted: await trustOf([key]), now: NOW, state });
    const saved = JSON.parse(await readFile(state.file, "utf8")) as { issuers: Array<{ iss: string; ver: number; acceptedAt: string }> };
    expect(saved.issuers).toEqual([{ iss: "internal.test", ver: 2, acceptedAt: NOW.toISOString() }]);
  });

  it("records the accepted version, and names both versions when refusing an older one", async () => {
    const key = await makeKey();
    const trusted = await trustOf([key]);
    const state = RollbackState.inDir(await tempDir("ro-state-exact-"));
    const first = await verifyConfig(await signed(key, { ver: 5 }), { trusted, now: NOW, state });
    expect(first.previousVer).toBeUndefined();
    expect(await state.highest("internal.test")).toBe(5);
    const again = await verifyConfig(await signed(key, { ver: 6 }), { trusted, now: NOW, state });
    expect(again.previousVer).toBe(5);
    expect(await state.highest("internal.test")).toBe(6);
    const err = await rejection(verifyConfig(await signed(key, { ver: 3 }), { trusted, now: NOW, state }));
    expect([err.code, err.message]).toEqual(["CONFIG_ROLLBACK", "version 3 from internal.test is older than version 6 already used here"]);
    expect(await state.highest("internal.test")).toBe(6);
  });
});
