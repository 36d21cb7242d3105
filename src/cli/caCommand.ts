// `relay-onboard ca status|install|remove`: the organisation's root CA in the trust stores.
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { formatFingerprint } from "../certs/fingerprint.js";
import { formatTimestamp } from "../time.js";
import { RelayError, FAILURE_CODES } from "../errors.js";
import type { StoreChoice } from "../truststore/select.js";
import type { AcceptedCa, StoreResult } from "../truststore/types.js";
import type { LeftInPlace } from "../truststore/rotation.js";
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

interface CaStoreResult extends StoreResult {
  /** Copies someone else installed: left in place. */
  leftInPlace?: LeftInPlace[];
  /** Current roots the store lacks (status). */
  missing?: string[];
  /** Retired roots the store still holds (status). */
  retiredPresent?: string[];
  /** Retired roots taken out by this install. */
  retiredRemoved?: string[];
}

const STORES: StoreChoice[] = ["auto", "system", "user", "nss"];
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Asks on the terminal; never assumes consent without one. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new RelayError("USAGE", "installing a root certificate needs confirmation: run in a terminal, or pass --yes");
  }
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
      const { applyRoots, planRoots, removeRoots, rootsInPlace, rootsState } = await import("../truststore/rotation.js");
      const forInstall = action === "install";
      // With a configuration: every current root (a rotation's next one too) and its retired ones.
      const plan = loaded
        ? planRoots(loaded.payload.config, { now: io.now(), forInstall })
        : { install: [forInstall ? acceptCa(pem, pinned, organization, io.now()) : identifyCa(pem, pinned, organization)], retire: [], organization };
      const ca = plan.install[0]!;
      const { selectStores } = await import("../truststore/select.js");
      const choice = opts.nssDb?.length ? "nss" : (opts.store as StoreChoice);
      // Someone at a terminal can answer the OS prompt (macOS) even with --yes; an MDM run cannot.
      const interactive = Boolean(process.stdin.isTTY);
      const stores = await selectStores({ choice, ...(opts.nssDb ? { nssDbs: opts.nssDb } : {}), interactive });
      // What the tool installed: removal takes back only that (DESIGN.md, "What the tool installed").
      const { InstallRecord } = await import("../installRecord.js");
      const { stateDirOfThisRun } = await import("./stateDir.js");
      const record = await InstallRecord.load(opts.stateDir ?? (await stateDirOfThisRun()), { readOnly: action === "status", now: io.now() });

      if (action === "install" && !opts.yes) {
        io.stderr(`About to trust ${plan.install.length === 1 ? "this root certificate" : "these root certificates"} for secure connections:\n${plan.install.map(describeCa).join("")}in: ${stores.map((s) => `${s.store} (${s.location})`).join(", ")}\n`);
        if (!(await confirm(io, "Install it? [y/N] "))) throw new RelayError("CA_INSTALL_FAILED", "declined: nothing was installed");
      }

      const results: CaStoreResult[] = [];
      for (const store of stores) {
        try {
          if (action === "install") {
            const o = await applyRoots(store, plan, record, io.now());
            results.push({ store: store.store, location: store.location, installed: true, changed: o.changed, ...(o.removed.length ? { retiredRemoved: o.removed } : {}), ...(o.leftInPlace.length ? { leftInPlace: o.leftInPlace } : {}) });
          } else if (action === "status") {
            const r = await rootsState(store, plan);
            results.push({ store: store.store, location: store.location, installed: rootsInPlace(r), changed: false, ...(r.missing.length ? { missing: r.missing } : {}), ...(r.retiredPresent.length ? { retiredPresent: r.retiredPresent } : {}), ...(r.retiredWhere.length ? { leftInPlace: r.retiredWhere } : {}) });
          } else {
            // Remove: the organisation's current roots and any retired one still there, where they are the tool's.
            const o = await removeRoots(store, plan, record);
            results.push({ store: store.store, location: store.location, installed: o.leftInPlace.length > 0, changed: o.changed, ...(o.leftInPlace.length ? { leftInPlace: o.leftInPlace } : {}) });
          }
        } catch (err) {
          if (!(err instanceof RelayError)) throw err;
          results.push({ store: store.store, location: store.location, installed: false, changed: false, code: err.code, message: err.message });
        }
      }
      await record.save();
      const { laterProfilesSentence } = await import("../truststore/browserPolicies.js");
      const later = action === "install" ? await laterProfilesSentence(stores) : undefined;
      const failed = results.find((r) => r.code);
      const ok = !failed && (action !== "status" || results.every((r) => r.installed));
      if (opts.json) {
        printJson(io, {
          ok,
          // ok and code agree: a status that finds the root missing says so with a code.
          code: failed?.code ?? (ok ? "OK" : "NOT_ONBOARDED"),
          action,
          ca: { organization: ca.organization, subject: ca.subject, sha256: ca.sha256, notAfter: ca.notAfter.toISOString() },
          ...(plan.install.length > 1 ? { additionalRoots: plan.install.slice(1).map((r) => ({ subject: r.subject, sha256: r.sha256, notAfter: r.notAfter.toISOString() })) } : {}),
          ...(plan.retire.length ? { retiredRoots: plan.retire } : {}),
          stores: results,
          ...(later ? { laterProfiles: later } : {}),
        });
      } else {
        io.stdout(plan.install.map(describeCa).join(""));
        if (plan.retire.length) io.stdout(`Retired:      ${plan.retire.map((s) => formatFingerprint(s)).join("\n              ")}\n`);
        for (const r of results) {
          const state = r.code ? `FAILED ${r.code}: ${r.message ?? ""}` : `${r.installed ? "installed" : "not installed"}${action === "status" ? "" : r.changed ? " (changed now)" : " (nothing to do)"}`;
          io.stdout(`  ${r.store.padEnd(14)} ${r.location}\n      ${state}\n`);
          for (const sha of r.missing ?? []) io.stdout(`      missing: ${formatFingerprint(sha)}\n`);
          for (const sha of r.retiredPresent ?? []) io.stdout(`      retired but still trusted: ${formatFingerprint(sha)}\n`);
          for (const l of r.leftInPlace ?? []) io.stdout(`      ${action === "status" ? `trusted at: ${l.where.join(", ")}` : `${formatFingerprint(l.sha256)} also installed by someone else: left in place (${l.where.join(", ")})`}\n`);
          for (const sha of r.retiredRemoved ?? []) io.stdout(`      retired root removed: ${formatFingerprint(sha)}\n`);
          if (r.code) io.stdout(`      What to do: ${FAILURE_CODES[r.code].hint}\n`);
        }
        if (later) io.stdout(`Browsers started later: ${later}\n`);
      }
      if (failed) throw new CheckFailed(4);
      if (!ok) throw new CheckFailed(1);
    });
}
