// NTLMv2 against the test vectors of MS-NLMP §4.2.4, and hostile challenges.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelayError } from "../../src/errors.js";
import { authenticateMessage, negotiateMessage, ntlmv2Response, ntowfv2, parseChallenge, splitUser, FLAGS } from "../../src/smtp/ntlm.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
// MS-NLMP 4.2.4: user "User", domain "Domain", password "Password", server challenge 0123456789abcdef,
// client challenge aa…aa, time 0, target info = NbDomainName "Domain", NbComputerName "Server".
const TARGET_INFO = hex("02000c0044006f006d00610069006e00 01000c005300650072007600650072000000 0000".replace(/ /g, ""));
const SERVER_CHALLENGE = hex("0123456789abcdef");
const CLIENT_CHALLENGE = Buffer.alloc(8, 0xaa);

function challengeMessage(targetInfo: Buffer, flags = FLAGS.UNICODE | FLAGS.NTLM | FLAGS.TARGET_INFO): Buffer {
  const header = Buffer.alloc(48);
  header.write("NTLMSSP\0", 0, "latin1");
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(flags >>> 0, 20);
  SERVER_CHALLENGE.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(48, 44);
  return Buffer.concat([header, targetInfo]);
}

describe("NTLMv2 (MS-NLMP test vectors)", () => {
  it("computes NTOWFv2", async () => {
    expect((await ntowfv2("Password", "User", "Domain")).toString("hex")).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
  });

  it("computes the LMv2 response and the NTProofStr", async () => {
    const challenge = parseChallenge(challengeMessage(TARGET_INFO));
    expect(challenge.serverChallenge.toString("hex")).toBe("0123456789abcdef");
    expect(challenge.targetInfo.equals(TARGET_INFO)).toBe(true);
    const { ntResponse, lmResponse } = ntlmv2Response(await ntowfv2("Password", "User", "Domain"), challenge, CLIENT_CHALLENGE, Buffer.alloc(8));
    expect(lmResponse.toString("hex")).toBe("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    expect(ntResponse.subarray(0, 16).toString("hex")).toBe("68cd0ab851e51c96aabc927bebef6a1c");
  });

  it("builds a Type 3 message carrying only NTLMv2 responses", async () => {
    const msg = await authenticateMessage(parseChallenge(challengeMessage(TARGET_INFO)), "Domain\\User", "Password", new Date(0), CLIENT_CHALLENGE);
    expect(msg.subarray(0, 8).toString("latin1")).toBe("NTLMSSP\0");
    expect(msg.readUInt32LE(8)).toBe(3);
    const field = (i: number) => msg.subarray(msg.readUInt32LE(12 + i * 8 + 4), msg.readUInt32LE(12 + i * 8 + 4) + msg.readUInt16LE(12 + i * 8));
    expect(field(1).length).toBeGreaterThan(24); // an NTLMv2 response, never a 24-byte NTLMv1 one
    expect(field(2).toString("utf16le")).toBe("Domain");
    expect(field(3).toString("utf16le")).toBe("User");
  });

  it("negotiates without revealing a domain or workstation", () => {
    const msg = negotiateMessage();
    expect(msg.length).toBe(32);
    expect(msg.readUInt16LE(16)).toBe(0);
    expect(msg.readUInt16LE(24)).toBe(0);
  });

  it("splits DOMAIN\\user but keeps user@domain whole", () => {
    expect(splitUser("CORP\\alice")).toEqual({ domain: "CORP", user: "alice" });
    expect(splitUser("alice@corp.test")).toEqual({ domain: "", user: "alice@corp.test" });
  });

  it("refuses malformed and hostile challenges with PROTOCOL_ERROR", () => {
    const good = challengeMessage(TARGET_INFO);
    const outOfBounds = Buffer.from(good);
    outOfBounds.writeUInt16LE(60000, 40);
    const badEntry = challengeMessage(hex("0200ff00"));
    for (const message of [Buffer.alloc(10), Buffer.from("NTLMSSP\0" + "x".repeat(40)), outOfBounds, badEntry, Buffer.alloc(5000)]) {
      expect(() => parseChallenge(message)).toThrow(RelayError);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const message = Buffer.concat([good.subarray(0, 12), Buffer.from(bytes)]);
        try {
          parseChallenge(message);
        } catch (err) {
          return err instanceof RelayError;
        }
        return true;
      }),
    );
  });

  it("refuses a server without Unicode NTLM", async () => {
    const challenge = parseChallenge(challengeMessage(TARGET_INFO, FLAGS.NTLM));
    await expect(authenticateMessage(challenge, "u", "p")).rejects.toMatchObject({ code: "AUTH_MECHANISM_UNAVAILABLE" });
  });
});
