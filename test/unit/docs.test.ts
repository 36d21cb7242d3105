import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderFailureCodesMarkdown } from "../../src/docs/failureCodes.js";
import { FAILURE_CODES } from "../../src/errors.js";

describe("docs/failure-codes.md", () => {
  it("is generated from the code table and up to date (run `npm run docs`)", async () => {
    const committed = await readFile(join(import.meta.dirname, "..", "..", "docs", "failure-codes.md"), "utf8");
    expect(committed).toBe(renderFailureCodesMarkdown());
  });

  it("covers every code of DESIGN.md's contract with a title and a hint", () => {
    const contract = [
      "CONFIG_BAD_SIGNATURE", "CONFIG_UNKNOWN_KEY", "CONFIG_ALG_NOT_ALLOWED", "CONFIG_EXPIRED", "CONFIG_NOT_YET_VALID",
      "CONFIG_ROLLBACK", "CONFIG_INVALID", "CONFIG_TOO_LARGE", "CONFIG_FETCH_FAILED", "DNS_FAILED", "CONNECT_REFUSED",
      "CONNECT_TIMEOUT", "GREETING_TIMEOUT", "TIMEOUT", "PROTOCOL_ERROR", "STARTTLS_NOT_OFFERED", "STARTTLS_STRIPPED",
      "STARTTLS_REFUSED", "RESPONSE_INJECTION", "TLS_HANDSHAKE_FAILED", "TLS_VERSION_TOO_OLD", "CERT_UNTRUSTED",
      "CERT_HOSTNAME_MISMATCH", "CERT_EXPIRED", "CERT_NOT_YET_VALID", "AUTH_NOT_OFFERED", "AUTH_MECHANISM_UNAVAILABLE",
      "AUTH_FAILED", "SENDER_REJECTED", "RELAY_DENIED", "OPEN_RELAY", "TLS_NOT_REQUIRED", "AUTH_NOT_REQUIRED",
      "CA_REJECTED", "CA_INSTALL_FAILED", "CLIENT_RUNNING", "CLIENT_NOT_FOUND",
    ];
    for (const code of contract) {
      const entry = (FAILURE_CODES as Record<string, { title: string; hint: string }>)[code];
      expect(entry, code).toBeDefined();
      expect(entry!.title.length, code).toBeGreaterThan(10);
      expect(entry!.hint.length, code).toBeGreaterThan(20);
    }
  });
});
