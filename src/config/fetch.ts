// Fetching the signed configuration: https only (or a local file an MDM dropped), no credentials or
// cookies, at most 3 redirects that stay on https, one overall deadline, and a size cap enforced
// while streaming so a hostile endpoint cannot make us buffer more than the cap.
import { constants } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { request, type RequestOptions } from "node:https";
import { rootCertificates } from "node:tls";
import type { IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import { readLinuxCaBundle } from "../certs/systemBundle.js";
import { RelayError } from "../errors.js";
import { MAX_CONFIG_BYTES } from "./verify.js";

export const MAX_REDIRECTS = 3;
export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;

export interface FetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** Extra trust anchors for the https connection (tests, or a private PKI for the config host). */
  ca?: string | string[];
  /**
   * This computer's CA bundle, trusted besides Node's own roots when no `ca` is given — so an
   * endpoint with a certificate from the org CA that MDM already deployed works. Linux: the
   * distribution's system bundle (default; a path here replaces it, null turns it off); elsewhere
   * Node 20 offers no system store.
   */
  systemBundle?: string | null;
  /**
   * The file Node adds to its roots at start-up (`NODE_EXTRA_CA_CERTS`; default: that variable).
   * A `ca` list replaces Node's roots, extra certificates included, so it is added back here.
   */
  extraCaFile?: string;
  userAgent?: string;
}

export interface FetchedConfig {
  bytes: Buffer;
  /** Where the document finally came from (after redirects), for display. */
  source: string;
}

const failed = (why: string, cause?: unknown) => new RelayError("CONFIG_FETCH_FAILED", why, { cause });
const tooLarge = (max: number) => new RelayError("CONFIG_TOO_LARGE", `the configuration is larger than the ${max}-byte limit`);

/** A Windows drive path ("C:\…") is a path, not a URL with scheme "c". */
function schemeOf(source: string): string | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(source);
  return match?.[1]?.toLowerCase();
}

export async function fetchConfig(source: string, options: FetchOptions = {}): Promise<FetchedConfig> {
  const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES;
  const scheme = schemeOf(source);
  if (scheme === undefined) return { bytes: await readCapped(source, maxBytes), source };
  if (scheme === "file") {
    let path: string;
    try {
      path = fileURLToPath(source);
    } catch (err) {
      throw failed(`"${source}" is not a usable file: URL`, err);
    }
    return { bytes: await readCapped(path, maxBytes), source: path };
  }
  if (scheme === "http") throw failed(`plain http is refused (${source}); the configuration must come over https://`);
  if (scheme !== "https") throw failed(`unsupported address scheme "${scheme}:"; use https:// or a file path`);
  return fetchHttps(parseHttpsUrl(source), options, maxBytes);
}

function parseHttpsUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch (err) {
    throw failed(`"${text}" is not a valid URL`, err);
  }
  if (url.protocol !== "https:") {
    throw failed(base ? `the server redirected to ${url.protocol.replace(":", "")}, which is refused (only https://)` : `only https:// is allowed`);
  }
  if (url.username || url.password) throw failed("URLs with a user name or password are refused: no credentials are ever sent");
  return url;
}

/** Why a local file cannot be read, in words. */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: "file not found", EACCES: "permission denied", EPERM: "permission denied", EISDIR: "a folder, not a file", ENOTDIR: "a part of the path is not a folder" };
  return (code && words[code]) ?? code ?? (err as Error).message;
}

