// The relay-onboard CLI's config commands, run as they ship (the installers' executable) on the
// clock of the run; managed policy, which a spawned executable reads only from the machine, is
// injected in-process.
import { execFile } from "node:child_process";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { base64url, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { FAILURE_CODES } from "../../src/errors.js";
import { runShipped } from "../helpers/shipped.js";
import { NOW, fullPayload, header, jwksText, makeKey, rawSign, tempDir, testCa, unsignedPayload } from "../helpers/org.js";

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[]): Promise<Ran> {
  const ran = await runShipped(args);
  return { status: ran.status ?? -1, stdout: ran.stdout, stderr: ran.stderr };
}

/** Claims around the clock's now (the executable verifies at the time it runs). */
const around = () => {
  const now = Math.floor(Date.now() / 1000);
  return { iat: now - 60, exp: now + 86400 };
};

/** An IT workspace: keygen'd keys and a payload file. */
async function workspace() {
  const dir = await tempDir("ro-cli-");
  const keygen = await cli(["config", "keygen", "--out", join(dir, "keys"), "--json"]);
  expect(keygen.status).toBe(0);
  const payload = join(dir, "payload.json");
  await writeFile(payload, JSON.stringify(await unsignedPayload(), null, 2));
  return {
    dir,
    key: join(dir, "keys", "signing-key.jwk"),
    trust: join(dir, "keys", "trusted-keys.json"),
    payload,
    out: join(dir, "config.jws"),
    state: join(dir, "state"),
    kid: (JSON.parse(keygen.stdout) as { kid: string }).kid,
  };
}

