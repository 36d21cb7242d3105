// `relay-onboard offboard`: take back exactly what the tool installed (DESIGN.md, "What the tool
// installed"), for IT when a machine or a user leaves the organisation or it moves to another relay.
// Exit 0 when everything of the tool's is gone (also when nothing was left), 2 bad usage, 3 the
// configuration was refused, 4 something could not be taken back.
import type { Command } from "commander";
import { join } from "node:path";
import { requireEmailAddress } from "../address.js";
import { RelayError } from "../errors.js";
import { stateDirFor } from "../paths.js";
import { CA_STORES, CLIENT_NAMES, type CaStoreSetting, type ClientName } from "../policy/policy.js";
import { currentPolicy, optionalConfig, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";

interface OffboardFlags extends TargetFlags {
  email?: string;
  clients?: string;
  caStore?: string;
  keepCa?: boolean;
  outDir?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerOffboardCommand(program: Command, io: CliIo): void {
  program
    .command("offboard")
    .description("take back exactly what Relay Onboard installed: roots, the relay account, the saved password, its own files")
    .option("--config <file|url>", "the signed configuration (with --trust): its roots and servers are looked for too")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "where the install record is (default: the platform's state folder)")
    .option("--email <addr>", "the user whose saved password and mail profiles go")
    .option("--clients <list>", `mail apps, comma-separated (${CLIENT_NAMES.join(", ")}); default: those found or recorded`)
    .option("--ca-store <store>", `where to look for the roots: ${CA_STORES.join(", ")}`)
    .option("--keep-ca", "leave the organisation's roots where they are")
    .option("--out-dir <dir>", "where onboarding wrote Apple Mail / Outlook files (default: the state directory)")
    .option("--yes", "required (but for --dry-run): consent to remove without asking")
    .option("--dry-run", "print what would be removed, change nothing")
    .option("--json", "print one JSON document")
    .action(async (opts: OffboardFlags) => {
      if (!opts.yes && !opts.dryRun) throw new RelayError("USAGE", "offboard removes what Relay Onboard installed without asking: pass --yes (or --dry-run to see the list)");
      const email = opts.email === undefined ? undefined : requireEmailAddress(opts.email, "--email address", "USAGE");
      const policy = await currentPolicy(io);
      const clients = opts.clients?.split(",").map((c) => c.trim()).filter(Boolean);
      if (clients?.some((c) => !(CLIENT_NAMES as readonly string[]).includes(c))) throw new RelayError("USAGE", `--clients takes ${CLIENT_NAMES.join(", ")}`);
      const caStore = opts.caStore ?? policy?.caStore ?? "auto";
      if (!(CA_STORES as readonly string[]).includes(caStore)) throw new RelayError("USAGE", `--ca-store must be one of ${CA_STORES.join(", ")}`);
      const { isElevated } = await import("../truststore/select.js");
      const elevated = await isElevated();
      const stateDir = opts.stateDir ?? stateDirFor(elevated);
      // Read only: a configuration is verified, never recorded (offboarding must not raise the rollback floor).
      const loaded = await optionalConfig({ ...opts, stateDir }, io, true);
      const run = async () => {
        const { offboard } = await import("../offboarding.js");
        return offboard({
          ...(loaded ? { loaded } : {}), ...(email ? { email } : {}), ...(clients ? { clients: clients as ClientName[] } : {}), caStore: caStore as CaStoreSetting,
          ...(opts.keepCa ? { keepCa: true } : {}), ...(opts.dryRun ? { dryRun: true } : {}), stateDir, ...(opts.outDir ? { outDir: opts.outDir } : {}), now: io.now(),
        });
      };
      let result;
      if (opts.dryRun) result = await run();
      else {
        // The same lock as onboarding: the two never run at once for one state folder.
        const { ensurePrivateDir } = await import("../fs/privateDir.js");
        await ensurePrivateDir(stateDir, { elevated });
        const { acquireLock } = await import("../fs/pidLock.js");
        const release = await acquireLock(join(stateDir, "onboard.lock"));
        try {
          result = await run();
        } finally {
          await release();
        }
      }
      const code = result.steps.find((s) => s.status === "failed")?.code ?? "OK";
      if (opts.json) printJson(io, { ok: result.exitStatus === 0, code, ...(opts.dryRun ? { dryRun: true } : {}), changed: result.changed, steps: result.steps });
      else {
        for (const s of result.steps) {
          io.stdout(`[${s.status.toUpperCase().padEnd(9)}] ${s.title}: ${s.message}${s.code ? ` (${s.code})` : ""}\n`);
          for (const line of s.instructions ?? []) if (line !== s.message) io.stdout(`            ${line}\n`);
        }
        io.stdout(`${opts.dryRun ? "Dry run: nothing was changed." : result.exitStatus !== 0 ? "Not everything could be taken back: see the failed steps; the install record was kept for the next run." : result.changed ? "Relay Onboard's changes were taken back." : "Nothing of Relay Onboard's was left."}\n`);
      }
      if (result.exitStatus !== 0) throw new CheckFailed(result.exitStatus);
    });
}
