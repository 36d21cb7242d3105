// The gate before any install: exactly the pinned certificate, a CA with keyCertSign, in validity.
import { X509Certificate, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { RelayError } from "../../src/errors.js";
import { acceptCa, identifyCa } from "../../src/truststore/accept.js";
import { createRootCa, issueServerCert, testCa } from "../helpers/org.js";

const fp = (pem: string) => sha256Hex(singleCertificateDer(pem));

function rejection(fn: () => unknown): RelayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).code).toBe("CA_REJECTED");
    return err as RelayError;
  }
  throw new Error("expected CA_REJECTED");
}

describe("acceptCa", () => {
  it("accepts the pinned root and describes it", async () => {
    const ca = await testCa();
    const accepted = acceptCa(ca.certPem, fp(ca.certPem).toUpperCase(), "Org");
    expect(accepted.sha256).toBe(fp(ca.certPem));
    expect(accepted.sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(accepted.subject).toBe("CN=Relay Onboard Test Root CA");
    expect(accepted.label).toBe(`relay-onboard-${accepted.sha256.slice(0, 16)}`);
  });

  it("refuses a leaf, even with its own fingerprint pinned", async () => {
    const leaf = await issueServerCert(await testCa(), ["relay.internal.test"]);
    expect(rejection(() => acceptCa(leaf.certPem, fp(leaf.certPem), "Org")).message).toMatch(/not a CA certificate/);
  });

  it("refuses a CA whose fingerprint differs from the pinned one", async () => {
    const [ca, other] = [await testCa(), await createRootCa("Other Root")];
    expect(rejection(() => acceptCa(other.certPem, fp(ca.certPem), "Org")).message).toMatch(/is not the pinned/);
    expect(rejection(() => acceptCa(ca.certPem, "abc", "Org")).message).toMatch(/64 hex digits/);
  });

  it("refuses an expired CA and one not yet valid", async () => {
    const expired = await createRootCa("Old Root", { notBefore: new Date("2020-01-01"), notAfter: new Date("2021-01-01") });
    expect(rejection(() => acceptCa(expired.certPem, fp(expired.certPem), "Org")).message).toMatch(/expired on 2021-01-01/);
    const future = await createRootCa("Future Root", { notBefore: new Date(Date.now() + 86400e3 * 30) });
    expect(rejection(() => acceptCa(future.certPem, fp(future.certPem), "Org")).message).toMatch(/not valid before/);
  });

  it("refuses a CA without keyCertSign, and two certificates in one PEM", async () => {
    // keyUsage without keyCertSign: Node itself no longer calls it a CA.
    const noSign = await createRootCa("Cannot Sign", { keyCertSign: false });
    expect(rejection(() => acceptCa(noSign.certPem, fp(noSign.certPem), "Org")).message).toMatch(/not a CA certificate/);
    // CA:TRUE but no keyUsage at all: only our keyCertSign check refuses it.
    const noUsage = await createRootCa("No Key Usage", { omitKeyUsage: true });
    expect(rejection(() => acceptCa(noUsage.certPem, fp(noUsage.certPem), "Org")).message).toMatch(/keyCertSign/);
    const ca = await testCa();
    expect(rejection(() => acceptCa(ca.certPem + noSign.certPem, fp(ca.certPem), "Org")).message).toMatch(/exactly one/);
  });

  it("returns the certificate re-encoded as clean PEM, with its DER, dates and organisation", async () => {
    const ca = await testCa();
    const messy = `\n\n${ca.certPem.replace(/\n/g, "\r\n")}\n`;
    const accepted = acceptCa(messy, fp(ca.certPem), "Internal Test Org");
    expect(accepted.der.equals(singleCertificateDer(ca.certPem))).toBe(true);
    expect(accepted.pem.startsWith("-----BEGIN CERTIFICATE-----\n")).toBe(true);
    expect(accepted.pem.endsWith("\n-----END CERTIFICATE-----\n")).toBe(true);
    const body = accepted.pem.split("\n").slice(1, -2);
    expect(body.slice(0, -1).every((l) => l.length === 64)).toBe(true);
    expect(body.at(-1)!.length).toBeGreaterThan(0);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
    expect(body.join("")).toBe(accepted.der.toString("base64"));
    expect(fp(accepted.pem)).toBe(accepted.sha256);
    expect(accepted.notAfter.toISOString()).toBe(new Date(new X509Certificate(accepted.der).validTo).toISOString());
    expect(accepted.organization).toBe("Internal Test Org");
    expect(accepted.sha1).toBe(createHash("sha1").update(accepted.der).digest("hex"));
  });

  it("wraps the PEM body exactly when it fills its last line (a DER length divisible by 48)", async () => {
    let ca: Awaited<ReturnType<typeof createRootCa>> | undefined;
    // Each longer name adds a byte to the DER: 150 consecutive lengths hold a multiple of 48 whatever the key's size.
    for (let n = 1; n < 300 && !ca; n++) {
      const candidate = await createRootCa(`Wrap ${"x".repeat(n % 150)}`);
      if (singleCertificateDer(candidate.certPem).length % 48 === 0) ca = candidate;
    }
    expect(ca, "a certificate whose base64 fills whole lines").toBeDefined();
    const accepted = acceptCa(ca!.certPem, fp(ca!.certPem), "Org");
    expect(accepted.pem).toMatch(/[A-Za-z0-9+/=]{64}\n-----END CERTIFICATE-----\n$/);
    expect(accepted.pem).not.toContain("\n\n");
    expect(fp(accepted.pem)).toBe(accepted.sha256);
  });

  it("is inclusive of both ends of the validity period, to the second", async () => {
    const notBefore = new Date("2030-01-01T00:00:00Z");
    const notAfter = new Date("2031-01-01T00:00:00Z");
    const ca = await createRootCa("Window Root", { notBefore, notAfter });
    const pin = fp(ca.certPem);
    expect(acceptCa(ca.certPem, pin, "Org", notBefore).sha256).toBe(pin);
    expect(acceptCa(ca.certPem, pin, "Org", notAfter).sha256).toBe(pin);
    expect(rejection(() => acceptCa(ca.certPem, pin, "Org", new Date(notBefore.getTime() - 1000))).message).toBe(`"CN=Window Root" is not valid before 2030-01-01T00:00:00.000Z`);
    expect(rejection(() => acceptCa(ca.certPem, pin, "Org", new Date(notAfter.getTime() + 1000))).message).toBe(`"CN=Window Root" expired on 2031-01-01T00:00:00.000Z`);
  });

  it("names a subject of several parts on one line", async () => {
    // Not valid yet on any date the suite runs: ten years from the clock's now.
    const ca = await createRootCa("Multi Root, O=Example Org, C=DE", { notBefore: new Date(Date.now() + 3650 * 86400e3) });
    const err = rejection(() => acceptCa(ca.certPem, fp(ca.certPem), "Org"));
    expect(err.message).toMatch(/^"CN=Multi Root, O=Example Org, C=DE" is not valid before/);
    expect(identifyCa(ca.certPem, fp(ca.certPem), "Org").subject).toBe("CN=Multi Root, O=Example Org, C=DE");
  });

  it("refuses what is not one certificate, and a pin that is not 64 hex digits", async () => {
    const ca = await testCa();
    expect(rejection(() => acceptCa("not a certificate", fp(ca.certPem), "Org")).message).toMatch(/exactly one PEM certificate/);
    const garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    expect(rejection(() => acceptCa(garbage, fp(garbage), "Org")).message).toBe("it is not a valid X.509 certificate");
    for (const pin of ["g".repeat(64), fp(ca.certPem).slice(1), `${fp(ca.certPem)}0`, ` ${fp(ca.certPem)}`]) {
      expect(rejection(() => acceptCa(ca.certPem, pin, "Org")).message, pin).toBe("the pinned SHA-256 is not 64 hex digits");
    }
    expect(rejection(() => acceptCa(ca.certPem, "0".repeat(64), "Org")).message).toBe(`its SHA-256 ${fp(ca.certPem)} is not the pinned ${"0".repeat(64)}`);
    expect(rejection(() => acceptCa(ca.certPem, "AB".repeat(32), "Org")).message).toBe(`its SHA-256 ${fp(ca.certPem)} is not the pinned ${"ab".repeat(32)}`);
  });

  it("identifyCa lets an expired root be found and removed, by fingerprint only", async () => {
    const expired = await createRootCa("Old Root", { notBefore: new Date("2020-01-01"), notAfter: new Date("2021-01-01") });
    expect(identifyCa(expired.certPem, fp(expired.certPem), "Org").sha256).toBe(fp(expired.certPem));
    const leaf = await issueServerCert(await testCa(), ["relay.internal.test"]);
    expect(identifyCa(leaf.certPem, fp(leaf.certPem), "Org").subject).toBe("CN=relay.internal.test");
    const other = await createRootCa("Other");
    rejection(() => identifyCa(other.certPem, fp(expired.certPem), "Org"));
  });
});
