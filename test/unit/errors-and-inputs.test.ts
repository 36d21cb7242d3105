// The error model (codes, exit statuses, structured details, INTERNAL for bugs) and the shared
// input checks (the one email validator, host names and IP literals).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isDisplayName, isEmailAddress, requireDisplayName, requireEmailAddress } from "../../src/address.js";
import { AppService } from "../../src/app/service.js";
import { run } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { configSchema, isHost } from "../../src/config/schema.js";
import { applyUsernameTemplate } from "../../src/config/template.js";
import { StepRecorder } from "../../src/diagnostics/steps.js";
import { FAILURE_CODES, RelayError, asRelayError, exitStatusFor, type FailureCode } from "../../src/errors.js";
import { INTERNAL_LOG } from "../../src/internalLog.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

describe("failure codes and exit statuses", () => {
  it("maps every code to its documented exit status", () => {
    const expected: Partial<Record<FailureCode, number>> = {
      USAGE: 2, BAD_INPUT: 2, INTERNAL: 5, CA_REJECTED: 3, CONFIG_BAD_SIGNATURE: 3, CONFIG_ROLLBACK: 3, CONFIG_FETCH_FAILED: 3,
      CA_INSTALL_FAILED: 4, CLIENT_RUNNING: 4, CLIENT_NOT_FOUND: 4, CLIENT_WRITE_FAILED: 4, CLIENT_LOCKED_BY_POLICY: 4, ALREADY_RUNNING: 4, KEYCHAIN_FAILED: 4, STATE_WRITE_FAILED: 4, REPORT_SEND_FAILED: 4,
      AUTH_FAILED: 1, CERT_UNTRUSTED: 1, OPEN_RELAY: 1, PROTOCOL_ERROR: 1, CERT_EXPIRING: 1,
    };
    for (const code of Object.keys(FAILURE_CODES) as FailureCode[]) {
      const status = exitStatusFor(code);
      if (expected[code] !== undefined) expect(status, code).toBe(expected[code]);
      else if (code.startsWith("CONFIG_")) expect(status, code).toBe(3);
      else expect(status, code).toBe(1);
    }
  });

  it("keeps the server's reply and the command as details, and joins them for one-line displays", () => {
    const err = new RelayError("AUTH_FAILED", "the login was refused", { reply: "535 5.7.8 bad", command: "AUTH" });
    expect(err.summary).toBe("the login was refused");
    expect(err.details).toEqual({ reply: "535 5.7.8 bad", command: "AUTH" });
    expect(err.message).toBe("the login was refused: 535 5.7.8 bad");
    expect(err.hint).toBe(FAILURE_CODES.AUTH_FAILED.hint);
    const plain = new RelayError("USAGE", "give --host", { claim: "submission.host" });
    expect(plain.message).toBe("give --host");
    expect(plain.details).toEqual({ claim: "submission.host" });
    const cause = new Error("inner");
    expect(new RelayError("INTERNAL", "x", { cause }).cause).toBe(cause);
    expect(new RelayError("INTERNAL", "x").cause).toBeUndefined();
  });

  it("turns anything that is not a RelayError into INTERNAL, never BAD_INPUT, naming the log", () => {
    const kept = new RelayError("AUTH_FAILED", "no");
    expect(asRelayError(kept)).toBe(kept);
    const bug = asRelayError(new TypeError("x is undefined"), "/var/log/ro.log");
    expect(bug.code).toBe("INTERNAL");
    expect(bug.message).toBe("unexpected error, a bug in Relay Onboard (not your input): TypeError: x is undefined. Details are in /var/log/ro.log.");
    expect(bug.details.log).toBe("/var/log/ro.log");
    expect(asRelayError("a string").message).toBe("unexpected error, a bug in Relay Onboard (not your input): a string.");
  });

  it("a bug inside a diagnostic step is INTERNAL, not the server's fault", async () => {
    const steps = new StepRecorder();
    await expect(steps.run("x", "X", () => { throw new TypeError("oops"); })).rejects.toMatchObject({ code: "INTERNAL" });
    expect(steps.results[0]).toMatchObject({ status: "fail", code: "INTERNAL" });
  });

  it("the CLI reports a bug as INTERNAL with exit 5 and writes its stack to the log it names", async () => {
    const dir = await tempDir("ro-internal-");
    for (const json of [false, true]) {
      let out = "";
      let err = "";
      const io: CliIo = {
        stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, now: () => new Date(), internalLogDir: dir,
        policy: () => Promise.reject(new TypeError("policy reader crashed")),
      };
      const status = await run(["check", "--host", "127.0.0.1", "--ca", "/nonexistent", ...(json ? ["--json"] : [])], io);
      expect(status).toBe(5);
      const text = json ? (JSON.parse(out) as { code: string; message: string }).message : err;
      expect(json ? (JSON.parse(out) as { code: string }).code : err).toMatch(/INTERNAL/);
      expect(text).toContain(`Details are in ${join(dir, INTERNAL_LOG)}`);
      expect(text).toMatch(/not your input/);
    }
    const log = await readFile(join(dir, INTERNAL_LOG), "utf8");
    expect(log.match(/TypeError: policy reader crashed/g)).toHaveLength(2);
    expect(log).toMatch(/\n\s+at /); // the stack
  });

  it("the app service reports a bug as INTERNAL and keeps the stack in its state folder", async () => {
    const stateDir = await tempDir("ro-internal-app-");
    const service = new AppService({ version: "test", stateDir, policy: () => Promise.reject(new RangeError("bad policy state")) });
    const state = await service.state();
    expect(state.problem?.code).toBe("INTERNAL");
    expect(state.problem?.message).toContain(join(stateDir, INTERNAL_LOG));
    expect(await readFile(join(stateDir, INTERNAL_LOG), "utf8")).toMatch(/RangeError: bad policy state/);
  });
});

