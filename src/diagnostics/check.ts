// `relay-onboard check`: DNS, the port grid (25/465/587 over IPv4 and IPv6) and the submission
// test, run in parallel where independent, assembled into one report.
import { checkUserInput, runSubmissionTest, type SubmissionOptions } from "./submission.js";
import { Transcript } from "../smtp/transcript.js";
import { RelayError } from "../errors.js";
import { probePort, resolveHost, type ResolvedHost } from "./network.js";
import { verdictOf, type Report } from "./report.js";
import { StepRecorder, type CheckResult } from "./steps.js";
import { isoWithOffset } from "../time.js";
import { pemCertificates } from "../certs/pem.js";
import { chainName, type ChainEntry } from "../smtp/tlsCheck.js";

export const MAIL_PORTS = [25, 465, 587] as const;

export interface CheckOptions
  extends Pick<SubmissionOptions, "host" | "port" | "security" | "caPem" | "mechanisms" | "credentials" | "from" | "internalRecipient" | "externalRecipient" | "signal"> {
  /** Deadline for the whole diagnosis. */
  timeoutMs?: number;
  /** Told about each check as it finishes. */
  onStep?: (check: CheckResult) => void;
  /** The signed configuration the target came from, named in the report. */
  configuration?: { issuer: string; version: number };
  /** Ports for the reachability grid (default 25, 465, 587); [] to skip it. */
  gridPorts?: readonly number[];
  version: string;
}

const PORT_ADVICE: Record<number, string> = {
  25: "normal for home and mobile networks, which block port 25; mail clients submit on 587 or 465",
  465: "implicit-TLS submission is not reachable from here",
  587: "STARTTLS submission is not reachable from here",
};

/**
 * The pinned root the certificate was judged against, as the report names it. During a rotation
 * there are several: the one in the server's chain, or the one that issued its top; before any
 * certificate was seen, the primary. Nothing when the PEM is not readable (the session reports that).
 */
function trustAnchorOf(caPem: string, chain: ChainEntry[] = []): { trustAnchor?: { subject: string; sha256: string } } {
  let anchors;
  try {
    anchors = pemCertificates(caPem).map((cert) => ({ cert, sha256: cert.fingerprint256.replace(/:/g, "").toLowerCase() }));
  } catch {
    return {};
  }
  const top = chain[chain.length - 1];
  const used =
    anchors.find((a) => chain.some((c) => c.sha256 === a.sha256)) ??
    anchors.find((a) => top !== undefined && top.issuer === chainName(a.cert)) ??
    anchors[0]!;
  return { trustAnchor: { subject: used.cert.subject.replace(/\n/g, ", "), sha256: used.sha256 } };
}

export async function runCheck(options: CheckOptions): Promise<Report> {
  checkUserInput(options); // bad input is refused before anything touches the network
  const startedAt = isoWithOffset(new Date());
  const origin = performance.now();
  const totalMs = options.timeoutMs ?? 30_000;
  const stepMs = Math.min(10_000, totalMs);
  const transcript = new Transcript(origin);
  const dnsSteps = new StepRecorder(origin, options.onStep);
  let resolved: ResolvedHost | undefined;
  try {
    await dnsSteps.run("dns", `Resolve ${options.host}`, async () => {
      resolved = await resolveHost(options.host, Math.min(5000, totalMs));
      return [...resolved.v4, ...resolved.v6].join(", ");
    });
  } catch {
    // Reported in the dns check; nothing else can run.
  }

  const gridSteps = new StepRecorder(origin, options.onStep);
  const submissionSteps = new StepRecorder(origin, options.onStep);
  const tasks: Array<Promise<unknown>> = [];
  let submission: Awaited<ReturnType<typeof runSubmissionTest>> | undefined;
  if (resolved) {
    const probeMs = Math.min(3000, totalMs);
    const families: Array<[string, string | undefined]> = [["IPv4", resolved.v4[0]], ["IPv6", resolved.v6[0]]];
    const grid = options.gridPorts ?? MAIL_PORTS;
    const ports = grid.length === 0 ? [] : [...new Set([...grid, options.port])];
    for (const port of ports) {
      for (const [family, address] of families) {
        if (!address) continue;
        const configured = port === options.port;
        const id = `${configured ? "" : "info-"}port-${port}-${family.toLowerCase()}`;
        tasks.push(
          gridSteps
            .run(id, `Port ${port} over ${family}`, async () => {
              const state = await probePort(address, port, probeMs);
              if (state === "open") return `open on ${address}`;
              const code = state === "refused" ? "CONNECT_REFUSED" : "CONNECT_TIMEOUT";
              const what = state === "refused" ? "refused" : `blocked (no answer within ${probeMs / 1000} s)`;
              if (configured && family === "IPv6" && resolved!.v4.length > 0) {
                return { status: "warn", code, message: `${what} on ${address}; clients that prefer IPv6 may be slow to connect` };
              }
              if (configured) throw new RelayError(code, `port ${port} ${what} on ${address}`);
              return { status: "warn", code, message: `${what} on ${address}: ${PORT_ADVICE[port] ?? "not reachable"}` };
            })
            .catch(() => undefined),
        );
      }
    }
    tasks.push(
      runSubmissionTest({
        ...options,
        stepTimeoutMs: stepMs,
        totalTimeoutMs: totalMs - (performance.now() - origin),
        recorder: submissionSteps,
        transcript,
      }).then((r) => (submission = r)),
    );
  }
  await Promise.all(tasks);

  const submissionChecks = submission?.checks ?? [];
  const gridChecks = gridSteps.results.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
  const checks = [...dnsSteps.results, ...submissionChecks, ...gridChecks];
  return {
    tool: { name: "relay-onboard", version: options.version },
    startedAt,
    finishedAt: isoWithOffset(new Date()),
    ...(options.configuration ? { configuration: options.configuration } : {}),
    ...trustAnchorOf(options.caPem, submission?.tls?.chain),
    target: { host: options.host, port: options.port, security: options.security },
    ...verdictOf(checks),
    checks,
    ...(submission?.tls ? { tls: submission.tls } : {}),
    transcript: [...transcript.entries],
  };
}
