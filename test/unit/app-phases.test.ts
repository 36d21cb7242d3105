// The user's four plain steps of a relay test (renderer/src/phases.ts), from the report's check ids.
import { describe, expect, it } from "vitest";
import { phasesOf } from "../../renderer/src/phases.js";

type S = "pass" | "warn" | "fail" | "skip";
const checks = (...list: Array<[string, S]>) => list.map(([id, status]) => ({ id, status }));
const statuses = (list: ReturnType<typeof phasesOf>) => list.map((p) => `${p.id}:${p.status}`);

describe("the user's view of a relay test", () => {
  it("a passing test: four done steps; the port grid is not one of them", () => {
    const all = checks(["dns", "pass"], ["connect", "pass"], ["greeting", "pass"], ["ehlo", "pass"], ["starttls", "pass"], ["tls", "pass"], ["certificate", "pass"], ["ehlo-tls", "pass"], ["auth", "pass"], ["mail-from", "pass"], ["rcpt-internal", "pass"], ["rcpt-external", "pass"], ["quit", "pass"], ["port-25-ipv4", "fail"]);
    expect(statuses(phasesOf(all, false))).toEqual(["reach:pass", "secure:pass", "sign-in:pass", "send:pass"]);
  });

  it("while running: done phases, the one under way, the ones waiting", () => {
    expect(statuses(phasesOf([], true))).toEqual(["reach:running", "secure:waiting", "sign-in:waiting", "send:waiting"]);
    expect(statuses(phasesOf(checks(["dns", "pass"], ["connect", "pass"]), true))).toEqual(["reach:running", "secure:waiting", "sign-in:waiting", "send:waiting"]);
    expect(statuses(phasesOf(checks(["dns", "pass"], ["connect", "pass"], ["greeting", "pass"], ["ehlo", "pass"]), true))).toEqual(["reach:pass", "secure:running", "sign-in:waiting", "send:waiting"]);
  });

  it("a failed login: sign-in failed, sending not tried", () => {
    const list = checks(["dns", "pass"], ["connect", "pass"], ["greeting", "pass"], ["ehlo", "pass"], ["starttls", "pass"], ["tls", "pass"], ["certificate", "pass"], ["ehlo-tls", "pass"], ["auth", "fail"], ["mail-from", "skip"], ["rcpt-internal", "skip"], ["rcpt-external", "skip"], ["quit", "skip"]);
    expect(statuses(phasesOf(list, false))).toEqual(["reach:pass", "secure:pass", "sign-in:fail", "send:skip"]);
  });

  it("a blocked port: reaching the server failed, nothing else tried", () => {
    expect(statuses(phasesOf(checks(["dns", "pass"], ["connect", "fail"]), false))).toEqual(["reach:fail", "secure:skip", "sign-in:skip", "send:skip"]);
  });

  it("a failure outside any step belongs to the phase under way", () => {
    expect(statuses(phasesOf(checks(["dns", "pass"], ["connect", "pass"], ["greeting", "pass"], ["ehlo", "pass"], ["session", "fail"]), false))).toEqual(["reach:pass", "secure:fail", "sign-in:skip", "send:skip"]);
  });

  it("a warning (certificate expiring, login not tested) stays a warning", () => {
    const list = checks(["dns", "pass"], ["connect", "pass"], ["greeting", "pass"], ["ehlo", "pass"], ["starttls", "pass"], ["tls", "pass"], ["certificate", "warn"], ["ehlo-tls", "pass"], ["auth-offered", "warn"], ["mail-from", "skip"], ["rcpt-internal", "skip"]);
    expect(statuses(phasesOf(list, false))).toEqual(["reach:pass", "secure:warn", "sign-in:warn", "send:skip"]);
  });
});
