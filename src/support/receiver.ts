// `relay-onboard support serve`: the report receiver IT runs (DESIGN.md, "Helpdesk reports"). It
// takes only the report POST — JSON, size-capped while it streams, schema-checked, rate-limited per
// source address — and stores each report atomically by reference; and it serves the helpdesk one
// read-only page per reference behind HTTP Basic auth. Slow, oversized, malformed and flooding
// clients are refused without touching what is stored.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RelayError } from "../errors.js";
import { helpdeskPage, HELPDESK_CSP } from "./helpdeskPage.js";
import { parseUsers, verifyUser } from "./helpdeskUsers.js";
import { normaliseReference } from "./reference.js";
import { pruneReports, reportsOf, storeReport } from "./store.js";
import { MAX_REPORT_BYTES, submissionSchema } from "./submission.js";

export interface ReceiverOptions {
  store: string;
  /** The helpdesk users file's text; without it the helpdesk pages are off. */
  users?: string;
  maxBytes?: number;
  keepDays?: number;
  /** Requests per source address per minute (reports and helpdesk sign-ins alike). */
  perMinute?: number;
  now?: () => Date;
}

const SECURITY_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function send(res: ServerResponse, status: number, body: string, type = "application/json; charset=utf-8", extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...extra });
  res.end(body);
}
const json = (res: ServerResponse, status: number, value: unknown, extra?: Record<string, string>) => send(res, status, JSON.stringify(value) + "\n", undefined, extra);
const refuse = (res: ServerResponse, status: number, error: string, extra?: Record<string, string>) => json(res, status, { error }, extra);

/** At most `perMinute` requests per address in any minute-long window; the table never grows without bound. */
class RateLimiter {
  private readonly seen = new Map<string, { start: number; count: number }>();
  constructor(private readonly perMinute: number) {}
  allow(address: string, now: number): boolean {
    if (this.seen.size > 10_000) for (const [a, w] of this.seen) if (now - w.start >= 60_000) this.seen.delete(a);
    const w = this.seen.get(address);
    if (!w || now - w.start >= 60_000) {
      this.seen.set(address, { start: now, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= this.perMinute;
  }
}

/** The body, read up to `max` bytes; undefined (and the connection closed) beyond it. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.pause();
        resolve(undefined);
        return;
      }
      parts.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

export function createReceiver(options: ReceiverOptions): { handle: (req: IncomingMessage, res: ServerResponse) => void; prune: () => Promise<number> } {
  const now = options.now ?? (() => new Date());
  const max = options.maxBytes ?? MAX_REPORT_BYTES;
  const limiter = new RateLimiter(options.perMinute ?? 20);
  const users = options.users === undefined ? undefined : parseUsers(options.users, "the helpdesk users file");
  // A helpdesk browser sends its credentials with every request: scrypt once per credential, then remember it a while.
  const signedIn = new Map<string, number>();

  async function report(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!/^application\/json(;|$)/i.test(req.headers["content-type"] ?? "")) return refuse(res, 415, "a report is sent as application/json");
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (Number.isFinite(declared) && declared > max) return refuse(res, 413, `a report is at most ${max} bytes`, { Connection: "close" });
    const body = await readBody(req, max);
    if (body === undefined) return refuse(res, 413, `a report is at most ${max} bytes`, { Connection: "close" });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return refuse(res, 400, "the body is not JSON");
    }
    const checked = submissionSchema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return refuse(res, 400, `not a Relay Onboard report: ${issue ? `${issue.path.join(".") || "the body"}: ${issue.message}` : "schema"}`);
    }
    const received = now();
    try {
      const stored = await storeReport(options.store, checked.data, received);
      json(res, stored ? 201 : 200, { reference: checked.data.reference, reportId: checked.data.reportId, received: received.toISOString() });
    } catch (err) {
      refuse(res, 507, err instanceof RelayError && err.code === "STATE_WRITE_FAILED" ? "the report store cannot be written" : "the report could not be stored");
    }
  }

  async function authorised(req: IncomingMessage): Promise<boolean> {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? "");
    if (!m || !users) return false;
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) return false;
    const key = createHash("sha256").update(decoded).digest("hex");
    const until = signedIn.get(key);
    if (until !== undefined && until > Date.now()) return true;
    if (!(await verifyUser(users, decoded.slice(0, colon), decoded.slice(colon + 1)))) return false;
    if (signedIn.size > 1000) signedIn.clear();
    signedIn.set(key, Date.now() + 10 * 60_000);
    return true;
  }

  async function helpdesk(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!users) return refuse(res, 404, "the helpdesk pages are off (start with --helpdesk-users FILE)");
    if (!(await authorised(req))) return send(res, 401, "Sign in with your helpdesk account.\n", "text/plain; charset=utf-8", { "WWW-Authenticate": 'Basic realm="Relay Onboard helpdesk", charset="UTF-8"' });
    const html = { "Content-Security-Policy": HELPDESK_CSP.replace("form-action 'none'", "form-action 'self'") };
    const asked = url.pathname === "/helpdesk" || url.pathname === "/helpdesk/" ? url.searchParams.get("reference") : decodeURIComponent(url.pathname.slice("/helpdesk/".length));
    if (asked === null) {
      return send(res, 200, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Relay Onboard helpdesk</title></head><body style="font:16px system-ui,sans-serif;margin:2rem"><h1>Find a user's reports</h1><form method="get" action="/helpdesk"><label for="reference">Reference the user reads out (RO-…)</label><br><input id="reference" name="reference" autocomplete="off" required> <button type="submit">Show reports</button></form></body></html>\n`, "text/html; charset=utf-8", html);
    }
    const reference = normaliseReference(asked);
    if (!reference) return send(res, 404, "That is not a reference: it looks like RO-XXXX-XXXX.\n", "text/plain; charset=utf-8");
    if (url.pathname !== `/helpdesk/${reference}`) return send(res, 303, "", "text/plain; charset=utf-8", { Location: `/helpdesk/${reference}` });
    send(res, 200, helpdeskPage(reference, await reportsOf(options.store, reference)), "text/html; charset=utf-8", html);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const address = req.socket.remoteAddress ?? "unknown";
    if (!limiter.allow(address, Date.now())) {
      refuse(res, 429, "too many requests: try again in a minute", { "Retry-After": "60" });
      req.resume();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "https://receiver.invalid");
    } catch {
      return refuse(res, 400, "bad request");
    }
    const onHelpdesk = url.pathname === "/helpdesk" || url.pathname.startsWith("/helpdesk/");
    const work = onHelpdesk
      ? req.method === "GET" ? helpdesk(req, res, url) : Promise.resolve(refuse(res, 405, "the helpdesk pages are read-only", { Allow: "GET" }))
      : req.method === "POST" ? report(req, res) : Promise.resolve(refuse(res, 405, "send reports with POST", { Allow: "POST" }));
    work.catch(() => refuse(res, 500, "the request could not be handled"));
  }

  return { handle, prune: () => pruneReports(options.store, options.keepDays ?? 90, now()) };
}
