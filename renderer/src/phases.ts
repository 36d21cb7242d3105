// The user's view of a relay test: four plain steps instead of the protocol's dozen. Each check
// id of the report (DESIGN.md) belongs to one phase; the helpdesk sees the checks themselves.
import type { TestProgress } from "../../src/app/api.js";

export interface Phase {
  id: "reach" | "secure" | "sign-in" | "send";
  title: string;
  status: "waiting" | "running" | "pass" | "warn" | "fail" | "skip";
}

const PHASES: Array<{ id: Phase["id"]; title: string; checks: RegExp }> = [
  { id: "reach", title: "Reach the server", checks: /^(dns|connect|greeting)$/ },
  { id: "secure", title: "Secure connection", checks: /^(ehlo|starttls|tls|certificate|ehlo-tls)$/ },
  { id: "sign-in", title: "Sign in", checks: /^(auth|auth-offered)$/ },
  { id: "send", title: "Permission to send", checks: /^(mail-from|rcpt-internal|rcpt-external|quit)$/ },
];

type Check = Pick<TestProgress, "id" | "status">;

/** Phases from the checks seen so far; `running` marks the first unfinished phase while the test runs. */
export function phasesOf(checks: readonly Check[], running: boolean): Phase[] {
  const seen = checks.filter((c) => !c.id.includes("port-"));
  const failedAt = seen.find((c) => c.status === "fail");
  // A failure outside any step ("session") belongs to the phase that was under way.
  const lastIndex = PHASES.reduce((at, p, i) => (seen.some((c) => p.checks.test(c.id)) ? i : at), -1);
  let runningMarked = false;
  return PHASES.map((p, i) => {
    const mine = seen.filter((c) => p.checks.test(c.id));
    const orphanFailure = failedAt && !PHASES.some((q) => q.checks.test(failedAt.id)) && i === Math.max(0, lastIndex);
    let status: Phase["status"];
    if (mine.some((c) => c.status === "fail") || orphanFailure) status = "fail";
    else if (mine.length > 0 && mine.every((c) => c.status === "skip")) status = "skip";
    else if (failedAt && mine.length === 0) status = "skip";
    else if (mine.some((c) => c.status === "warn") && (!running || i < lastIndex)) status = "warn";
    else if (mine.length > 0 && (!running || i < lastIndex)) status = "pass";
    else status = "waiting";
    if (running && !runningMarked && (status === "waiting" || (mine.length > 0 && i === lastIndex && status !== "fail"))) {
      runningMarked = true;
      status = "running";
    }
    return { id: p.id, title: p.title, status };
  });
}
