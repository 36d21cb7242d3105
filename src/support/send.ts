// Sending a report to the helpdesk (DESIGN.md, "Helpdesk reports"): one POST to the configuration's
// `support.reportUrl`, over TLS verified as the configuration fetch verifies it — public CAs, this
// computer's store, and the organisation's roots from the verified configuration — with no cookie,
// no credential, no redirect followed, at most 256 KiB, and a short answer expected. The report is
// the saved one: it carries no password and no AUTH line (the redaction invariant).
import { request } from "node:https";
import { rootCertificates } from "node:tls";
import { systemAnchors } from "../config/fetch.js";
import { thisComputer, type Report } from "../diagnostics/report.js";
import { RelayError } from "../errors.js";
import { newReportId } from "./reference.js";
import { MAX_REPORT_BYTES, REPORT_ID_PATTERN, type Submission } from "./submission.js";

export interface SendOptions {
  url: string;
  reference: string;
  report: Report;
  version: string;
  /** The organisation's roots (PEM), trusted for the report host besides the usual anchors. */
  orgRoots?: readonly string[];
  /** Replaces every anchor (tests). */
  ca?: string[];
  timeoutMs?: number;
  now?: Date;
}

export interface SendReceipt {
  reference: string;
  reportId: string;
  received: string;
  url: string;
}

const failed = (why: string, cause?: unknown) => new RelayError("REPORT_SEND_FAILED", why, { cause });

/** What is sent: the contract's envelope around the report; too large, the transcript is left out (and said). */
export function submissionOf(options: Pick<SendOptions, "reference" | "report" | "version" | "now">): { submission: Submission; body: string } {
  const now = options.now ?? new Date();
  const reportId = options.report.reportId && REPORT_ID_PATTERN.test(options.report.reportId) ? options.report.reportId : newReportId(now);
  const os = options.report.os ?? thisComputer();
  const envelope = (report: Report) => ({ reference: options.reference, reportId, sentAt: now.toISOString(), tool: { name: "relay-onboard" as const, version: options.version }, os, report: { ...report, reference: options.reference, reportId } });
  let submission = envelope(options.report) as Submission;
  let body = JSON.stringify(submission);
  if (Buffer.byteLength(body) > MAX_REPORT_BYTES) {
    const trimmed: Report = { ...options.report, transcript: [{ t: 0, dir: "info", text: `the conversation with the server (${options.report.transcript.length} lines) was left out: the report was larger than ${MAX_REPORT_BYTES / 1024} KiB` }] };
    submission = envelope(trimmed);
    body = JSON.stringify(submission);
    if (Buffer.byteLength(body) > MAX_REPORT_BYTES) throw failed(`the report is larger than ${MAX_REPORT_BYTES / 1024} KiB even without its transcript`);
  }
  return { submission, body };
}

export async function sendReport(options: SendOptions): Promise<SendReceipt> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw failed(`the report address ${options.url} is not a URL`);
  }
  if (url.protocol !== "https:") throw failed("the report address must be https");
  const { submission, body } = submissionOf(options);
  const anchors = options.ca ?? [...((await systemAnchors(undefined, process.env.NODE_EXTRA_CA_CERTS)) ?? rootCertificates), ...(options.orgRoots ?? [])];
  const timeoutMs = options.timeoutMs ?? 15_000;
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, {
      method: "POST", agent: false, minVersion: "TLSv1.2", ca: anchors, timeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs),
      // Only what the contract names: no cookie, no Authorization.
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": `relay-onboard/${options.version}` },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (t: string) => {
        text += t;
        if (text.length > 8192) res.destroy(failed("the report address answered with more than 8 KiB"));
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(failed(`no answer from ${url.host} within ${Math.round(timeoutMs / 1000)} s`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err instanceof RelayError) return reject(err);
      if (err.name === "AbortError" || err.name === "TimeoutError") return reject(failed(`no answer from ${url.host} within ${Math.round(timeoutMs / 1000)} s`));
      const tls = err.code?.startsWith("ERR_TLS") || /certificate|self[- ]signed|CERT_|SSL/i.test(`${err.code} ${err.message}`);
      reject(failed(tls ? `the certificate of ${url.host} is not trusted (${err.code ?? err.message}): the report was not sent` : `cannot reach ${url.host}: ${err.code ?? err.message}`, err));
    });
    req.end(body);
  });
  if (answer.status >= 300 && answer.status < 400) throw failed(`${url.host} answered with a redirect (${answer.status}), which is not followed for a report`);
  if (answer.status !== 201 && answer.status !== 200) {
    const why = (() => {
      try {
        const error = (JSON.parse(answer.text) as { error?: unknown }).error;
        return typeof error === "string" ? error : "";
      } catch {
        return "";
      }
    })();
    throw failed(`${url.host} refused the report (HTTP ${answer.status}${why ? `: ${why.slice(0, 200)}` : ""})`);
  }
  let receipt: { reference?: unknown; reportId?: unknown; received?: unknown };
  try {
    receipt = JSON.parse(answer.text) as typeof receipt;
  } catch {
    throw failed(`${url.host} answered, but not with a receipt`);
  }
  if (receipt.reference !== submission.reference || receipt.reportId !== submission.reportId || typeof receipt.received !== "string") {
    throw failed(`${url.host} answered with a receipt for another report`);
  }
  return { reference: submission.reference, reportId: submission.reportId, received: receipt.received.slice(0, 40), url: url.toString() };
}