describe("config keygen", () => {
  it("writes a mode-600 private key and a public JWKS without private material", async () => {
    const ws = await workspace();
    expect((await stat(ws.key)).mode & 0o777).toBe(0o600);
    const privateJwk = JSON.parse(await readFile(ws.key, "utf8")) as Record<string, string>;
    expect(privateJwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", kid: ws.kid });
    expect(privateJwk["d"]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const jwks = JSON.parse(await readFile(ws.trust, "utf8")) as { keys: Array<Record<string, string>>; threshold: number };
    expect(jwks.threshold).toBe(1);
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(jwks.keys[0]!["kid"]).toBe(ws.kid);
  });

  it("refuses to overwrite an existing key and leaves it untouched", async () => {
    const ws = await workspace();
    const before = await readFile(ws.key, "utf8");
    const again = await cli(["config", "keygen", "--out", join(ws.dir, "keys")]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^BAD_INPUT: .*already exists/);
    expect(await readFile(ws.key, "utf8")).toBe(before);
    expect((await readdir(join(ws.dir, "keys"))).sort()).toEqual(["signing-key.jwk", "trusted-keys.json"]);
  });

  it("makes ES256 keys on request and refuses other algorithms", async () => {
    const dir = await tempDir();
    expect((await cli(["config", "keygen", "--out", join(dir, "ec"), "--alg", "ES256"])).status).toBe(0);
    expect(JSON.parse(await readFile(join(dir, "ec", "signing-key.jwk"), "utf8"))).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    const bad = await cli(["config", "keygen", "--out", join(dir, "rsa"), "--alg", "RS256"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^USAGE:/);
  });
});

describe("config sign refuses a rotation that contradicts itself", () => {
  it("a retired root equal to the current root: CONFIG_INVALID naming the field, and no document written", async () => {
    const ws = await workspace();
    const payload = await unsignedPayload();
    await writeFile(ws.payload, JSON.stringify({ ...payload, config: { ...payload.config, retiredRoots: [{ sha256: payload.config.rootCa.sha256 }] } }));
    const r = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^CONFIG_INVALID: .*config\.retiredRoots\.0\.sha256: retires a current root \(rootCa\)/);
    expect(await readdir(ws.dir)).not.toContain("config.jws");
  });
});

describe("config sign and verify round trip", () => {
  it("signs, verifies, and bumps ver on each signing", async () => {
    const ws = await workspace();
    const before = Date.now();
    const first = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out, "--expires-in", "30d", "--json"]);
    expect(first.status).toBe(0);
    const signed = JSON.parse(first.stdout) as { expiresAt: string };
    expect(signed).toMatchObject({ ok: true, ver: 1, previousVer: null });
    // 30 days after the signing second (iat is whole seconds).
    const expires = Date.parse(signed.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 30 * 86400e3);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * 86400e3);

    const verified = await cli(["config", "verify", "--config", ws.out, "--trust", ws.trust, "--state-dir", ws.state, "--json"]);
    expect(verified.status).toBe(0);
    const report = JSON.parse(verified.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, code: "OK", iss: "internal.test", ver: 1, signers: [ws.kid], alg: "EdDSA" });
    expect((report["config"] as { submission: { host: string } }).submission.host).toBe("relay.internal.test");

    const second = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/version 2/);
    const text = await cli(["config", "verify", "--config", ws.out, "--trust", ws.trust, "--state-dir", ws.state]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Configuration verified: Relay Onboard Demo Org \(issuer internal\.test\), version 2/);
    // The one fingerprint form (groups of four bytes, src/certs/fingerprint.ts).
    expect(text.stdout).toMatch(/SHA-256: +(([0-9A-F]{2}:){3}[0-9A-F]{2} ){7}([0-9A-F]{2}:){3}[0-9A-F]{2}\n/);

    const explicit = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out, "--ver", "40"]);
    expect(explicit.status).toBe(0);
    expect(explicit.stdout).toMatch(/version 40/);
  });

  it("signs with several keys into the JSON serialization accepted at threshold 2", async () => {
    const a = await workspace();
    const b = await workspace();
    const jwks = {
      keys: [...(JSON.parse(await readFile(a.trust, "utf8")) as { keys: unknown[] }).keys, ...(JSON.parse(await readFile(b.trust, "utf8")) as { keys: unknown[] }).keys],
      threshold: 2,
    };
    const trust2 = join(a.dir, "trusted-2.json");
    await writeFile(trust2, JSON.stringify(jwks));
    expect((await cli(["config", "sign", "--key", a.key, "--in", a.payload, "--out", a.out])).status).toBe(0);
    const one = await cli(["config", "verify", "--config", a.out, "--trust", trust2, "--state-dir", a.state]);
    expect(one.status).toBe(3);
    expect(one.stderr).toMatch(/^CONFIG_UNKNOWN_KEY: .*2 required/);
    expect((await cli(["config", "sign", "--key", a.key, "--key", b.key, "--in", a.payload, "--out", a.out])).status).toBe(0);
    const two = await cli(["config", "verify", "--config", a.out, "--trust", trust2, "--state-dir", a.state, "--json"]);
    expect(two.status).toBe(0);
    expect((JSON.parse(two.stdout) as { signers: string[] }).signers.sort()).toEqual([a.kid, b.kid].sort());
  });

  it("refuses to sign an invalid payload and writes nothing", async () => {
    const ws = await workspace();
    const payload = JSON.parse(await readFile(ws.payload, "utf8")) as Record<string, Record<string, Record<string, unknown>>>;
    payload["config"]!["submission"]!["security"] = "plaintext";
    await writeFile(ws.payload, JSON.stringify(payload));
    const result = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out, "--json"]);
    expect(result.status).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: "CONFIG_INVALID" });
    await expect(stat(ws.out)).rejects.toThrow(/ENOENT/);
  });

  it("refuses to overwrite an --out that is not a signed configuration", async () => {
    const ws = await workspace();
    await writeFile(ws.out, "precious notes");
    const result = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out]);
    expect(result.status).toBe(2);
    expect(await readFile(ws.out, "utf8")).toBe("precious notes");
  });

  it("refuses a public JWKS as signing key, and a private key as trust", async () => {
    const ws = await workspace();
    const asKey = await cli(["config", "sign", "--key", ws.trust, "--in", ws.payload, "--out", ws.out]);
    expect(asKey.status).toBe(2);
    expect(asKey.stderr).toMatch(/^BAD_INPUT: .*not a private signing key/);
    expect((await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out])).status).toBe(0);
    const asTrust = await cli(["config", "verify", "--config", ws.out, "--trust", ws.key, "--state-dir", ws.state]);
    expect(asTrust.status).toBe(2);
    const jwksWithSecret = join(ws.dir, "leaky.json");
    await writeFile(jwksWithSecret, JSON.stringify({ keys: [JSON.parse(await readFile(ws.key, "utf8"))] }));
    const leaky = await cli(["config", "verify", "--config", ws.out, "--trust", jwksWithSecret, "--state-dir", ws.state]);
    expect(leaky.status).toBe(2);
    expect(leaky.stderr).toMatch(/private or secret key material/);
  });

  it("rejects bad --expires-in and --ver values as usage errors", async () => {
    const ws = await workspace();
    for (const args of [["--expires-in", "soon"], ["--expires-in", "0d"], ["--expires-in", "3000d"], ["--ver", "0"], ["--ver", "-3"], ["--ver", "1e3"]]) {
      const result = await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out, ...args]);
      expect(result.status, args.join(" ")).toBe(2);
    }
    await expect(stat(ws.out)).rejects.toThrow(/ENOENT/);
  });
});

