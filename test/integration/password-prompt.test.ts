// The password prompt as a person meets it: the shipped executable on a real terminal (a pty made
// by util-linux `script`). The question stays on screen while they type and correct (Backspace
// used to make readline redraw the line, erasing the question); nothing typed is echoed; and the
// prompt comes only once the configuration and the target are known to be usable.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeSmtp, type FakeSmtp } from "../helpers/fakeSmtp.js";
import { issueServerCert, tempDir, testCa } from "../helpers/org.js";
import { testClockEnv } from "../helpers/realClock.js";
import { SEA } from "../helpers/shipped.js";

const hasScript = existsSync("/usr/bin/script");
if (!hasScript) console.warn("password prompt tests skipped: needs /usr/bin/script (util-linux)");

let relay: FakeSmtp;
let caFile: string;
let dir: string;

beforeAll(async () => {
  dir = await tempDir("ro-prompt-");
  const ca = await testCa();
  relay = await fakeSmtp({}, await issueServerCert(ca, ["127.0.0.1"]));
  caFile = join(dir, "ca.pem");
  await writeFile(caFile, ca.certPem);
});
afterAll(async () => relay?.close());

/** Runs the executable on a terminal; `keys` are typed once the screen shows `waitFor`. Returns all the terminal showed. */
function onTerminal(args: string[], waitFor: RegExp, keys: string): Promise<{ screen: string; status: number | null }> {
  const command = [SEA, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TERM: "xterm", ...testClockEnv() }, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let typed = false;
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      screen += t;
      if (!typed && waitFor.test(screen)) {
        typed = true;
        child.stdin.write(keys);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ screen, status });
    });
  });
}

describe.skipIf(!hasScript)("the CLI's password prompt on a real terminal", () => {
  it("keeps the question on screen while the user types and corrects, echoes nothing, and uses what was meant", { timeout: 60_000 }, async () => {
    // "correct horsX", Backspace, "e", Enter → "correct horse"; the relay accepts only that.
    const { screen, status } = await onTerminal(["check", "--host", "127.0.0.1", "--port", String(relay.port), "--ca", caFile, "--user", "user@internal.test", "--ports", "none", "--timeout-ms", "10000"], /Password for user@internal\.test: $/, "correct horsX\x7fe\r");
    expect(screen).toContain("Password for user@internal.test: \r\n");
    // Nothing redrew or erased the line, and no character typed appeared.
    expect(screen).not.toMatch(new RegExp(String.raw`\u001b\[[0-9;]*[GKJ]`));
    expect(screen).not.toMatch(/horse|\*{3}/);
    expect(screen).toMatch(/logged in as user@internal\.test/);
    expect(status).toBe(0);
  });

  it("Ctrl-C at the prompt stops with a usage error, nothing tested", { timeout: 60_000 }, async () => {
    const { screen, status } = await onTerminal(["check", "--host", "127.0.0.1", "--port", String(relay.port), "--ca", caFile, "--user", "user@internal.test", "--ports", "none"], /Password for user@internal\.test: $/, "abc\x03");
    expect(screen).toMatch(/USAGE.*the prompt was cancelled/s);
    expect(screen).not.toMatch(/abc/);
    expect(status).toBe(2);
  });

  it("asks nothing when the configuration or the target cannot be used: the error comes first", { timeout: 60_000 }, async () => {
    for (const args of [
      ["check", "--config", join(dir, "no-such.jws"), "--trust", join(dir, "no-such.json"), "--user", "user@internal.test"],
      ["check", "--host", "127.0.0.1", "--user", "user@internal.test"], // no --ca: the test would trust nothing
      ["check", "--host", "127.0.0.1", "--port", "99999", "--ca", caFile, "--user", "user@internal.test"],
    ]) {
      const { screen, status } = await onTerminal(args, /Password for/, "never typed\r");
      expect(screen, args.join(" ")).not.toContain("Password for");
      expect(status, args.join(" ")).toBe(2);
    }
  });
});
