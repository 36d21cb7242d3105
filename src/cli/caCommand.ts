// `relay-onboard ca status|install|remove`: the organisation's root CA in the trust stores.
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { formatFingerprint } from "../certs/fingerprint.js";
import { formatTimestamp } from "../time.js";
import { RelayError, FAILURE_CODES } from "../errors.js";
import type { StoreChoice } from "../truststore/select.js";
import type { AcceptedCa, StoreResult } from "../truststore/types.js";
import { optionalConfig, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";

interface CaFlags extends TargetFlags {
  cert?: string;
  sha256?: string;
  store: string;
  nssDb?: string[];
  yes?: boolean;
  json?: boolean;
}

const STORES: StoreChoice[] = ["auto", "system", "user", "nss"];
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Asks on the terminal; never assumes consent without one. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new RelayError("USAGE", "installing a root certificate needs confirmation: run in a terminal, or pass --yes");
  }
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function describeCa(ca: AcceptedCa): string {
  return [`Organisation: ${ca.organization}`, `Certificate:  ${ca.subject}`, `SHA-256:      ${formatFingerprint(ca.sha256)}`, `Valid until:  ${formatTimestamp(ca.notAfter)}`].join("\n") + "\n";
}

export function registerCaCommand(program: Command, io: CliIo): void {
  program
    .command("ca")
    .description("status, install or remove the organisation's root CA in the trust stores")
    .argument("<action>", "status, install or remove")
    .option("--config <file|url>", "the signed configuration (with --trust): the CA it pins")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state directory")
    .option("--cert <pem>", "the CA certificate file (with --sha256), instead of a configuration")
    .option("--sha256 <hex>", "the SHA-256 fingerprint the certificate must have")
    .option("--store <store>", `where: ${STORES.join(", ")}`, "auto")
    .option("--nss-db <dir>", "an NSS database directory (repeatable); implies the nss store for it", collect)
    .option("--yes", "do not ask for confirmation")
    .option("--json", "print one JSON document")
    .action(async (action: string, opts: CaFlags) => {
      if (!["status", "install", "remove"].includes(action)) throw new RelayError("USAGE", "the action is status, install or remove");
      if (!(STORES as string[]).includes(opts.store)) throw new RelayError("USAGE", `--store must be one of ${STORES.join(", ")}`);
      const loaded = await optionalConfig(opts, io);
      let pem: string;
      let pinned: string;
      let organization: string;
      if (loaded) {
        if (opts.cert || opts.sha256) throw new RelayError("USAGE", "give either --config/--trust or --cert/--sha256");
        ({ pem, sha256: pinned } = loaded.payload.config.rootCa);
        organization = loaded.payload.config.organization.name;
      } else {
        if (!opts.cert || !opts.sha256) throw new RelayError("USAGE", "give --config and --trust, or --cert and --sha256");
        pem = await readFile(opts.cert, "utf8").catch((err: NodeJS.ErrnoException) => {
          throw new RelayError("BAD_INPUT", `cannot read --cert ${opts.cert}: ${err.code ?? err.message}`);
        });
        pinned = opts.sha256.replace(/:/g, "").toLowerCase();
        organization = "(certificate given on the command line)";
      }
      const { acceptCa, identifyCa } = await import("../truststore/accept.js");
      const ca = action === "install" ? acceptCa(pem, pinned, organization, io.now()) : identifyCa(pem, pinned, organization);
      const { selectStores } = await import("../truststore/select.js");
      const choice = opts.nssDb?.length ? "nss" : (opts.store as StoreChoice);
      // Someone at a terminal can answer the OS prompt (macOS) even with --yes; an MDM run cannot.
      const interactive = Boolean(process.stdin.isTTY);
      const stores = await selectStores({ choice, ...(opts.nssDb ? { nssDbs: opts.nssDb } : {}), interactive });

      if (action === "install" && !opts.yes) {
        io.stderr(`About to trust this root certificate for secure connections:\n${describeCa(ca)}in: ${stores.map((s) => `${s.store} (${s.location})`).join(", ")}\n`);
        if (!(await confirm(io, "Install it? [y/N] "))) throw new RelayError("CA_INSTALL_FAILED", "declined: nothing was installed");
      }

      const results: StoreResult[] = [];
      for (const store of stores) {
        try {
          results.push(await store[action as "status" | "install" | "remove"](ca));
        } catch (err) {
          if (!(err instanceof RelayError)) throw err;
          results.push({ store: store.store, location: store.location, installed: false, changed: false, code: err.code, message: err.message });
        }
      }
      const failed = results.find((r) => r.code);
      const ok = !failed && (action !== "status" || results.every((r) => r.installed));
      if (opts.json) {
        printJson(io, {
          ok,
          // ok and code agree: a status that finds the root missing says so with a code.
          code: failed?.code ?? (ok ? "OK" : "NOT_ONBOARDED"),
          action,
          ca: { organization: ca.organization, subject: ca.subject, sha256: ca.sha256, notAfter: ca.notAfter.toISOString() },
          stores: results,
        });
      } else {
        io.stdout(describeCa(ca));
        for (const r of results) {
          const state = r.code ? `FAILED ${r.code}: ${r.message ?? ""}` : `${r.installed ? "installed" : "not installed"}${action === "status" ? "" : r.changed ? " (changed now)" : " (nothing to do)"}`;
          io.stdout(`  ${r.store.padEnd(14)} ${r.location}\n      ${state}\n`);
          if (r.code) io.stdout(`      What to do: ${FAILURE_CODES[r.code].hint}\n`);
        }
      }
      if (failed) throw new CheckFailed(4);
      if (!ok) throw new CheckFailed(1);
    });
}
