// `relay-onboard config keygen|sign|verify`: IT's tooling for the signed configuration.
import type { Command } from "commander";
import { readTextFile } from "../fs/text.js";
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { SigningAlg } from "../config/trustedKeys.js";
import { RelayError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { configSummaryJson, describeConfig } from "./configSummary.js";
import { printJson, type CliIo } from "./io.js";

// Signing and verification load jose and zod; they are imported when a command runs, so that
// commands which do not need them start fast.
const ALLOWED_ALGS = ["EdDSA", "ES256"] as const;

const exists = (path: string) => access(path).then(() => true, () => false);
const collect = (value: string, previous: string[]) => [...previous, value];

async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readTextFile(path);
  } catch (err) {
    throw new RelayError("BAD_INPUT", `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function registerConfigCommands(program: Command, io: CliIo): void {
  const config = program.command("config").description("create signing keys, sign and verify the organisation's configuration (IT)");

  config
    .command("keygen")
    .description("create a signing key (DIR/signing-key.jwk, mode 600) and its public trusted-keys.json")
    .requiredOption("--out <dir>", "directory to write the two files into")
    .option("--alg <alg>", `signature algorithm: ${ALLOWED_ALGS.join(" or ")}`, "EdDSA")
    .option("--json", "print one JSON document")
    .action(async (opts: { out: string; alg: string; json?: boolean }) => {
      if (!(ALLOWED_ALGS as readonly string[]).includes(opts.alg)) throw new RelayError("USAGE", `--alg must be ${ALLOWED_ALGS.join(" or ")}`);
      const keyFile = join(opts.out, "signing-key.jwk");
      const jwksFile = join(opts.out, "trusted-keys.json");
      for (const file of [keyFile, jwksFile]) {
        if (await exists(file)) throw new RelayError("BAD_INPUT", `${file} already exists; refusing to overwrite a key (choose another --out)`);
      }
      const { generateSigningKey } = await import("../config/sign.js");
      const key = await generateSigningKey(opts.alg as SigningAlg);
      await writeFileAtomic(keyFile, JSON.stringify(key.privateJwk, null, 2) + "\n", { mode: 0o600, exclusive: true });
      await writeFileAtomic(jwksFile, JSON.stringify({ keys: [key.publicJwk], threshold: 1 }, null, 2) + "\n", { exclusive: true });
      if (opts.json) printJson(io, { ok: true, code: "OK", kid: key.kid, alg: opts.alg, signingKey: keyFile, trustedKeys: jwksFile });
      else {
        io.stdout(`Created signing key ${key.kid} (${opts.alg})\n  private: ${keyFile} (mode 600: keep it offline, never distribute it)\n  public:  ${jwksFile} (ship this with the app or through managed policy)\n`);
      }
    });

  config
    .command("sign")
    .description("sign a payload ({iss, config}) into a configuration document; sets iat, exp and ver")
    .requiredOption("--key <file>", "private signing key (repeat for several signers: JWS JSON serialization)", collect, [])
    .requiredOption("--in <payload.json>", "the unsigned payload: {\"iss\": …, \"config\": …}")
    .requiredOption("--out <file.jws>", "where to write the signed document (its ver is read to compute the next one)")
    .option("--expires-in <duration>", "validity, e.g. 90d, 12h", "90d")
    .option("--ver <n>", "version number (default: the version in --out plus 1, or 1)")
    .option("--json", "print one JSON document")
    .action(async (opts: { key: string[]; in: string; out: string; expiresIn: string; ver?: string; json?: boolean }) => {
      const { parseDuration, parseSigningKey, readSignedVer, signConfig } = await import("../config/sign.js");
      const { parseJsonStrict } = await import("../config/json.js");
      const expiresInSeconds = parseDuration(opts.expiresIn);
      const keys = await Promise.all(opts.key.map(async (file) => parseSigningKey(await readInput(file, "the signing key"), file)));
      let unsigned: unknown;
      try {
        unsigned = parseJsonStrict(await readInput(opts.in, "the payload"));
      } catch (err) {
        if (err instanceof RelayError) throw err;
        throw new RelayError("BAD_INPUT", `${opts.in} is not valid JSON: ${(err as Error).message}`);
      }
      let previous: number | undefined;
      if (await exists(opts.out)) {
        try {
          previous = readSignedVer(await readInput(opts.out, "the previous document"));
        } catch {
          throw new RelayError("BAD_INPUT", `${opts.out} exists but is not a signed configuration; refusing to overwrite it`);
        }
      }
      let ver: number;
      if (opts.ver !== undefined) {
        if (!/^\d{1,15}$/.test(opts.ver) || Number(opts.ver) < 1) throw new RelayError("USAGE", "--ver must be a whole number of at least 1");
        ver = Number(opts.ver);
      } else ver = (previous ?? 0) + 1;
      const { document, payload } = await signConfig(unsigned, keys, { expiresInSeconds, ver, now: io.now() });
      await writeFileAtomic(opts.out, document + "\n");
      const warning = previous !== undefined && ver <= previous ? `version ${ver} is not above the previous ${previous}: machines that saw ${previous} will refuse it` : undefined;
      if (opts.json) {
        printJson(io, { ok: true, code: "OK", out: opts.out, iss: payload.iss, ver, previousVer: previous ?? null, expiresAt: new Date(payload.exp * 1000).toISOString(), signers: keys.map((k) => k.kid), ...(warning ? { warning } : {}) });
      } else {
        io.stdout(`Signed ${opts.out}: ${payload.iss} version ${ver}, expires ${new Date(payload.exp * 1000).toISOString()}, signed by ${keys.map((k) => k.kid).join(", ")}\n`);
        if (warning) io.stderr(`warning: ${warning}\n`);
      }
    });

  config
    .command("verify")
    .description("fetch and verify a signed configuration, and record its version (rollback protection)")
    .option("--config <file|url>", "https:// URL, file: URL or path of the signed configuration (default: managed policy, then a bundled org file)")
    .option("--trust <jwks>", "the trusted public keys (trusted-keys.json)")
    .option("--state-dir <dir>", "where the highest version seen per issuer is kept")
    .option("--json", "print one JSON document")
    .action(async (opts: { config?: string; trust?: string; stateDir?: string; json?: boolean }) => {
      const { optionalConfig } = await import("./common.js");
      const loaded = await optionalConfig(opts, io);
      if (!loaded) throw new RelayError("USAGE", "give --config and --trust (or set them by managed policy)");
      if (opts.json) printJson(io, configSummaryJson(loaded));
      else io.stdout(describeConfig(loaded));
    });
}
