// The relay-onboard command. `run` returns the exit status instead of exiting, so tests can drive
// the real CLI in-process; bin/relay-onboard.js is the thin process wrapper.
import { Command, CommanderError } from "commander";
import { registerAuditCommand } from "./auditCommand.js";
import { registerCaCommand } from "./caCommand.js";
import { registerConfigureCommand } from "./configureCommand.js";
import { registerOnboardCommand } from "./onboardCommand.js";
import { registerOffboardCommand } from "./offboardCommand.js";
import { registerCheckCommand } from "./checkCommand.js";
import { registerConfigCommands } from "./configCommands.js";
import { registerDemoCommand } from "./demoCommand.js";
import { registerStatusCommand } from "./statusCommand.js";
import { registerSupportCommand } from "./supportCommand.js";
import { registerReportCommand } from "./reportCommand.js";
import { CheckFailed, printFailure, processIo, toFailure, type CliIo } from "./io.js";

import { VERSION } from "../version.js";

export { VERSION };


function buildProgram(io: CliIo): Command {
  const program = new Command("relay-onboard")
    .description("Set up mail clients to send through your organisation's secure relay.")
    .version(VERSION, "-V, --version", "print the version")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerConfigCommands(program, io);
  registerCheckCommand(program, io, VERSION);
  registerAuditCommand(program, io, VERSION);
  registerCaCommand(program, io);
  registerConfigureCommand(program, io);
  registerOnboardCommand(program, io, VERSION);
  registerStatusCommand(program, io);
  registerOffboardCommand(program, io);
  registerDemoCommand(program, io, VERSION);
  registerSupportCommand(program, io);
  registerReportCommand(program, io, VERSION);
  // Internal: a per-user step run as the home's owner by a root parent (privilege/forUser.ts).
  program
    .command("__user-job", { hidden: true })
    .action(async () => {
      const { userJobFromStdin } = await import("../privilege/userJob.js");
      const status = await userJobFromStdin(process.stdin as AsyncIterable<Buffer>, io.stdout);
      if (status !== 0) throw new CheckFailed(status);
    });
  // Subcommands inherit the output routing and the no-exit behaviour.
  const inherit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const json = argv.includes("--json");
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return 2;
  }
  // A password is never a flag value: it would show in process lists and shell history.
  if (argv.some((a) => a === "--password" || a.startsWith("--password="))) {
    return printFailure(io, { code: "USAGE", message: "a password is never a flag value (it would show in process lists and shell history): use --password-env NAME, --password-stdin, or type it when asked" }, json);
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end with exitCode 0; anything else commander reports is a usage error,
      // already printed on stderr.
      if (err.exitCode === 0) return 0;
      if (json) return printFailure(io, { code: "USAGE", message: err.message.replace(/^error: /, "") }, true);
      return 2;
    }
    if (err instanceof CheckFailed) return err.status;
    return printFailure(io, await toFailure(err, io), json);
  }
}