async function readCapped(path: string, maxBytes: number): Promise<Buffer> {
  // Still CONFIG_FETCH_FAILED here: a file MDM drops may simply not have arrived yet (the app offers
  // Try again). A --config flag naming a missing file is the user's input: cli/common.ts says so first.
  const unreadable = (why: string, cause?: unknown) => failed(`the configuration file ${path}: ${why}`, cause);
  let handle;
  try {
    // Check before opening (opening a FIFO would block), and open non-blocking where the OS has it.
    if (!(await stat(path)).isFile()) throw unreadable("not a regular file");
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (err instanceof RelayError) throw err;
    throw unreadable(fileProblem(err), err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw unreadable("not a regular file");
    if (info.size > maxBytes) throw tooLarge(maxBytes);
    // Read one byte beyond the cap in case the file grew after stat().
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) throw tooLarge(maxBytes);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function fetchHttps(start: URL, options: FetchOptions, maxBytes: number): Promise<FetchedConfig> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const ca = options.ca ?? (await systemAnchors(options.systemBundle, options.extraCaFile ?? process.env.NODE_EXTRA_CA_CERTS));
  try {
    let url = start;
    for (let redirects = 0; ; redirects++) {
      const response = await get(url, { ...options, ...(ca ? { ca } : {}) }, controller.signal, timeoutMs);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304) {
        response.destroy();
        const location = response.headers.location;
        if (!location) throw failed(`the server answered ${status} without a Location`);
        if (redirects >= MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects`);
        url = parseHttpsUrl(location, url);
        continue;
      }
      if (status !== 200) {
        response.destroy();
        throw failed(`the server answered HTTP ${status} for ${url.href}`);
      }
      return { bytes: await readBody(response, maxBytes, controller.signal, timeoutMs), source: url.href };
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What Node trusts by default (its roots and NODE_EXTRA_CA_CERTS) plus this computer's bundle, or
 * undefined (Node's defaults as they are) when there is no bundle. An unreadable extra file is
 * skipped, as Node itself does (it only warns).
 */
export async function systemAnchors(bundle: string | null | undefined, extraCaFile: string | undefined): Promise<string[] | undefined> {
  if (bundle === null || (bundle === undefined && process.platform !== "linux")) return undefined;
  const pem = await readLinuxCaBundle(bundle);
  if (!pem) return undefined;
  const extra = extraCaFile ? await readFile(extraCaFile, "utf8").catch(() => undefined) : undefined;
  return [...rootCertificates, pem, ...(extra ? [extra] : [])];
}

function timedOut(ms: number): RelayError {
  return failed(`no complete answer within ${Math.round(ms / 1000)} s`);
}

function get(url: URL, options: FetchOptions, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
  const requestOptions: RequestOptions = {
    method: "GET",
    // No cookies, no Authorization: only what a plain anonymous GET needs.
    headers: { accept: "application/jose, application/jose+json, */*;q=0.1", "user-agent": options.userAgent ?? "relay-onboard" },
    agent: false,
    signal,
    minVersion: "TLSv1.2",
    ...(options.ca ? { ca: options.ca } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, requestOptions, resolve);
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (signal.aborted) return reject(timedOut(timeoutMs));
      reject(describeNetworkError(url, err));
    });
    req.end();
  });
}

function describeNetworkError(url: URL, err: NodeJS.ErrnoException): RelayError {
  const host = url.host;
  switch (err.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return failed(`the name ${url.hostname} does not resolve`, err);
    case "ECONNREFUSED":
      return failed(`${host} refused the connection`, err);
    case "ECONNRESET":
      return failed(`${host} closed the connection`, err);
    default:
      if (err.code?.startsWith("ERR_TLS") || /certificate|self[- ]signed|CERT_|SSL/i.test(`${err.code} ${err.message}`)) {
        return failed(`the certificate of ${host} is not trusted by this computer (${err.code ?? err.message}): it must come from a public CA or from one in this computer's trust store`, err);
      }
      return failed(`cannot reach ${host}: ${err.code ?? err.message}`, err);
  }
}

function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      return reject(tooLarge(maxBytes));
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const onAbort = () => response.destroy(timedOut(timeoutMs));
    signal.addEventListener("abort", onAbort, { once: true });
    response.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        response.destroy(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    response.on("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(err instanceof RelayError ? err : signal.aborted ? timedOut(timeoutMs) : failed(`the download broke off: ${err.message}`, err));
    });
    response.on("end", () => {
      signal.removeEventListener("abort", onAbort);
      resolve(Buffer.concat(chunks));
    });
  });
}