describe("the one email-address check", () => {
  it("accepts ordinary addresses and refuses everything that could break a line or is not an address", () => {
    for (const good of ["alice@internal.test", "a.b+tag@sub.example.org", "x@[127.0.0.1]", "o'neil@example.com"]) expect(isEmailAddress(good), good).toBe(true);
    for (const bad of ["", "alice", "@internal.test", "alice@", "alice@internal", "alice@internal.", "alice@.test", "a@b@c.test", "a b@c.test", "a@b c.test", "<a@b.test>", "a@b.test\r\nRCPT TO:<x@y.z>", "a\0@b.test", "a\t@b.test", "a\x7f@b.test", `${"a".repeat(250)}@b.test`]) {
      expect(isEmailAddress(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it("names what was wrong, with the code the caller chose", () => {
    expect(requireEmailAddress("a@b.test", "email")).toBe("a@b.test");
    expect(() => requireEmailAddress("a@b", "sender address")).toThrow(/the sender address "a@b" is not an email address/);
    expect(() => requireEmailAddress("a@b.test\n", "email")).toThrow(/line break or NUL/);
    try {
      requireEmailAddress("nope", "--email address", "USAGE");
    } catch (err) {
      expect((err as RelayError).code).toBe("USAGE");
    }
    expect(() => applyUsernameTemplate("{local}", "not-an-address")).toThrow(RelayError);
    expect(applyUsernameTemplate("CORP\\{local}|{domain}|{email}", "alice@internal.test")).toBe("CORP\\alice|internal.test|alice@internal.test");
  });
});

describe("the one display-name check", () => {
  it("accepts names in any script and refuses control, bidirectional and oversized ones", () => {
    for (const good of ["Alice Example", "Zoë O'Neil", "山田 太郎", "x".repeat(200)]) expect(isDisplayName(good), good).toBe(true);
    for (const bad of ["", "   ", "a\nb", "a\rb", "a\u0000b", "a\tb", "a\u007fb", "a\u0085b", "a\u202eb", "a\u2066b", "a\u200fb", "x".repeat(201)]) expect(isDisplayName(bad), JSON.stringify(bad)).toBe(false);
    expect(() => requireDisplayName("a\nb", "USAGE")).toThrow(expect.objectContaining({ code: "USAGE" }) as unknown);
    expect(requireDisplayName("Alice")).toBe("Alice");
  });
});

describe("host names and IP literals", () => {
  it("accepts names and valid addresses, refuses invalid IP literals", () => {
    for (const good of ["relay.internal.test", "localhost", "mx-1.example.org", "10.0.0.1", "255.255.255.255", "::1", "2001:db8::25", "a1.b2"]) expect(isHost(good), good).toBe(true);
    for (const bad of ["999.999.999.999", "256.1.1.1", "1.2.3", "1.2.3.4.5", "relay.1", "::g", "-relay.test", "relay-.test", "re lay.test", "relay..test", "", `${"a".repeat(64)}.test`]) {
      expect(isHost(bad), bad).toBe(false);
    }
  });

  it("the configuration schema refuses an invalid IP literal as a host and as a domain", async () => {
    const payload = await unsignedPayload();
    expect(configSchema.safeParse({ ...payload.config, submission: { ...payload.config.submission, host: "10.1.2.3" } }).success).toBe(true);
    expect(configSchema.safeParse({ ...payload.config, submission: { ...payload.config.submission, host: "999.999.999.999" } }).success).toBe(false);
    expect(configSchema.safeParse({ ...payload.config, organization: { ...payload.config.organization, domains: ["1.2.3.4"] } }).success).toBe(false);
  });
});