describe("config verify refuses bad documents with code and exit status 3", () => {
  it("prints CODE: reason and a hint, or the JSON failure shape, and keeps the state untouched", async () => {
    const ws = await workspace();
    expect((await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out, "--ver", "5"])).status).toBe(0);
    expect((await cli(["config", "verify", "--config", ws.out, "--trust", ws.trust, "--state-dir", ws.state])).status).toBe(0);
    const stateFile = join(ws.state, "config-state.json");
    const stateBefore = await readFile(stateFile, "utf8");

    const key = await makeKey();
    const signingKey = JSON.parse(await readFile(ws.key, "utf8")) as JWK;
    const trustedKey = { ...key, kid: ws.kid, privateJwk: signingKey, alg: "EdDSA" as const };
    const bad: Array<[string, string | Buffer, string]> = [
      ["expired", await rawSign(header(trustedKey), await fullPayload({ iat: 1_700_000_000, exp: 1_759_276_800, ver: 9 }), trustedKey), "CONFIG_EXPIRED"],
      ["rollback", await rawSign(header(trustedKey), await fullPayload({ ver: 4, ...around() }), trustedKey), "CONFIG_ROLLBACK"],
      ["unknown key", await rawSign(header(key), await fullPayload({ ver: 9, ...around() }), key), "CONFIG_UNKNOWN_KEY"],
      ["alg none", `${base64url.encode(JSON.stringify({ alg: "none", kid: ws.kid, typ: "relay-onboard-config+jwt" }))}.${base64url.encode(JSON.stringify(await fullPayload({ ver: 9, ...around() })))}.`, "CONFIG_ALG_NOT_ALLOWED"],
      ["too large", Buffer.alloc(65 * 1024, 0x61), "CONFIG_TOO_LARGE"],
      ["invalid", await rawSign(header(trustedKey), await fullPayload({ ver: 9, extra: true, ...around() }), trustedKey), "CONFIG_INVALID"],
    ];
    for (const [name, doc, code] of bad) {
      const file = join(ws.dir, `${name}.jws`);
      await writeFile(file, doc);
      const text = await cli(["config", "verify", "--config", file, "--trust", ws.trust, "--state-dir", ws.state]);
      expect(text.status, name).toBe(3);
      expect(text.stderr, name).toMatch(new RegExp(`^${code}: .+\\n  What to do: `));
      expect(text.stdout, name).toBe("");
      const json = await cli(["config", "verify", "--config", file, "--trust", ws.trust, "--state-dir", ws.state, "--json"]);
      expect(json.status, name).toBe(3);
      const parsed = JSON.parse(json.stdout) as Record<string, string>;
      expect(parsed, name).toMatchObject({ ok: false, code, hint: FAILURE_CODES[code as keyof typeof FAILURE_CODES].hint });
      expect(parsed["message"]!.length, name).toBeGreaterThan(10);
      expect(await readFile(stateFile, "utf8"), name).toBe(stateBefore);
    }
    const expired = await cli(["config", "verify", "--config", join(ws.dir, "expired.jws"), "--trust", ws.trust, "--state-dir", ws.state]);
    expect(expired.stderr).toMatch(/^CONFIG_EXPIRED: the configuration expired on 2025-10-01 00:00 UTC; ask IT for a current one/);
  });

  it("refuses http:// with CONFIG_FETCH_FAILED, exit 3", async () => {
    const ws = await workspace();
    const result = await cli(["config", "verify", "--config", "http://relay.internal.test/config.jws", "--trust", ws.trust, "--json"]);
    expect(result.status).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: "CONFIG_FETCH_FAILED" });
  });
});

describe("managed policy on the command line", () => {
  it("config verify takes the configuration from policy, and refuses a flag that contradicts it", async () => {
    const ws = await workspace();
    expect((await cli(["config", "sign", "--key", ws.key, "--in", ws.payload, "--out", ws.out])).status).toBe(0);
    const { parseTrustedKeys } = await import("../../src/config/trustedKeys.js");
    const policy = { source: "test policy", configUrl: ws.out, trustedKeys: await parseTrustedKeys(await readFile(ws.trust, "utf8")) };
    const run2 = async (args: string[]) => {
      let stdout = "";
      // Signed by the executable on the clock of the run: verified on it too.
      const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, env: {}, now: () => new Date(), policy: () => Promise.resolve(policy) };
      return { status: await run(args, io), stdout };
    };
    const fromPolicy = await run2(["config", "verify", "--state-dir", ws.state, "--json"]);
    expect(fromPolicy.status).toBe(0);
    expect(JSON.parse(fromPolicy.stdout)).toMatchObject({ ok: true, source: ws.out });
    const overridden = await run2(["config", "verify", "--config", "https://evil.example/c.jws", "--json"]);
    expect(overridden.status).toBe(2);
    expect(JSON.parse(overridden.stdout)).toMatchObject({ code: "USAGE", message: expect.stringMatching(/managed policy/) as unknown });
  });
});

