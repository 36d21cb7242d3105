// NTLMv2 for SMTP AUTH NTLM (MS-NLMP). Only NTLMv2 responses are ever produced: LM and NTLMv1
// responses can be cracked from a captured exchange. No maintained npm library does the client side
// without pulling in an HTTP stack, so the three messages are built here; MD4 comes from hash-wasm
// because Node's OpenSSL 3 no longer provides it. The challenge comes from the server and is parsed
// with bounds checks throughout.
import { createHmac, randomBytes } from "node:crypto";
import { RelayError } from "../errors.js";

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

export const FLAGS = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  N56: 0x80000000,
} as const;

const NEGOTIATE_FLAGS = FLAGS.UNICODE | FLAGS.REQUEST_TARGET | FLAGS.NTLM | FLAGS.ALWAYS_SIGN | FLAGS.EXTENDED_SESSIONSECURITY | FLAGS.N128 | FLAGS.N56;

const MSV_AV_EOL = 0;
const MSV_AV_TIMESTAMP = 7;

/** Type 1 (NEGOTIATE): flags only, no domain or workstation revealed. */
export function negotiateMessage(): Buffer {
  const msg = Buffer.alloc(32);
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(1, 8);
  msg.writeUInt32LE(NEGOTIATE_FLAGS >>> 0, 12);
  // Empty domain and workstation security buffers (length 0, offset 32).
  msg.writeUInt32LE(32, 20);
  msg.writeUInt32LE(32, 28);
  return msg;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: Buffer;
  /** From MsvAvTimestamp, when the server sent one. */
  timestamp: Buffer | undefined;
}

function bad(why: string): RelayError {
  return new RelayError("PROTOCOL_ERROR", `malformed NTLM challenge: ${why}`);
}

/** Parses the server's Type 2 (CHALLENGE) message. */
export function parseChallenge(message: Buffer): Challenge {
  if (message.length < 32 || message.length > 4096) throw bad(`length ${message.length}`);
  if (!message.subarray(0, 8).equals(SIGNATURE)) throw bad("wrong signature");
  if (message.readUInt32LE(8) !== 2) throw bad("not a type 2 message");
  const flags = message.readUInt32LE(20);
  const serverChallenge = Buffer.from(message.subarray(24, 32));
  let targetInfo = Buffer.alloc(0);
  if (message.length >= 48) {
    const length = message.readUInt16LE(40);
    const offset = message.readUInt32LE(44);
    if (length > 0) {
      if (offset + length > message.length || offset < 48) throw bad("target information out of bounds");
      targetInfo = Buffer.from(message.subarray(offset, offset + length));
    }
  }
  let timestamp: Buffer | undefined;
  for (let pos = 0; pos + 4 <= targetInfo.length; ) {
    const id = targetInfo.readUInt16LE(pos);
    const len = targetInfo.readUInt16LE(pos + 2);
    if (pos + 4 + len > targetInfo.length) throw bad("target information entry out of bounds");
    if (id === MSV_AV_EOL) break;
    if (id === MSV_AV_TIMESTAMP && len === 8) timestamp = Buffer.from(targetInfo.subarray(pos + 4, pos + 12));
    pos += 4 + len;
  }
  return { flags, serverChallenge, targetInfo, timestamp };
}

const utf16 = (s: string) => Buffer.from(s, "utf16le");
const hmacMd5 = (key: Buffer, ...data: Buffer[]) => {
  const h = createHmac("md5", key);
  for (const d of data) h.update(d);
  return h.digest();
};

/** NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)). */
export async function ntowfv2(password: string, user: string, domain: string): Promise<Buffer> {
  // MD4 (a WebAssembly module) is loaded only when NTLM is actually used.
  const { md4 } = await import("hash-wasm");
  const ntHash = Buffer.from(await md4(utf16(password)), "hex");
  return hmacMd5(ntHash, utf16(user.toUpperCase() + domain));
}

/** Windows FILETIME (100 ns since 1601) as 8 little-endian bytes. */
export function fileTime(date: Date): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);
  return buf;
}

export interface V2Response {
  ntResponse: Buffer;
  lmResponse: Buffer;
}

/** The NTLMv2 responses (MS-NLMP 3.3.2). */
export function ntlmv2Response(key: Buffer, challenge: Challenge, clientChallenge: Buffer, time: Buffer): V2Response {
  const temp = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), time, clientChallenge, Buffer.alloc(4), challenge.targetInfo, Buffer.alloc(4)]);
  const proof = hmacMd5(key, challenge.serverChallenge, temp);
  // With a server timestamp, the LMv2 response is sent as zeros (MS-NLMP 3.1.5.1.2).
  const lmResponse = challenge.timestamp ? Buffer.alloc(24) : Buffer.concat([hmacMd5(key, challenge.serverChallenge, clientChallenge), clientChallenge]);
  return { ntResponse: Buffer.concat([proof, temp]), lmResponse };
}

/** "DOMAIN\user" → domain and user; anything else (including user@domain) is the user name. */
export function splitUser(login: string): { user: string; domain: string } {
  const slash = login.indexOf("\\");
  return slash > 0 ? { domain: login.slice(0, slash), user: login.slice(slash + 1) } : { domain: "", user: login };
}

/** Type 3 (AUTHENTICATE) message. */
export async function authenticateMessage(challenge: Challenge, login: string, password: string, now = new Date(), clientChallenge = randomBytes(8)): Promise<Buffer> {
  if ((challenge.flags & FLAGS.UNICODE) === 0) throw new RelayError("AUTH_MECHANISM_UNAVAILABLE", "the server's NTLM does not support Unicode; only NTLMv2 with Unicode is used");
  const { user, domain } = splitUser(login);
  const key = await ntowfv2(password, user, domain);
  const { ntResponse, lmResponse } = ntlmv2Response(key, challenge, clientChallenge, challenge.timestamp ?? fileTime(now));
  const fields = [lmResponse, ntResponse, utf16(domain), utf16(user), Buffer.alloc(0), Buffer.alloc(0)];
  const header = Buffer.alloc(64);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(3, 8);
  let offset = 64;
  fields.forEach((field, i) => {
    const at = 12 + i * 8;
    header.writeUInt16LE(field.length, at);
    header.writeUInt16LE(field.length, at + 2);
    header.writeUInt32LE(offset, at + 4);
    offset += field.length;
  });
  header.writeUInt32LE((NEGOTIATE_FLAGS & challenge.flags) >>> 0 || NEGOTIATE_FLAGS >>> 0, 60);
  return Buffer.concat([header, ...fields]);
}
