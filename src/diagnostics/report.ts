// The JSON report of DESIGN.md, and the verdict rules.
import { arch, release, type as osType } from "node:os";
import type { FailureCode } from "../errors.js";
import type { CheckResult } from "./steps.js";
import type { TlsInfo } from "../smtp/tlsCheck.js";
import type { TranscriptEntry } from "../smtp/transcript.js";

export interface Report {
  tool: { name: "relay-onboard"; version: string };
  /** This installation's helpdesk reference for this user (support/reference.ts). */
  reference?: string;
  /** This report's own id (sortable by time), beside the reference every report of the installation shares. */
  reportId?: string;
  /** The account the check tried: the address and the login name sent (never the password). */
  account?: { email?: string; login?: string };
  /** The computer it ran on. */
  os?: { platform: string; type: string; release: string; arch: string };
  /** When the check ran: ISO 8601 with the local UTC offset. */
  startedAt: string;
  finishedAt: string;
  /** The organisation root the server's certificate was judged against (sha256: lowercase hex). */
  trustAnchor?: { subject: string; sha256: string };
  /** The signed configuration the check used, when it used one. */
  configuration?: { issuer: string; version: number };
  target: { host: string; port: number; security: "starttls" | "tls" };
  verdict: "pass" | "warn" | "fail";
  code: FailureCode | "OK";
  checks: CheckResult[];
  tls?: TlsInfo;
  transcript: TranscriptEntry[];
}

/** The account a report tried, in words: the address, and the login name where it differs. */
export function describeAccount(account: NonNullable<Report["account"]>): string {
  return [account.email, account.login && account.login !== account.email ? `login ${account.login}` : undefined].filter(Boolean).join(", ");
}

/** The computer a report comes from (never a user or host name). */
export function thisComputer(platform: NodeJS.Platform = process.platform): NonNullable<Report["os"]> {
  return { platform, type: osType(), release: release(), arch: arch() };
}

/** Checks that inform (the port grid beyond the configured port) do not change the verdict. */
export function isInformational(check: CheckResult): boolean {
  return check.id.startsWith("info-");
}

export function verdictOf(checks: CheckResult[]): Pick<Report, "verdict" | "code"> {
  const counted = checks.filter((c) => !isInformational(c));
  const failed = counted.find((c) => c.status === "fail");
  if (failed) return { verdict: "fail", code: failed.code };
  const warned = counted.find((c) => c.status === "warn");
  if (warned) return { verdict: "warn", code: warned.code };
  return { verdict: "pass", code: "OK" };
}
