// `configure apple-mail`: profiles checked against Apple's schema files, and signed profiles
// verified with `openssl cms -verify`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "plist";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { validatePayload } from "../helpers/appleSchema.js";
import { createRootCa, jwksText, makeKey, signed, tempDir, testCa, unsignedPayload } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

let dir: string;
let files: { config: string; trust: string; noIncoming: string };

beforeAll(async () => {
  dir = await tempDir("ro-apple-");
  const key = await makeKey();
  const payload = await unsignedPayload();
  const plain = JSON.parse(JSON.stringify(payload)) as typeof payload;
  delete plain.config.incoming; // the test organisation names one: this configuration has none
  payload.config.incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
  payload.config.submission.auth = ["CRAM-MD5", "PLAIN"];
  files = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json"), noIncoming: join(dir, "plain.jws") };
  await writeFile(files.config, await signed(key, { payload, now: new Date() }));
  await writeFile(files.noIncoming, await signed(key, { payload: plain, now: new Date() }));
  await writeFile(files.trust, jwksText([key]));
});

/** The command line as it ships (the installers' executable). */
async function cli(args: string[], env: Record<string, string> = {}) {
  const ran = await runShipped(["configure", "apple-mail", "--trust", files.trust, "--state-dir", join(dir, "state"), "--email", "alice@internal.test", "--name", "Alice", "--json", ...args], { env });
  return { status: ran.status, report: JSON.parse(ran.stdout) as Record<string, unknown> };
}

type Dict = Record<string, unknown>;

