// The example organisation shipped in assets/ must stay a valid payload that signs and verifies.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJsonStrict } from "../../src/config/json.js";
import { unsignedPayloadSchema } from "../../src/config/schema.js";
import { signConfig } from "../../src/config/sign.js";
import { verifyConfig } from "../../src/config/verify.js";
import { makeKey, trustOf } from "../helpers/org.js";

describe("assets/example-org/payload.json", () => {
  it("is a valid unsigned payload that round-trips through sign and verify", async () => {
    const text = await readFile(join(import.meta.dirname, "..", "..", "assets", "example-org", "payload.json"), "utf8");
    const payload = parseJsonStrict(text);
    expect(unsignedPayloadSchema.safeParse(payload).success).toBe(true);
    const key = await makeKey();
    // Judged on a day inside the example root's validity, whatever today is (it expires in 2036).
    const { X509Certificate } = await import("node:crypto");
    const root = new X509Certificate((payload as { config: { rootCa: { pem: string } } }).config.rootCa.pem);
    const now = new Date(Math.max(Date.parse(root.validFrom), Math.min(Date.now(), Date.parse(root.validTo) - 86400e3)));
    const { document } = await signConfig(payload, [key], { now, expiresInSeconds: 86400, ver: 3 });
    const verified = await verifyConfig(document, { trusted: await trustOf([key]), now });
    expect(verified.payload.config.organization.name).toBe("Example Org");
    expect(verified.payload.ver).toBe(3);
  });
});
