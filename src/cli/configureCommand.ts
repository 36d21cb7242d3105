// `relay-onboard configure thunderbird|apple-mail|outlook|detect`: the relay account written for
// each mail client from the verified configuration (Thunderbird profile, Apple .mobileconfig,
// Outlook PRF), and which clients this machine has.
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { OrgConfig } from "../config/schema.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { requireDisplayName, requireEmailAddress } from "../address.js";
import { exitStatusFor, RelayError } from "../errors.js";
import type { StoreResult } from "../truststore/types.js";
import type { InstallRecord } from "../installRecord.js";
import { stateDirOfThisRun } from "./stateDir.js";
import { optionalConfig, type TargetFlags } from "./common.js";
import { CheckFailed, printJson, type CliIo } from "./io.js";
import { guardWrite } from "../fs/writeFailure.js";

interface ConfigureFlags extends Omit<TargetFlags, "ca"> {
  out?: string;
  signCert?: string;
  signPassEnv?: string;
  open?: boolean;
  apply?: boolean;
  email?: string;
  name?: string;
  profile?: string;
  thunderbirdRoot?: string;
  dryRun?: boolean;
  ca?: boolean;
  install?: boolean;
  installDir?: string;
  json?: boolean;
}


export function registerConfigureCommand(program: Command, io: CliIo): void {
  program
    .command("configure")
    .description("write the account settings into a mail client: thunderbird, apple-mail or outlook")
    .argument("<client>", "thunderbird, thunderbird-policy, apple-mail or outlook (or detect: list the clients found)")
    .option("--config <file|url>", "the signed configuration (with --trust)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "rollback state directory")
    .option("--email <addr>", "the user's email address")
    .option("--name <name>", "the user's full name, shown as the sender")
    .option("--profile <dir>", "the Thunderbird profile directory (default: the profile Thunderbird uses)")
    .option("--thunderbird-root <dir>", "where Thunderbird's profiles.ini is (default: this platform's places)")
    .option("--dry-run", "print the exact changes without writing anything")
    .option("--no-ca", "do not add the organisation's root to the profile's certificate store")
    .option("--out <file>", "apple-mail: where to write the .mobileconfig profile")
    .option("--sign-cert <p12>", "apple-mail: sign the profile with this PKCS#12 certificate (RSA)")
    .option("--sign-pass-env <name>", "apple-mail: environment variable holding the PKCS#12 password")
    .option("--open", "apple-mail on macOS: hand the profile to the system to install")
    .option("--apply", "outlook on Windows: import the PRF into classic Outlook (OUTLOOK.EXE /importprf)")
    .option("--install", "thunderbird-policy: merge into the policies.json Thunderbird reads on this machine")
    .option("--install-dir <dir>", "thunderbird-policy: Thunderbird's installation folder (default: this platform's)")
    .option("--json", "print one JSON document")
    .action(async (client: string, opts: ConfigureFlags) => {
      if (client === "detect") {
        const { detectClients } = await import("../clients/detect.js");
        const clients = await detectClients();
        if (opts.json) printJson(io, { ok: true, code: "OK", clients });
        else {
          for (const c of clients) {
            io.stdout(`${c.client}: ${c.installed ? "found" : "not found"}${c.note ? ` (${c.note})` : ""}\n`);
            for (const p of c.profiles) io.stdout(`  ${p.isDefault ? "*" : " "} ${p.name}  ${p.location}\n`);
          }
        }
        return;
      }
      if (client === "thunderbird-policy") return thunderbirdPolicy(io, opts);
      if (client !== "thunderbird" && client !== "apple-mail" && client !== "outlook") throw new RelayError("USAGE", "the client is thunderbird, thunderbird-policy, apple-mail or outlook");
      if (!opts.email) throw new RelayError("USAGE", "give --email");
      requireEmailAddress(opts.email, "email address");
      if (opts.name !== undefined) requireDisplayName(opts.name);
      const { ca: _noCa, ...target } = opts;
      const loaded = await optionalConfig(target, io);
      if (!loaded) throw new RelayError("USAGE", "give --config and --trust");
      const config = loaded.payload.config;
      if (client === "apple-mail") return appleMail(io, opts, loaded.payload.iss, config, opts.email);
      if (client === "outlook") return outlook(io, opts, config, opts.email);

      const { thunderbirdRoots } = await import("../clients/thunderbird/profiles.js");
      const { thunderbirdProfilesFor } = await import("../clients/detect.js");
      let profile = opts.profile;
      if (!profile) {
        const profiles = await thunderbirdProfilesFor(opts.thunderbirdRoot ? [opts.thunderbirdRoot] : thunderbirdRoots());
        profile = profiles.find((p) => p.isDefault)?.path;
        if (!profile) throw new RelayError("CLIENT_NOT_FOUND", profiles.length ? "several Thunderbird profiles and none is the default: choose one with --profile" : "no Thunderbird profile found: start Thunderbird once, close it, and try again (or give --profile)");
      }
      // As the profile's owner when this is root working for another user (asOwner.ts).
      const { runProfileJobAsOwner } = await import("../clients/thunderbird/asOwner.js");
      const { recordThunderbird } = await import("../clients/thunderbird/offboard.js");
      const job = { profile, config, email: opts.email, ...(opts.name ? { fullName: opts.name } : {}), now: io.now().toISOString(), ...(opts.ca !== false ? { trustRoots: true } : {}) };
      // What was created is recorded, so that offboard takes back exactly that (installRecord.ts) —
      // the intent first, before the profile changes, so that a killed run leaves it recorded too.
      const { InstallRecord } = await import("../installRecord.js");
      const record = opts.dryRun ? undefined : await InstallRecord.load(opts.stateDir ?? (await stateDirOfThisRun(io.env)), { now: io.now() });
      if (record) {
        const intent = await runProfileJobAsOwner({ ...job, dryRun: true });
        if (intent.result.changed) {
          recordThunderbird(record, profile, opts.email, intent.result, undefined, io.now());
          await record.save();
        }
      }
      const { result, nss, rootTrust, roots: profileRoots } = await runProfileJobAsOwner({ ...job, ...(opts.dryRun ? { dryRun: true } : {}) });
      if (record) recordThunderbird(record, profile, opts.email, result, profileRoots, io.now());
      // Windows and macOS: Thunderbird now reads the OS store, so the roots go there (rootTrust.ts).
      const ca = rootTrust === "os-store" ? await rootsInOsStore(config, Boolean(opts.dryRun), record, io.now()) : nss;
      await record?.save();

      if (opts.json) {
        printJson(io, { ok: !ca?.code, code: ca?.code ?? "OK", client: "thunderbird", ...result, ...(ca ? { ca } : {}) });
      } else {
        io.stdout(`Thunderbird profile ${result.profile}\n`);
        const { describeAccountOutcome } = await import("../clients/thunderbird/accounts.js");
        if (result.changed && !result.needsAccount) io.stdout(`  account: ${describeAccountOutcome(result.account, opts.email ?? "this address", Boolean(opts.dryRun))}\n`);
        if (!result.changed) io.stdout("  prefs.js: already set up, nothing to change\n");
        else {
          io.stdout(`  prefs.js: ${opts.dryRun ? "would change" : "changed"} ${result.changes.length} preference(s)${result.backup ? ` (backup: ${result.backup})` : ""}\n`);
          if (result.userJsChanges.length > 0) io.stdout(`  user.js: ${opts.dryRun ? "would change" : "changed"} ${result.userJsChanges.length} preference(s) that overrode the relay's settings\n`);
          io.stdout(`${result.diff.replace(/^/gm, "    ")}\n`);
          if (!opts.dryRun) io.stdout("  checked: Thunderbird will use these values (prefs.js and user.js read back)\n");
        }
        const where = rootTrust === "os-store" ? `this computer's certificate store (${ca?.location ?? "the OS store"}), which Thunderbird is told to read` : "the profile's certificate store";
        if (ca) io.stdout(`  organisation's root in ${where}: ${ca.code ? `FAILED ${ca.code}: ${ca.message}` : ca.changed ? (opts.dryRun ? "would be added" : "added") : "already there"}\n`);
        if (result.needsAccount) io.stdout(`  no account for ${opts.email ?? "this address"} here, and the configuration names no incoming server to make one: add the account in Thunderbird — it will send through the relay, now the default outgoing server\n`);
      }
      if (ca?.code) {
        // --json prints one document: the report above already carries the failure.
        if (opts.json) throw new CheckFailed(exitStatusFor(ca.code));
        throw new RelayError(ca.code, ca.message ?? "the root could not be added to the profile");
      }
    });
}

/** The configuration's roots in the OS store `auto` chooses (the user's, or the machine's when elevated), retired ones removed. */
async function rootsInOsStore(config: OrgConfig, dryRun: boolean, record: InstallRecord | undefined, now: Date): Promise<StoreResult> {
  const { selectStores } = await import("../truststore/select.js");
  const { applyRoots, describeRoots, planRoots, rootsInPlace, rootsState } = await import("../truststore/rotation.js");
  const roots = planRoots(config);
  const [store] = await selectStores({ choice: "auto" });
  if (!store) throw new RelayError("CA_INSTALL_FAILED", "no certificate store for this computer");
  try {
    if (dryRun) {
      return { store: store.store, location: store.location, installed: false, changed: !rootsInPlace(await rootsState(store, roots)) };
    }
    const outcome = await applyRoots(store, roots, record, now);
    return { store: store.store, location: store.location, installed: true, changed: outcome.changed, message: describeRoots(outcome) };
  } catch (err) {
    if (!(err instanceof RelayError)) throw err;
    return { store: store.store, location: store.location, installed: false, changed: false, code: err.code, message: err.message };
  }
}

/** Thunderbird's enterprise policies: every profile on the machine trusts the organisation's roots. */
async function thunderbirdPolicy(io: CliIo, opts: ConfigureFlags): Promise<void> {
  if (Boolean(opts.out) === Boolean(opts.install)) throw new RelayError("USAGE", "give --out FILE (a policies.json to write or merge) or --install (the one Thunderbird reads here)");
  if (opts.installDir && !opts.install) throw new RelayError("USAGE", "--install-dir goes with --install");
  const { ca: _noCa, ...target } = opts;
  const loaded = await optionalConfig(target, io);
  if (!loaded) throw new RelayError("USAGE", "give --config and --trust");
  const { applyThunderbirdPolicy, planThunderbirdPolicy, policiesFileInForce } = await import("../clients/thunderbird/policies.js");
  const file = opts.out ?? (await policiesFileInForce(opts.installDir ? { installDir: opts.installDir } : {}));
  if (opts.install) {
    // A system-scope target: root writes only along real, root-owned folders (fs/systemPath.ts).
    const { requireRootOwnedPath } = await import("../fs/systemPath.js");
    await requireRootOwnedPath(file, "Thunderbird's policies file");
    await requireRootOwnedPath(join(dirname(file), "certificates"), "Thunderbird's policy certificates folder");
  }
  const plan = await planThunderbirdPolicy(file, loaded.payload.config);
  const backup = opts.dryRun || !plan.changed ? undefined : await applyThunderbirdPolicy(plan, io.now());
  if (opts.json) {
    printJson(io, {
      ok: true, code: "OK", client: "thunderbird-policy", file, changed: plan.changed, dryRun: Boolean(opts.dryRun),
      certificates: plan.write.map((c) => c.path), removed: plan.remove, ...(backup ? { backup } : {}), ...(opts.dryRun ? { policies: plan.after } : {}),
    });
    return;
  }
  io.stdout(`Thunderbird policies: ${file}\n`);
  if (!plan.changed) io.stdout("  already in place, nothing to change\n");
  for (const c of plan.write) io.stdout(`  ${opts.dryRun ? "would write" : "wrote"} ${c.path}\n`);
  for (const r of plan.remove) io.stdout(`  ${opts.dryRun ? "would remove" : "removed"} ${r} (a retired root)\n`);
  if (backup) io.stdout(`  previous policies kept in ${backup}\n`);
  if (opts.dryRun && plan.after !== plan.before) io.stdout(`  ${plan.before === undefined ? "new file" : "merged file"}:\n${plan.after.replace(/^/gm, "    ")}`);
  if (!opts.dryRun && plan.changed) io.stdout("  every Thunderbird profile on this computer trusts the organisation's root from its next start\n");
}

async function appleMail(io: CliIo, opts: ConfigureFlags, iss: string, config: OrgConfig, email: string): Promise<void> {
  if (!opts.out) throw new RelayError("USAGE", "give --out FILE.mobileconfig");
  if (opts.signCert && !opts.signPassEnv) throw new RelayError("USAGE", "--sign-cert needs --sign-pass-env NAME (the password is never a flag value)");
  if (opts.open && process.platform !== "darwin") throw new RelayError("USAGE", "--open works on macOS only; copy the profile to the Mac and open it there");
  const { buildMobileconfig } = await import("../clients/applemail/profile.js");
  const xml = buildMobileconfig({ iss, config, email, ...(opts.name ? { fullName: opts.name } : {}) });
  if (opts.dryRun) {
    io.stdout(xml);
    return;
  }
  let data: string | Buffer = xml;
  if (opts.signCert) {
    const password = io.env[opts.signPassEnv!];
    if (password === undefined) throw new RelayError("BAD_INPUT", `the environment variable ${opts.signPassEnv} is not set`);
    const p12 = await readFile(opts.signCert).catch((err: NodeJS.ErrnoException) => {
      throw new RelayError("BAD_INPUT", `cannot read --sign-cert ${opts.signCert}: ${err.code ?? err.message}`);
    });
    const { signProfile } = await import("../clients/applemail/sign.js");
    data = signProfile(xml, p12, password, io.now());
  }
  await guardWrite("CLIENT_WRITE_FAILED", dirname(opts.out), "Apple Mail's profile", () => writeFileAtomic(opts.out!, data));
  if (opts.open) {
    const { runCommand } = await import("../processRunner.js");
    const r = await runCommand("/usr/bin/open", [opts.out]);
    if (r.code !== 0) throw new RelayError("CLIENT_WRITE_FAILED", `the profile was written, but macOS could not open it: ${r.stderr.trim()}`, { command: "open" });
  }
  if (opts.json) printJson(io, { ok: true, code: "OK", client: "apple-mail", out: opts.out, signed: Boolean(opts.signCert) });
  else {
    io.stdout(`Apple Mail profile written to ${opts.out}${opts.signCert ? " (signed)" : ""}.\n`);
    const where = "System Settings > General > Device Management (on macOS 13 and 14: Privacy & Security > Profiles)";
    io.stdout(opts.open ? `macOS opened it: approve it in ${where}.\n` : `Open it on the Mac (or deploy it through MDM) and approve it in ${where}.\n`);
  }
}

async function outlook(io: CliIo, opts: ConfigureFlags, config: OrgConfig, email: string): Promise<void> {
  if (!opts.out) throw new RelayError("USAGE", "give --out FILE.prf");
  if (opts.apply && process.platform !== "win32") throw new RelayError("USAGE", "--apply works on Windows only; copy the PRF to the PC and import it there");
  const { buildPrf, encodePrf, manualSteps, renderPrf } = await import("../clients/outlook/prf.js");
  const request = { config, email, ...(opts.name ? { fullName: opts.name } : {}) };
  const text = renderPrf(buildPrf(request));
  if (opts.dryRun) {
    // The file's CRLF line ends are the terminal's plain line ends (a bare CR would be shown as "\r").
    io.stdout(text.replace(/\r\n/g, "\n"));
    return;
  }
  await guardWrite("CLIENT_WRITE_FAILED", dirname(opts.out), "Outlook's profile file", () => writeFileAtomic(opts.out!, encodePrf(text)));
  let applied = false;
  let manual: string[] | undefined;
  if (opts.apply) {
    const { applyPrf, detectOutlook } = await import("../clients/outlook/windows.js");
    const install = await detectOutlook();
    if (install.newOutlookInUse) manual = manualSteps(request);
    else {
      await applyPrf(install, opts.out);
      applied = true;
    }
  }
  if (opts.json) printJson(io, { ok: true, code: "OK", client: "outlook", out: opts.out, applied, ...(manual ? { manualSteps: manual } : {}) });
  else {
    io.stdout(`Outlook profile file written to ${opts.out}${applied ? " and imported into classic Outlook" : ""}.\n`);
    if (manual) io.stdout(`The new Outlook is in use and cannot import it. Enter these settings by hand:\n${manual.map((m) => `  - ${m}`).join("\n")}\n`);
    else if (!applied) io.stdout('Import it on the PC with: outlook.exe /importprf "<path to the .prf>"\n');
  }
}
