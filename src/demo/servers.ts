// The demo organisation's servers, on loopback: a secure relay (STARTTLS and login required,
// relays only for logged-in users), an inbound server (anonymous, accepts only the org's domains,
// relays nothing), and an HTTPS endpoint serving the signed configuration. Built on smtp-server.
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";

export interface Endpoint {
  host: string;
  port: number;
}

export interface RunningServer extends Endpoint {
  close(): Promise<void>;
}

function rejection(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

async function listen(server: SMTPServer, host: string): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  server.on("error", () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return { host, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface RelayOptions {
  certPem: string;
  keyPem: string;
  /** user name → password */
  users: ReadonlyMap<string, string>;
  /** Mail for these domains is accepted into the demo mailbox (the only mail the demo takes). */
  domains?: readonly string[];
  host?: string;
}

export interface DemoMessage {
  from: string;
  to: string[];
  bytes: number;
}

export async function startDemoRelay(options: RelayOptions): Promise<RunningServer & { messages: DemoMessage[] }> {
  const messages: DemoMessage[] = [];
  const domains = new Set((options.domains ?? []).map((d) => d.toLowerCase()));
  const server = new SMTPServer({
    name: "relay.demo.test",
    banner: "Relay Onboard demo relay",
    key: options.keyPem,
    cert: options.certPem,
    minVersion: "TLSv1.2",
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: false, // AUTH only after STARTTLS
    authOptional: false, // MAIL only after AUTH
    size: 10 * 1024 * 1024,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback) {
      if (!session.secure) return callback(rejection("Must issue a STARTTLS command first", 530));
      const expected = auth.username !== undefined ? options.users.get(auth.username) : undefined;
      if (expected === undefined || auth.password !== expected) return callback(rejection("Authentication credentials invalid", 535));
      callback(null, { user: auth.username });
    },
    onMailFrom(_address, session, callback) {
      if (!session.secure) return callback(rejection("Must issue a STARTTLS command first", 530));
      if (!session.user) return callback(rejection("Authentication required", 530));
      callback();
    },
    onRcptTo(_address, session, callback) {
      if (!session.user) return callback(rejection("Relay access denied", 554));
      callback();
    },
    onData(stream, session, callback) {
      // The demo delivers only to its own domains (a test message to oneself), and keeps nothing
      // but the envelope and the size.
      let bytes = 0;
      stream.on("data", (chunk: Buffer) => (bytes += chunk.length));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (!session.user || to.some((a) => !domains.has(domainOf(a)))) {
          return callback(rejection("The demo relay delivers only to the demo organisation's own addresses", 554));
        }
        messages.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to, bytes });
        callback(null, "Delivered to the demo mailbox");
      });
    },
  });
  return { ...(await listen(server, options.host ?? "127.0.0.1")), messages };
}

export async function startDemoInbound(options: { domains: readonly string[]; host?: string }): Promise<RunningServer> {
  const domains = new Set(options.domains.map((d) => d.toLowerCase()));
  const server = new SMTPServer({
    name: "mx.demo.test",
    banner: "Relay Onboard demo inbound server",
    disabledCommands: ["AUTH", "STARTTLS"],
    authOptional: true,
    logger: false,
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      if (!domains.has(domainOf(address.address))) return callback(rejection("Relay access denied", 554));
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => callback(rejection("The demo inbound server does not store mail", 554)));
    },
  });
  return listen(server, options.host ?? "127.0.0.1");
}

export async function startConfigEndpoint(options: { certPem: string; keyPem: string; document: () => string; host?: string }): Promise<RunningServer & { url: string }> {
  const server: HttpsServer = createHttpsServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    if (req.method === "GET" && req.url === "/config.jws") res.writeHead(200, { "content-type": "application/jose" }).end(options.document());
    else res.writeHead(404).end();
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    url: `https://${host}:${port}/config.jws`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
