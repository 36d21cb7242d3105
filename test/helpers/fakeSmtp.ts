// A scriptable SMTP server for hostile-behaviour tests: well-behaved by default (STARTTLS, AUTH
// PLAIN/LOGIN/CRAM-MD5 inside TLS, relays only after login), with any verb overridable. Every line
// it receives is recorded with whether it arrived inside TLS.
import { createHmac } from "node:crypto";
import { md4 } from "hash-wasm";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { TLSSocket, type TlsOptions } from "node:tls";
import { afterEach, beforeAll } from "vitest";
import { issueServerCert, testCa } from "./org.js";

export interface Received {
  line: string;
  tls: boolean;
}

export class FakeSession {
  tls = false;
  authed = false;
  /** When set, the next line goes here instead of a verb handler (SASL continuations). */
  expect: ((line: string) => string | undefined) | undefined;
  constructor(
    public socket: Socket,
    private readonly server: FakeSmtp,
  ) {}

  write(raw: string | Buffer): void {
    this.socket.write(raw);
  }

  /** Switches to TLS (server side); lines after this are read from the TLS stream. */
  upgrade(): void {
    const plain = this.socket;
    plain.removeAllListeners("data");
    const secure = new TLSSocket(plain, { isServer: true, cert: this.server.cert?.certPem, key: this.server.cert?.keyPem, ...this.server.options.tls });
    secure.on("error", () => secure.destroy());
    this.socket = secure;
    this.tls = true;
    this.server.attach(this);
  }
}

export type Handler = (arg: string, s: FakeSession) => string | undefined;

export interface FakeSmtpOptions {
  /** Raw greeting; null never greets. */
  greeting?: string | null;
  handlers?: Record<string, Handler>;
  tls?: TlsOptions;
  implicitTls?: boolean;
  user?: string;
  password?: string;
  /** Keep executing plaintext commands that followed STARTTLS, answering inside TLS (CVE-2011-0411). */
  injectionVulnerable?: boolean;
  /** Answer a STARTTLS that arrives with more commands behind it with 500, as relays without PIPELINING do. */
  refusePipelinedStartTls?: boolean;
}

export const EHLO_PLAIN = "250-fake.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n";
export const EHLO_TLS = "250-fake.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN CRAM-MD5 NTLM XOAUTH2\r\n";

export class FakeSmtp {
  readonly received: Received[] = [];
  private server: Server;
  port = 0;
  readonly sockets = new Set<Socket>();

  constructor(
    readonly options: FakeSmtpOptions,
    readonly cert?: { certPem: string; keyPem: string },
  ) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => this.sockets.delete(socket));
      const session = new FakeSession(socket, this);
      if (options.implicitTls) session.upgrade();
      else this.attach(session);
      const greeting = options.greeting === undefined ? "220 fake.test ESMTP\r\n" : options.greeting;
      if (greeting !== null) session.write(greeting);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  attach(session: FakeSession): void {
    let buffer = "";
    session.socket.on("data", (chunk: Buffer) => {
      const wasTls = session.tls;
      buffer += chunk.toString("latin1");
      let i: number;
      while ((i = buffer.indexOf("\r\n")) !== -1) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        this.received.push({ line, tls: session.tls });
        if (this.options.refusePipelinedStartTls && !session.tls && /^STARTTLS$/i.test(line) && buffer.length > 0) {
          session.write("500 5.5.1 Invalid command: Pipelining not supported\r\n");
          continue;
        }
        const reply = this.handle(line, session);
        if (reply !== undefined) session.write(reply);
        // Upgraded to TLS: a correct server discards plaintext that followed STARTTLS.
        if (session.tls && !wasTls && !this.options.injectionVulnerable) return;
      }
    });
  }

  private handle(line: string, s: FakeSession): string | undefined {
    if (s.expect) {
      const next = s.expect;
      s.expect = undefined;
      return next(line);
    }
    const space = line.indexOf(" ");
    const verb = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const arg = space === -1 ? "" : line.slice(space + 1);
    const custom = this.options.handlers?.[verb];
    if (custom) return custom(arg, s);
    return this.defaults(verb, arg, s);
  }

  private defaults(verb: string, arg: string, s: FakeSession): string | undefined {
    const user = this.options.user ?? "user@internal.test";
    const password = this.options.password ?? "correct horse";
    switch (verb) {
      case "EHLO":
        return s.tls ? EHLO_TLS : EHLO_PLAIN;
      case "STARTTLS":
        s.write("220 2.0.0 Ready to start TLS\r\n");
        s.upgrade();
        return undefined;
      case "AUTH": {
        if (!s.tls) return "530 5.7.0 Must issue a STARTTLS command first\r\n";
        const [mech, initial] = arg.split(" ");
        const ok = (u: string, p: string) => {
          s.authed = u === user && p === password;
          return s.authed ? "235 2.7.0 Authentication successful\r\n" : "535 5.7.8 Authentication credentials invalid\r\n";
        };
        if (mech === "PLAIN") {
          const check = (b64: string) => {
            const [, u = "", p = ""] = Buffer.from(b64, "base64").toString().split("\0");
            return ok(u, p);
          };
          if (initial) return check(initial);
          s.expect = check;
          return "334 \r\n";
        }
        if (mech === "LOGIN") {
          s.expect = (u64) => {
            s.expect = (p64) => ok(Buffer.from(u64, "base64").toString(), Buffer.from(p64, "base64").toString());
            return "334 UGFzc3dvcmQ6\r\n";
          };
          return "334 VXNlcm5hbWU6\r\n";
        }
        if (mech === "CRAM-MD5") {
          const challenge = "<1896.697170952@fake.test>";
          s.expect = (resp) => {
            const [u = "", digest = ""] = Buffer.from(resp, "base64").toString().split(" ");
            s.authed = u === user && digest === createHmac("md5", password).update(challenge).digest("hex");
            return s.authed ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad\r\n";
          };
          return `334 ${Buffer.from(challenge).toString("base64")}\r\n`;
        }
        if (mech === "XOAUTH2") {
          // eslint-disable-next-line no-control-regex -- XOAUTH2 separates its fields with ^A
          const [, u = "", auth = ""] = /^user=([^\x01]*)\x01auth=([^\x01]*)\x01\x01$/.exec(Buffer.from(initial ?? "", "base64").toString()) ?? [];
          if (u === user && auth === `Bearer ${password}`) {
            s.authed = true;
            return "235 2.7.0 Accepted\r\n";
          }
          s.expect = (line) => (line === "" ? "535 5.7.8 Username and Password not accepted\r\n" : "501 5.5.2 expected an empty line\r\n");
          return `334 ${Buffer.from('{"status":"401","schemes":"bearer"}').toString("base64")}\r\n`;
        }
        if (mech === "NTLM") {
          const challenge = ntlmChallenge();
          s.expect = (type3) => {
            void verifyNtlmV2(Buffer.from(type3, "base64"), challenge, user, password).then((ok) => {
              s.authed = ok;
              s.write(ok ? "235 2.7.0 Authentication successful\r\n" : "535 5.7.8 Authentication failed\r\n");
            });
            return undefined;
          };
          return `334 ${challenge.toString("base64")}\r\n`;
        }
        return "504 5.5.4 Unrecognized authentication type\r\n";
      }
      case "MAIL":
        return s.authed ? "250 2.1.0 Ok\r\n" : "530 5.7.0 Authentication required\r\n";
      case "RCPT":
        if (!s.authed) return "503 5.5.1 Error: need MAIL command\r\n";
        return /@internal\.test>$/i.test(arg) || s.authed ? "250 2.1.5 Ok\r\n" : "554 5.7.1 Relay access denied\r\n";
      case "RSET":
      case "NOOP":
        return "250 2.0.0 Ok\r\n";
      case "QUIT":
        s.write("221 2.0.0 Bye\r\n");
        s.socket.end();
        return undefined;
      case "DATA":
        return "554 5.5.1 tests never expect DATA\r\n";
      default:
        return "502 5.5.2 Error: command not recognized\r\n";
    }
  }
}

