// The one path every command takes to a usable configuration: read the trusted keys, fetch the
// document, verify it (with rollback state). Nothing from the document is used before this returns.
import { readTextFile } from "../fs/text.js";
import { RelayError } from "../errors.js";
import { userStateDir } from "../paths.js";
import { fetchConfig, fileProblem, type FetchOptions } from "./fetch.js";
import { RollbackState } from "./rollbackState.js";
import { parseTrustedKeys, type TrustedKeys } from "./trustedKeys.js";
import { verifyConfig, type VerifiedConfig } from "./verify.js";

export interface LoadOptions {
  /** https:// URL, file: URL or path of the signed configuration. */
  config: string;
  /** Path of the trusted JWKS, or the keys already parsed (e.g. from managed policy). */
  trust: string | TrustedKeys;
  /** Where the rollback state lives; defaults to the per-user state directory. */
  stateDir?: string;
  now?: Date;
  fetch?: FetchOptions;
  /** Verify (rollback included) without recording the version: for read-only checks. */
  readOnly?: boolean;
}

export interface LoadedConfig extends VerifiedConfig {
  source: string;
}

export async function readTrustedKeysFile(path: string): Promise<TrustedKeys> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (err) {
    throw new RelayError("BAD_INPUT", `cannot read the trusted keys ${path}: ${fileProblem(err)}`);
  }
  return parseTrustedKeys(text, path);
}

export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const trusted = typeof options.trust === "string" ? await readTrustedKeysFile(options.trust) : options.trust;
  const fetched = await fetchConfig(options.config, options.fetch);
  const state = RollbackState.inDir(options.stateDir ?? userStateDir(), options.readOnly);
  const verified = await verifyConfig(fetched.bytes, { trusted, state, ...(options.now ? { now: options.now } : {}) });
  return { ...verified, source: fetched.source };
}
