// `relay-onboard configure thunderbird`: the relay account in a Thunderbird profile.
// (apple-mail and outlook are still to come, and say so.)
import type { Command } from "commander";
import { RelayError } from "../diagnostics/codes.js";
import { optionalConfig, type TargetFlags } from "./checkCommand.js";
import { printJson, type CliIo } from "./io.js";

interface ConfigureFlags extends Omit<TargetFlags, "ca"> {
  email?: string;
  name?: string;
  profile?: string;
  thunderbirdRoot?: string;
  dryRun?: boolean;
  ca?: boolean;
  json?: boolean;
}

const ADDRESS = /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/;

export function registerConfigureCommand(program: Command, io: CliIo): void {
  program
    .command("configure")
    .description("write the account settings into a mail client: thunderbird (apple-mail and outlook: not yet available)")
    .argument("<client>", "thunderbird")
    .option("--config <file|url>", "the signed configuration (with --trust)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state directory")
    .option("--email <addr>", "the user's email address")
    .option("--name <name>", "the user's full name, shown as the sender")
    .option("--profile <dir>", "the Thunderbird profile directory (default: the profile Thunderbird uses)")
    .option("--thunderbird-root <dir>", "where Thunderbird's profiles.ini is (default: this platform's places)")
    .option("--dry-run", "print the exact changes without writing anything")
    .option("--no-ca", "do not add the organisation's root to the profile's certificate store")
    .option("--json", "print one JSON document")
    .action(async (client: string, opts: ConfigureFlags) => {
      if (client === "apple-mail" || client === "outlook") throw new RelayError("USAGE", `\`relay-onboard configure ${client}\` is not yet available`);
      if (client !== "thunderbird") throw new RelayError("USAGE", "the client is thunderbird, apple-mail or outlook");
      if (!opts.email) throw new RelayError("USAGE", "give --email");
      if (!ADDRESS.test(opts.email) || /[\r\n\0]/.test(opts.email)) throw new RelayError("BAD_INPUT", `"${opts.email}" is not an email address`);
      if (opts.name !== undefined && /[\r\n\0]/.test(opts.name)) throw new RelayError("BAD_INPUT", "the name contains a line break or NUL");
      const { ca: _noCa, ...target } = opts;
      const loaded = await optionalConfig(target, io);
      if (!loaded) throw new RelayError("USAGE", "give --config and --trust");
      const config = loaded.payload.config;

      const { findThunderbirdProfiles, listProfiles } = await import("../clients/thunderbird/profiles.js");
      let profile = opts.profile;
      if (!profile) {
        const profiles = opts.thunderbirdRoot ? await listProfiles(opts.thunderbirdRoot) : await findThunderbirdProfiles();
        profile = profiles.find((p) => p.isDefault)?.path;
        if (!profile) throw new RelayError("CLIENT_NOT_FOUND", profiles.length ? "several Thunderbird profiles and none is the default: choose one with --profile" : "no Thunderbird profile found: start Thunderbird once, close it, and try again (or give --profile)");
      }
      const { configureThunderbird } = await import("../clients/thunderbird/configure.js");
      const result = await configureThunderbird({ profile, config, email: opts.email, ...(opts.name ? { fullName: opts.name } : {}), ...(opts.dryRun ? { dryRun: true } : {}), now: io.now() });

      let ca: { installed: boolean; changed: boolean; code?: string; message?: string } | undefined;
      if (opts.ca !== false && !opts.dryRun) {
        const { acceptCa } = await import("../truststore/accept.js");
        const { NssStore } = await import("../truststore/nss.js");
        const accepted = acceptCa(config.rootCa.pem, config.rootCa.sha256, config.organization.name, io.now());
        try {
          ca = await new NssStore(profile, { create: true }).install(accepted);
        } catch (err) {
          if (!(err instanceof RelayError)) throw err;
          ca = { installed: false, changed: false, code: err.code, message: err.message };
        }
      }

      if (opts.json) {
        printJson(io, { ok: !ca?.code, code: ca?.code ?? "OK", client: "thunderbird", ...result, ...(ca ? { ca } : {}) });
      } else {
        io.stdout(`Thunderbird profile ${result.profile}\n`);
        if (!result.changed) io.stdout("  prefs.js: already set up, nothing to change\n");
        else io.stdout(`  prefs.js: ${opts.dryRun ? "would change" : "changed"} ${result.changes.length} preference(s)${result.backup ? ` (backup: ${result.backup})` : ""}\n${result.diff.replace(/^/gm, "    ")}\n`);
        if (ca) io.stdout(`  organisation's root in the profile's certificate store: ${ca.code ? `FAILED ${ca.code}: ${ca.message}` : ca.changed ? "added" : "already there"}\n`);
      }
      if (ca?.code) throw new RelayError(ca.code as "CA_INSTALL_FAILED", ca.message ?? "the root could not be added to the profile");
    });
}