export async function fakeSmtp(options: FakeSmtpOptions = {}, cert?: { certPem: string; keyPem: string }): Promise<FakeSmtp> {
  return new FakeSmtp(options, cert).listen();
}

/** A Type 2 message: Unicode + NTLM, server challenge 0123456789abcdef, a small target info block. */
function ntlmChallenge(): Buffer {
  const info = Buffer.concat([Buffer.from([2, 0, 12, 0]), Buffer.from("Domain", "utf16le"), Buffer.alloc(4)]);
  const header = Buffer.alloc(48);
  header.write("NTLMSSP\0", 0, "latin1");
  header.writeUInt32LE(2, 8);
  header.writeUInt32LE(0x00800201, 20);
  Buffer.from("0123456789abcdef", "hex").copy(header, 24);
  header.writeUInt16LE(info.length, 40);
  header.writeUInt16LE(info.length, 42);
  header.writeUInt32LE(48, 44);
  return Buffer.concat([header, info]);
}

/** Server-side check of an NTLMv2 Type 3 message, written from MS-NLMP independently of src/. */
async function verifyNtlmV2(msg: Buffer, challenge: Buffer, expectedUser: string, password: string): Promise<boolean> {
  if (msg.length < 64 || msg.toString("latin1", 0, 8) !== "NTLMSSP\0" || msg.readUInt32LE(8) !== 3) return false;
  const field = (at: number) => msg.subarray(msg.readUInt32LE(at + 4), msg.readUInt32LE(at + 4) + msg.readUInt16LE(at));
  const nt = field(20);
  const domain = field(28).toString("utf16le");
  const user = field(36).toString("utf16le");
  if (nt.length <= 24 || user !== expectedUser) return false; // NTLMv1 (24 bytes) is refused
  const ntHash = Buffer.from(await md4(Buffer.from(password, "utf16le")), "hex");
  const key = createHmac("md5", ntHash).update(Buffer.from(user.toUpperCase() + domain, "utf16le")).digest();
  const proof = createHmac("md5", key).update(challenge.subarray(24, 32)).update(nt.subarray(16)).digest();
  return proof.equals(nt.subarray(0, 16));
}

/**
 * Scripted servers for one test file: each gets a certificate from the test root for 127.0.0.1,
 * and every server is closed after each test. Call at the top level of the file.
 */
export function scriptedServers(): { serve: (options?: FakeSmtpOptions, certificate?: { certPem: string; keyPem: string }) => Promise<FakeSmtp>; readonly caPem: string } {
  let cert: { certPem: string; keyPem: string } | undefined;
  let caPem = "";
  const servers: FakeSmtp[] = [];
  beforeAll(async () => {
    const ca = await testCa();
    caPem = ca.certPem;
    cert = await issueServerCert(ca, ["127.0.0.1"]);
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  return {
    get caPem() {
      return caPem;
    },
    /** With the test root's certificate, or `certificate` for a test about another root. */
    serve: async (options: FakeSmtpOptions = {}, certificate = cert) => {
      const server = await fakeSmtp(options, certificate);
      servers.push(server);
      return server;
    },
  };
}
