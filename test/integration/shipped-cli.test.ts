// The command line as it ships — the single executable of the installers and the bundle that
// `npx relay-onboard` runs — logging in with every SASL mechanism the configuration may list, against
// real servers speaking it: Postfix with Cyrus SASL (PLAIN, LOGIN, CRAM-MD5, NTLMv2 checked by Cyrus's
// ntlm plugin) and smtp-server (XOAUTH2). Each passes with the right secret and is AUTH_FAILED with a
// wrong one. (The NTLM login once failed only in the bundle: hash-wasm loaded as a UMD chunk.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";
import type { Report } from "../../src/diagnostics/report.js";
import { canRunPostfix, LAB_DOMAIN_USER, LAB_PASSWORD, LAB_USER, startPostfixLab, type PostfixLab } from "../helpers/postfixLab.js";
import { createServer } from "node:https";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRootCa, issueServerCert, jwksText, makeKey, signed, tempDir, testCa } from "../helpers/org.js";
import { runShipped, type Shipped } from "../helpers/shipped.js";

const available = canRunPostfix();
if (!available) console.warn("shipped-cli.test.ts skipped: it needs root and the postfix, dovecot-core and sasl2-bin packages (run `npm test` as root to provision them)");

const TOKEN = "ya29.test-access-token";

async function check(via: Shipped, args: string[], secret: string): Promise<{ status: number | null; report: Report; raw: string }> {
  const ran = await runShipped(["check", ...args, "--password-env", "SECRET", "--json", "--timeout-ms", "15000"], { via, env: { SECRET: secret } });
  let report: Report;
  try {
    report = JSON.parse(ran.stdout) as Report;
  } catch {
    throw new Error(`no JSON report (exit ${ran.status}):\n${ran.stdout}${ran.stderr}`);
  }
  return { status: ran.status, report, raw: ran.stdout + ran.stderr };
}
const authMessage = (r: Report) => r.checks.find((c) => c.id === "auth")?.message;

describe.skipIf(!available)("every SASL mechanism through the command line that ships", () => {
  let lab: PostfixLab;
  let oauth: SMTPServer;
  let oauthPort = 0;
  beforeAll(async () => {
    lab = await startPostfixLab();
    const cert = await issueServerCert(await testCa(), ["127.0.0.1"]);
    oauth = new SMTPServer({
      key: cert.keyPem,
      cert: cert.certPem,
      authMethods: ["XOAUTH2"],
      authOptional: false,
      hideSTARTTLS: false,
      logger: false,
      onAuth(auth, _session, done) {
        if (auth.method === "XOAUTH2" && auth.username === LAB_USER && auth.accessToken === TOKEN) return done(null, { user: LAB_USER });
        return done(null, { data: { status: "401", schemes: "bearer", scope: "https://mail.example/" } });
      },
    });
    await new Promise<void>((r) => oauth.listen(0, "127.0.0.1", r));
    oauthPort = ((oauth as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  }, 60_000);
  afterAll(async () => {
    lab?.stop();
    await new Promise<void>((r) => (oauth ? oauth.close(() => r()) : r()));
  });

  const relay = () => ["--host", "127.0.0.1", "--port", String(lab.ports.cyrus), "--ca", lab.caFile];

  for (const via of ["sea", "bundle"] as const) {
    for (const mech of ["PLAIN", "LOGIN", "CRAM-MD5", "NTLM"]) {
      it(`${via}: ${mech} logs in with the right password, and a wrong one is AUTH_FAILED with no secret shown`, async () => {
        const ok = await check(via, [...relay(), "--user", LAB_USER, "--auth", mech], LAB_PASSWORD);
        expect(ok.report.verdict, ok.raw).toBe("pass");
        expect(ok.status).toBe(0);
        expect(authMessage(ok.report)).toBe(`logged in as ${LAB_USER} with ${mech}`);
        expect(await lab.log()).toContain(`sasl_method=${mech}, sasl_username=${LAB_USER}`);

        const bad = await check(via, [...relay(), "--user", LAB_USER, "--auth", mech], "Wrong-Password-9");
        expect([bad.status, bad.report.code]).toEqual([1, "AUTH_FAILED"]);
        expect(authMessage(bad.report)).toMatch(/535 5\.7\.8/);
        expect(bad.raw).not.toContain("Wrong-Password-9");
        expect(bad.raw).not.toContain(Buffer.from("Wrong-Password-9").toString("base64"));
      }, 60_000);
    }

    it(`${via}: NTLM with a Windows domain login (DOMAIN\\user): the domain goes into the NTLMv2 answer Cyrus checks`, async () => {
      const args = [...relay(), "--user", LAB_DOMAIN_USER, "--from", "ntlmuser@internal.test", "--auth", "NTLM"];
      const ok = await check(via, args, LAB_PASSWORD);
      expect(ok.report.verdict, ok.raw).toBe("pass");
      expect(authMessage(ok.report)).toBe(`logged in as ${LAB_DOMAIN_USER} with NTLM`);
      const bad = await check(via, args, "Wrong-Password-9");
      expect([bad.status, bad.report.code]).toEqual([1, "AUTH_FAILED"]);
    }, 60_000);

    it(`${via}: XOAUTH2 logs in with the right token, and another token is AUTH_FAILED`, async () => {
      const args = ["--host", "127.0.0.1", "--port", String(oauthPort), "--ca", lab.caFile, "--user", LAB_USER, "--auth", "XOAUTH2"];
      const ok = await check(via, args, TOKEN);
      expect(ok.report.verdict, ok.raw).toBe("pass");
      expect(authMessage(ok.report)).toBe(`logged in as ${LAB_USER} with XOAUTH2`);
      const bad = await check(via, args, "ya29.someone-elses-token");
      expect([bad.status, bad.report.code]).toEqual([1, "AUTH_FAILED"]);
      expect(bad.raw).not.toContain("someone-elses-token");
    }, 60_000);
  }
});

describe("the configuration fetched over https by the command line that ships", () => {
  it("trusts NODE_EXTRA_CA_CERTS beside the system bundle, and refuses the server without it", async () => {
    const ca = await createRootCa("Extra Root For The Config Host");
    const leaf = await issueServerCert(ca, ["127.0.0.1"]);
    const key = await makeKey();
    const document = await signed(key, { now: new Date() });
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.writeHead(200).end(document));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const dir = await tempDir("ro-shipped-extra-");
      await writeFile(join(dir, "extra.pem"), ca.certPem);
      await writeFile(join(dir, "trusted-keys.json"), jwksText([key]));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/config.jws`;
      const args = ["config", "verify", "--config", url, "--trust", join(dir, "trusted-keys.json"), "--state-dir", join(dir, "state"), "--json"];
      for (const via of ["sea", "bundle"] as const) {
        const ok = await runShipped(args, { via, env: { NODE_EXTRA_CA_CERTS: join(dir, "extra.pem") } });
        expect(ok.status, ok.stdout + ok.stderr).toBe(0);
        const refused = await runShipped(args, { via });
        expect(refused.status).toBe(3);
        expect(refused.stdout).toContain("CONFIG_FETCH_FAILED");
      }
    } finally {
      server.close();
    }
  }, 60_000);
});
