// The gate before any install: exactly the pinned certificate, a CA with keyCertSign, in validity.
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

  it("identifyCa lets an expired root be found and removed, by fingerprint only", async () => {
    const expired = await createRootCa("Old Root", { notBefore: new Date("2020-01-01"), notAfter: new Date("2021-01-01") });
    expect(identifyCa(expired.certPem, fp(expired.certPem), "Org").sha256).toBe(fp(expired.certPem));
    const other = await createRootCa("Other");
    rejection(() => identifyCa(other.certPem, fp(expired.certPem), "Org"));
  });
});