describe("Apple Mail configuration profile", () => {
  it("passes Apple's schema, carries the relay and the pinned root, and no password", async () => {
    const out = join(dir, "alice.mobileconfig");
    expect((await cli(["--config", files.config, "--out", out])).status).toBe(0);
    const profile = parse(await readFile(out, "utf8")) as Dict;
    expect(validatePayload(profile, "Configuration")).toEqual([]);
    const content = profile["PayloadContent"] as Dict[];
    expect(content.map((p) => p["PayloadType"]).sort()).toEqual(["com.apple.mail.managed", "com.apple.security.root"]);
    for (const payload of content) expect(validatePayload(payload)).toEqual([]);
    const mail = content.find((p) => p["PayloadType"] === "com.apple.mail.managed")!;
    expect(mail).toMatchObject({
      EmailAccountType: "EmailTypeIMAP",
      EmailAddress: "alice@internal.test",
      OutgoingMailServerHostName: "relay.internal.test",
      OutgoingMailServerPortNumber: 587,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerAuthentication: "EmailAuthCRAMMD5",
      OutgoingMailServerUsername: "alice@internal.test",
      IncomingMailServerHostName: "imap.internal.test",
      IncomingMailServerUseSSL: true,
    });
    expect(mail).not.toHaveProperty("IncomingPassword");
    expect(mail).not.toHaveProperty("OutgoingPassword");
    const root = content.find((p) => p["PayloadType"] === "com.apple.security.root")!;
    expect(Buffer.from(root["PayloadContent"] as Uint8Array).equals(singleCertificateDer((await testCa()).certPem))).toBe(true);
  });

  it("keeps PayloadIdentifiers stable across runs (a new profile replaces the old) with fresh UUIDs", async () => {
    const [a, b] = [join(dir, "a.mobileconfig"), join(dir, "b.mobileconfig")];
    await cli(["--config", files.config, "--out", a]);
    await cli(["--config", files.config, "--out", b]);
    const ids = (file: string) => {
      const p = parse(readFileSync(file, "utf8")) as Dict;
      const all = [p, ...(p["PayloadContent"] as Dict[])];
      return { ids: all.map((x) => x["PayloadIdentifier"]), uuids: all.map((x) => x["PayloadUUID"] as string) };
    };
    expect(ids(a).ids).toEqual(ids(b).ids);
    for (const uuid of [...ids(a).uuids, ...ids(b).uuids]) expect(uuid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(new Set([...ids(a).uuids, ...ids(b).uuids]).size).toBe(6);
  });

  it("during a root rotation carries one root payload per current root, each valid, with distinct stable identifiers", async () => {
    const key = await makeKey();
    const next = await createRootCa("Next Root For Apple");
    const payload = await unsignedPayload();
    payload.config.incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
    payload.config.additionalRoots = [{ pem: next.certPem, sha256: sha256Hex(singleCertificateDer(next.certPem)) }];
    const config = join(dir, "rotation.jws");
    await writeFile(config, await signed(key, { payload, now: new Date() }));
    const trust = join(dir, "rotation-keys.json");
    await writeFile(trust, jwksText([key]));
    const out = join(dir, "rotation.mobileconfig");
    let text = "";
    const io: CliIo = { stdout: (t) => void (text += t), stderr: () => undefined, env: {}, now: () => new Date() };
    expect(await run(["configure", "apple-mail", "--config", config, "--trust", trust, "--state-dir", join(dir, "state-rot"), "--email", "alice@internal.test", "--out", out, "--json"], io)).toBe(0);
    const profile = parse(await readFile(out, "utf8")) as Dict;
    const roots = (profile["PayloadContent"] as Dict[]).filter((p) => p["PayloadType"] === "com.apple.security.root");
    expect(roots.map((r) => Buffer.from(r["PayloadContent"] as Uint8Array).toString("base64"))).toEqual([
      singleCertificateDer((await testCa()).certPem).toString("base64"),
      singleCertificateDer(next.certPem).toString("base64"),
    ]);
    for (const r of roots) expect(validatePayload(r)).toEqual([]);
    expect(new Set(roots.map((r) => r["PayloadIdentifier"])).size).toBe(2);
    expect(roots[0]!["PayloadIdentifier"]).toMatch(/\.root$/);
  });

  it("refuses a configuration without an incoming server, writing nothing", async () => {
    const out = join(dir, "none.mobileconfig");
    const result = await cli(["--config", files.noIncoming, "--out", out]);
    expect(result.status).toBe(2);
    expect(result.report).toMatchObject({ ok: false, code: "BAD_INPUT" });
    expect(existsSync(out)).toBe(false);
  });

  it("signs with an IT-supplied PKCS#12, and openssl cms -verify accepts it (and rejects a tampered copy)", async () => {
    const pki = join(dir, "signing");
    execFileSync("mkdir", ["-p", pki]);
    const sh = (cmd: string) => execFileSync("sh", ["-c", cmd], { cwd: pki, stdio: "pipe" });
    sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=IT Signing Root" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign');
    sh('openssl req -newkey rsa:2048 -nodes -keyout signer.key -out signer.csr -subj "/CN=IT Profile Signer"');
    await writeFile(join(pki, "ext.cnf"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=codeSigning,emailProtection\n");
    sh("openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out signer.pem -days 30 -extfile ext.cnf");
    sh("openssl pkcs12 -export -inkey signer.key -in signer.pem -certfile ca.pem -out signer.p12 -passout pass:Sign-Secret -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1");
    const out = join(dir, "signed.mobileconfig");
    const result = await cli(["--config", files.config, "--out", out, "--sign-cert", join(pki, "signer.p12"), "--sign-pass-env", "P12_PASSWORD"], { P12_PASSWORD: "Sign-Secret" });
    expect(result.status).toBe(0);
    expect(result.report).toMatchObject({ signed: true });
    const verify = spawnSync("openssl", ["cms", "-verify", "-inform", "DER", "-in", out, "-CAfile", join(pki, "ca.pem"), "-purpose", "any"], { encoding: "utf8" });
    expect(verify.status, verify.stderr).toBe(0);
    const profile = parse(verify.stdout) as Dict;
    for (const payload of profile["PayloadContent"] as Dict[]) expect(validatePayload(payload)).toEqual([]);

    const tampered = Buffer.from(await readFile(out));
    const at = tampered.indexOf(Buffer.from("relay.internal.test"));
    tampered[at] = "R".charCodeAt(0);
    await writeFile(join(dir, "tampered.mobileconfig"), tampered);
    expect(spawnSync("openssl", ["cms", "-verify", "-inform", "DER", "-in", join(dir, "tampered.mobileconfig"), "-CAfile", join(pki, "ca.pem"), "-purpose", "any"]).status).not.toBe(0);

    const wrong = await cli(["--config", files.config, "--out", join(dir, "wrong.mobileconfig"), "--sign-cert", join(pki, "signer.p12"), "--sign-pass-env", "P12_PASSWORD"], { P12_PASSWORD: "nope" });
    expect(wrong.status).toBe(2);
    expect(wrong.report).toMatchObject({ code: "BAD_INPUT" });
    expect(existsSync(join(dir, "wrong.mobileconfig"))).toBe(false);
  });

  it("the schema copy shipped with the tests matches ../shared when it is present", () => {
    const shared = join(import.meta.dirname, "..", "..", "..", "shared", "reference", "apple-device-management");
    if (!existsSync(shared)) return;
    for (const file of ["TopLevel.yaml", "CommonPayloadKeys.yaml", "com.apple.mail.managed.yaml", "com.apple.security.root.yaml"]) {
      expect(readFileSync(join(import.meta.dirname, "..", "fixtures", "apple-device-management", file), "utf8")).toBe(readFileSync(join(shared, file), "utf8"));
    }
  });
});
