// Network checks that do not speak SMTP: name resolution and TCP reachability of the mail ports.
import { lookup } from "node:dns/promises";
import { connect, isIP } from "node:net";
import { RelayError } from "../errors.js";

export interface ResolvedHost {
  v4: string[];
  v6: string[];
}

export async function resolveHost(host: string, timeoutMs: number): Promise<ResolvedHost> {
  if (isIP(host) === 4) return { v4: [host], v6: [] };
  if (isIP(host) === 6) return { v4: [], v6: [host] };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RelayError("DNS_FAILED", `resolving ${host} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // lookup() follows the system resolver (hosts file, VPN DNS): what the mail client will use.
    const addresses = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    const result = { v4: addresses.filter((a) => a.family === 4).map((a) => a.address), v6: addresses.filter((a) => a.family === 6).map((a) => a.address) };
    if (result.v4.length + result.v6.length === 0) throw new RelayError("DNS_FAILED", `${host} has no address`);
    return result;
  } catch (err) {
    if (err instanceof RelayError) throw err;
    throw new RelayError("DNS_FAILED", `the name ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
}

export type PortState = "open" | "refused" | "blocked";

/** Opens and closes a TCP connection; "blocked" means no answer before the timeout (packets dropped). */
export function probePort(address: string, port: number, timeoutMs: number): Promise<PortState> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (state: PortState) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done("blocked"), timeoutMs);
    socket.once("connect", () => done("open"));
    socket.once("error", (err: NodeJS.ErrnoException) => done(err.code === "ECONNREFUSED" ? "refused" : "blocked"));
  });
}
