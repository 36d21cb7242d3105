// `relay-onboard status`: the read-only compliance check for MDM detection scripts. Exit 0 when this
// machine is onboarded for the user, 1 when not (the items say what is missing), 3 when the
// configuration is rejected. Never writes: not the rollback state, not a log, not a client file.
import type { Command } from "commander";
import { requireEmailAddress } from "../address.js";
import { RelayError } from "../errors.js";
import { CA_STORES, CLIENT_NAMES, type CaStoreSetting, type ClientName } from "../policy/policy.js";
import { currentPolicy, optionalConfig, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";

interface StatusFlags extends TargetFlags {
  email?: string;
  clients?: string;
  caStore?: string;
  json?: boolean;
}

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command("status")
    .description("is this machine onboarded for this user? read-only: exit 0 yes, 1 no, 3 configuration rejected")
    .option("--config <file|url>", "the signed configuration (with --trust)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state directory (read, never written)")
    .option("--email <addr>", "the user whose mail app must send through the relay (default: any account pointing at it)")
    .option("--clients <list>", `mail apps to check, comma-separated (${CLIENT_NAMES.join(", ")}); default: those found`)
    .option("--ca-store <store>", `where the root must be: ${CA_STORES.join(", ")}`)
    .option("--json", "print one JSON document")
    .action(async (opts: StatusFlags) => {
      const email = opts.email === undefined ? undefined : requireEmailAddress(opts.email, "--email address", "USAGE");
      const policy = await currentPolicy(io);
      const clients = (policy?.clients ?? opts.clients?.split(",").map((c) => c.trim()).filter(Boolean)) as ClientName[] | undefined;
      if (clients?.some((c) => !(CLIENT_NAMES as readonly string[]).includes(c))) throw new RelayError("USAGE", `--clients takes ${CLIENT_NAMES.join(", ")}`);
      const caStore = (policy?.caStore ?? opts.caStore ?? "auto") as CaStoreSetting;
      if (!(CA_STORES as readonly string[]).includes(caStore)) throw new RelayError("USAGE", `--ca-store must be one of ${CA_STORES.join(", ")}`);
      const loaded = await optionalConfig(opts, io, true);
      if (!loaded) throw new RelayError("USAGE", "no configuration: give --config and --trust (or set them by managed policy)");
      const { onboardingStatus } = await import("../status.js");
      const result = await onboardingStatus({ loaded, caStore, ...(email ? { email } : {}), ...(clients ? { clients } : {}) });
      if (opts.json) printJson(io, { ok: result.compliant, ...result });
      else {
        io.stdout(`${result.compliant ? "COMPLIANT" : `NOT COMPLIANT ${result.code}`}: ${loaded.payload.config.organization.name}, configuration version ${loaded.payload.ver}\n`);
        const mark = { ok: "[ OK ]", missing: "[MISS]", failed: "[FAIL]", unchecked: "[ -- ]" } as const;
        for (const item of result.items) io.stdout(`  ${mark[item.state]} ${item.title}: ${item.message}${item.code ? ` (${item.code})` : ""}\n`);
      }
      if (!result.compliant) throw new CheckFailed(1);
    });
}
