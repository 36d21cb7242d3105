// Who may read the helpdesk pages: a file IT keeps, one user per line, `name:scrypt:N:r:p:salt:hash`
// (salt and hash base64). Passwords are checked with scrypt and compared in constant time; an
// unknown name costs the same scrypt as a known one, so timing does not tell names apart.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { RelayError } from "../errors.js";

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/** OWASP's minimum for scrypt (N=2^17, r=8, p=1); 128 MiB of memory per check. */
const COST = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const maxmem = (N: number, r: number) => 128 * N * r * 2;

export const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

interface UserEntry { name: string; N: number; r: number; p: number; salt: Buffer; hash: Buffer }

export function parseUsers(text: string, file = "the users file"): UserEntry[] {
  const users: UserEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const m = /^([^:]+):scrypt:(\d+):(\d+):(\d+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(line);
    const [N, r, p] = m ? [Number(m[2]), Number(m[3]), Number(m[4])] : [0, 0, 0];
    if (!m || !USER_NAME.test(m[1]!) || N < 2 ** 14 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) {
      throw new RelayError("BAD_INPUT", `${file} line ${i + 1} is not "name:scrypt:N:r:p:salt:hash" (made by relay-onboard support add-user)`);
    }
    users.push({ name: m[1]!, N, r, p, salt: Buffer.from(m[5]!, "base64"), hash: Buffer.from(m[6]!, "base64") });
  });
  return users;
}

/** A users-file line for `name` with a fresh salt. */
export async function userLine(name: string, password: string): Promise<string> {
  if (!USER_NAME.test(name)) throw new RelayError("USAGE", "a helpdesk user name is 1 to 64 letters, digits, dots, dashes, underscores or @");
  if (password.length < 12) throw new RelayError("USAGE", "a helpdesk password has at least 12 characters");
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEY_BYTES, { ...COST, maxmem: maxmem(COST.N, COST.r) });
  return `${name}:scrypt:${COST.N}:${COST.r}:${COST.p}:${salt.toString("base64")}:${hash.toString("base64")}`;
}

const DUMMY: UserEntry = { name: "", ...COST, salt: Buffer.alloc(16), hash: Buffer.alloc(KEY_BYTES) };

/** Whether `name` with `password` is a helpdesk user (the same work whether or not the name exists). */
export async function verifyUser(users: readonly UserEntry[], name: string, password: string): Promise<boolean> {
  const user = users.find((u) => u.name === name);
  const entry = user ?? DUMMY;
  const key = await scrypt(password, entry.salt, entry.hash.length || KEY_BYTES, { N: entry.N, r: entry.r, p: entry.p, maxmem: maxmem(entry.N, entry.r) });
  return user !== undefined && key.length === entry.hash.length && timingSafeEqual(key, entry.hash);
}
