// The receiver on an HTTPS socket: the one server `support serve` and the demo both run, with the
// slow-client limits that keep a flood of half-open requests from holding it up.
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { RelayError } from "../errors.js";
import { createReceiver, type ReceiverOptions } from "./receiver.js";

export interface ListeningReceiver {
  server: Server;
  /** https://HOST:PORT (IPv6 in brackets), the port chosen when 0 was asked. */
  origin: string;
  close(): Promise<void>;
}

export async function listenReceiver(options: ReceiverOptions & { cert: string; key: string; host: string; port: number }): Promise<ListeningReceiver> {
  await mkdir(options.store, { recursive: true, mode: 0o700 });
  const receiver = createReceiver(options);
  let server: Server;
  try {
    // Headers within 10 s, the whole request within 20 s, checked every second.
    server = createServer({ cert: options.cert, key: options.key, minVersion: "TLSv1.2", headersTimeout: 10_000, requestTimeout: 20_000, connectionsCheckingInterval: 1_000, keepAliveTimeout: 5_000 }, receiver.handle);
  } catch (err) {
    throw new RelayError("BAD_INPUT", `the TLS certificate and key cannot be used: ${(err as Error).message}`);
  }
  server.maxHeadersCount = 50;
  await receiver.prune();
  const pruning = setInterval(() => void receiver.prune(), 3_600_000).unref();
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new RelayError("USAGE", `cannot listen on ${options.host}:${options.port}: ${err.code ?? err.message}`)));
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const origin = typeof address === "object" && address ? `https://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}` : `https://${options.host}:${options.port}`;
  return {
    server,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(pruning);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