describe("skipping the root certificate (allowSkipCa) on the command line, as in the app", () => {
  const onboardRun = async (policy: Record<string, unknown> | undefined) => {
    let stdout = "";
    let stderr = "";
    const dir = await tempDir("ro-skipca-");
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, now: () => NOW, policy: () => Promise.resolve(policy as never) };
    const status = await run(["onboard", "--config", join(dir, "missing.jws"), "--trust", join(dir, "t.json"), "--email", "user@internal.test", "--ca-store", "none", "--state-dir", join(dir, "state"), "--yes"], io);
    return { status, out: stdout + stderr };
  };

  it("is refused under a policy that does not allow it (the default), before anything else happens", async () => {
    for (const policy of [{ source: "test policy" }, { source: "test policy", allowSkipCa: false }]) {
      const result = await onboardRun(policy);
      expect(result.status).toBe(2);
      expect(result.out).toMatch(/managed policy \(test policy\) does not allow skipping the root certificate/);
    }
  });

  it("is allowed when policy says so, or when policy itself chose caStore none (the run goes on to the next check)", async () => {
    for (const policy of [{ source: "test policy", allowSkipCa: true }, { source: "test policy", caStore: "none" }, undefined]) {
      const result = await onboardRun(policy);
      expect(result.out).not.toMatch(/does not allow skipping/);
      expect(result.out).toMatch(/the configuration file .*missing\.jws: file not found/); // the next check along: the skip itself passed
    }
  });
});

describe("audit's domain", () => {
  it("needs --domain only when neither a configuration nor an address in --user names it", async () => {
    const dir = await tempDir("ro-audit-domain-");
    const ca = join(dir, "ca.pem");
    await writeFile(ca, (await testCa()).certPem);
    const result = await cli(["audit", "--relay-host", "127.0.0.1", "--relay-port", "1", "--ca", ca, "--json"]);
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ code: "USAGE", message: expect.stringMatching(/--domain .*or --user with an address in it/) as unknown });
  });
});

describe("the command line itself", () => {
  it("answers --version and --help for every command", async () => {
    const version = await cli(["--version"]);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const command of [[], ["config"], ["config", "keygen"], ["config", "sign"], ["config", "verify"], ["check"], ["audit"], ["ca"], ["configure"], ["onboard"], ["status"], ["demo"]]) {
      const help = await cli([...command, "--help"]);
      expect(help.status, command.join(" ")).toBe(0);
      expect(help.stdout, command.join(" ")).toMatch(/Usage: relay-onboard/);
    }
  });

  it("treats unknown commands, unknown options and missing options as usage errors, exit 2", async () => {
    expect((await cli(["frobnicate"])).status).toBe(2);
    expect((await cli(["config", "verify", "--config", "x", "--trust", "y", "--frob"])).status).toBe(2);
    const missing = await cli(["config", "verify", "--json"]);
    expect(missing.status).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, code: "USAGE" });
    expect((await cli([])).status).toBe(2);
  });

  it("a local --config or --trust file that is missing is BAD_INPUT (exit 2) saying “file not found”, never advice about the internet", async () => {
    const dir = await tempDir();
    const key = await makeKey();
    await writeFile(join(dir, "trusted.json"), jwksText([key]));
    const noConfig = await cli(["config", "verify", "--config", join(dir, "absent.jws"), "--trust", join(dir, "trusted.json"), "--json"]);
    expect(noConfig.status).toBe(2);
    const said = JSON.parse(noConfig.stdout) as { code: string; message: string; hint: string };
    expect(said).toMatchObject({ code: "BAD_INPUT", message: `the configuration file ${join(dir, "absent.jws")}: file not found` });
    expect(said.hint).not.toMatch(/internet|https/i);
    await writeFile(join(dir, "present.jws"), "x.y.z");
    const noTrust = await cli(["config", "verify", "--config", join(dir, "present.jws"), "--trust", join(dir, "absent.json"), "--json"]);
    expect(noTrust.status).toBe(2);
    expect(JSON.parse(noTrust.stdout)).toMatchObject({ code: "BAD_INPUT", message: `cannot read the trusted keys ${join(dir, "absent.json")}: file not found` });
  });

  it("runs as a real process with the same exit statuses", async () => {
    const exec = promisify(execFile);
    const bin = join(import.meta.dirname, "..", "..", "bin", "relay-onboard.js");
    const version = await exec(process.execPath, [bin, "--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const failure = await exec(process.execPath, [bin, "config", "verify", "--config", "http://x/c.jws", "--trust", "/nonexistent", "--json"]).catch((e: { code: number; stdout: string }) => e);
    expect("code" in failure && failure.code).toBe(2); // the trust file is read first: BAD_INPUT
    expect(JSON.parse(failure.stdout)).toMatchObject({ ok: false, code: "BAD_INPUT" });
  });
});
