// Finding 4: text from the network reaches terminals, logs and reports only with its control
// characters made visible. A scripted server answers with terminal escape sequences (clear the
// screen, paint a green "PASS", set the window title), C1 controls and bidirectional overrides,
// before TLS (anyone on the path can do this) and in its login refusal.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuedCert } from "../../src/certs/generate.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { RunLog } from "../../src/runlog.js";
import { visible } from "../../src/safeText.js";
import { fakeSmtp, type FakeSmtp } from "../helpers/fakeSmtp.js";
import { issueServerCert, jwksText, makeKey, signed, tempDir, testCa, unsignedPayload } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

// ESC [2J (clear), ESC [32m (green), OSC 0 title BEL, C1 CSI (0x9b), RLO (U+202E as UTF-8 bytes).
const HOSTILE = "\x1b[2J\x1b[32mPASS relay works\x1b]0;owned\x07 \x9b31m \xe2\x80\xaeevil";
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let ca: IssuedCert;
let server: FakeSmtp;
let dir: string;
beforeAll(async () => {
  ca = await testCa();
  server = await fakeSmtp({ greeting: `220 ${HOSTILE}\r\n`, handlers: { AUTH: (_a, s) => (s.tls ? `535 5.7.8 ${HOSTILE}\r\n` : "530 no\r\n") } }, await issueServerCert(ca, ["127.0.0.1"]));
  dir = await tempDir("ro-tty-");
  await writeFile(join(dir, "ca.pem"), ca.certPem);
});
afterAll(async () => server.close());

/** The command line as it ships (the installers' executable): its real bytes on stdout and stderr. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const ran = await runShipped(args, { env });
  return { status: ran.status, out: ran.stdout + ran.stderr };
}

describe("terminal-safe output (finding 4)", () => {
  it("makes every control character visible, and leaves ordinary text alone", () => {
    expect(visible("a\x1b[2Jb")).toBe("a\\x1b[2Jb");
    expect(visible("bell\x07 del\x7f c1\x9b nul\x00")).toBe("bell\\x07 del\\x7f c1\\x9b nul\\x00");
    expect(visible("cr\r lf\n tab\t")).toBe("cr\\r lf\\n tab\t");
    expect(visible("\u202eevil\u2066x\u2069\u200f\u061c")).toBe("\\u202eevil\\u2066x\\u2069\\u200f\\u061c");
    expect(visible("Zoë 山田 — “quotes” 😀")).toBe("Zoë 山田 — “quotes” 😀");
  });

  it("check's text and JSON output carry no control character from the server", async () => {
    const base = ["check", "--host", "127.0.0.1", "--port", String(server.port), "--ca", join(dir, "ca.pem"), "--user", "user@internal.test", "--password-env", "PW", "--ports", "none", "--timeout-ms", "5000"];
    const text = await cli(base, { PW: "x" });
    expect(text.status).toBe(1);
    expect(text.out).toContain("AUTH_FAILED");
    expect(text.out).toContain("\\x1b[2J");
    expect(text.out).not.toMatch(UNSAFE);
    expect(text.out.split("\n")[0]).toMatch(/^FAIL AUTH_FAILED/);
    const json = await cli([...base, "--json"], { PW: "x" });
    expect(json.out).not.toMatch(UNSAFE);
    expect(JSON.stringify(JSON.parse(json.out))).not.toMatch(/\\u001b|\\u009b|\\u202e/);
  });

  it("the onboard log and output carry no control character from the server", async () => {
    const key = await makeKey();
    const payload = await unsignedPayload();
    payload.config.submission = { host: "127.0.0.1", port: server.port, security: "starttls", auth: ["PLAIN"], username: "{email}" };
    payload.config.rootCa = { pem: ca.certPem, sha256: sha256Hex(singleCertificateDer(ca.certPem)) };
    await writeFile(join(dir, "c.jws"), await signed(key, { payload, now: new Date() }));
    await writeFile(join(dir, "t.json"), jwksText([key]));
    const result = await cli(["onboard", "--config", join(dir, "c.jws"), "--trust", join(dir, "t.json"), "--state-dir", join(dir, "state"), "--log-dir", join(dir, "logs"), "--out-dir", dir, "--email", "user@internal.test", "--password-env", "PW", "--ca-store", "none", "--clients", "apple-mail", "--yes"], { PW: "x" });
    expect(result.status).toBe(4);
    expect(result.out).not.toMatch(UNSAFE);
    const log = await readFile(join(dir, "logs", "onboard.log"), "utf8");
    expect(log).toMatch(/AUTH_FAILED/);
    expect(log).not.toMatch(UNSAFE);
  });

  it("a log line never carries a control character, whoever wrote it", async () => {
    const log = new RunLog(await tempDir("ro-log-"));
    await log.open();
    await log.write("error", `bad ${HOSTILE}\r\nforged line`);
    const text = await readFile(log.file, "utf8");
    expect(text.trimEnd().split("\n")).toHaveLength(1);
    expect(text).not.toMatch(UNSAFE);
  });
});
