// `relay-onboard report send [FILE.json]`: the user's report (the app's last saved one, or FILE) to
// the helpdesk's report address from the signed configuration (DESIGN.md, "Helpdesk reports"),
// under this installation's reference. Exit 0 with the helpdesk's receipt, 4 REPORT_SEND_FAILED
// (the report stays saved where it was), 2 when the configuration names no report address.
import type { Command } from "commander";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Report } from "../diagnostics/report.js";
import { RelayError } from "../errors.js";
import { optionalConfig, reportAddress, type TargetFlags } from "./common.js";
import { printJson, type CliIo } from "./io.js";
import { stateDirOfThisRun } from "./stateDir.js";

interface SendFlags extends TargetFlags { json?: boolean }

/** The newest report the app saved (report ids sort by time), or undefined. */
async function lastSavedReport(stateDir: string): Promise<string | undefined> {
  const dir = join(stateDir, "reports");
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^relay-onboard-RO-.+\.json$/.test(n)).sort();
  return names.length ? join(dir, names[names.length - 1]!) : undefined;
}

async function readReport(file: string): Promise<Report> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new RelayError("BAD_INPUT", `the report ${file}: ${err.code === "ENOENT" ? "file not found" : (err.code ?? err.message)}`);
  });
  let report: Partial<Report>;
  try {
    report = JSON.parse(text) as Partial<Report>;
  } catch {
    throw new RelayError("BAD_INPUT", `${file} is not a JSON report (make one with check --json or the app)`);
  }
  if (report.tool?.name !== "relay-onboard" || !Array.isArray(report.checks) || !Array.isArray(report.transcript)) throw new RelayError("BAD_INPUT", `${file} is not a Relay Onboard report`);
  return report as Report;
}

export function registerReportCommand(program: Command, io: CliIo, version: string): void {
  const report = program.command("report").description("the helpdesk report");
  report
    .command("send")
    .description("send a report (the app's last saved one, or FILE) to the helpdesk's report address")
    .argument("[file]", "a JSON report (check --json, or a file the app saved)")
    .option("--config <file|url>", "the signed configuration (with --trust)")
    .option("--trust <jwks>", "the trusted public keys")
    .option("--state-dir <dir>", "where this installation's reference and saved reports are")
    .option("--json", "print the helpdesk's receipt as JSON")
    .action(async (file: string | undefined, opts: SendFlags) => {
      const loaded = await optionalConfig(opts, io, true);
      if (!loaded) throw new RelayError("USAGE", "no configuration: give --config and --trust (or set them by managed policy)");
      const url = await reportAddress(loaded, io, "report send");
      const stateDir = opts.stateDir ?? (await stateDirOfThisRun(io.env));
      const path = file ?? (await lastSavedReport(stateDir));
      if (!path) throw new RelayError("USAGE", `no saved report in ${join(stateDir, "reports")}: give a report file (check --json > report.json)`);
      const { installationReference } = await import("../support/reference.js");
      const { sendReport } = await import("../support/send.js");
      const { currentRoots } = await import("../config/roots.js");
      const reference = installationReference(stateDir, io.now());
      try {
        const receipt = await sendReport({ url, reference, report: await readReport(path), version, orgRoots: currentRoots(loaded.payload.config).map((r) => r.pem), now: io.now() });
        if (opts.json) printJson(io, { ok: true, code: "OK", ...receipt, file: path });
        else io.stdout(`Sent: the helpdesk received report ${receipt.reportId} for reference ${receipt.reference} at ${receipt.received}.\n`);
      } catch (err) {
        if (err instanceof RelayError && err.code === "REPORT_SEND_FAILED") throw new RelayError("REPORT_SEND_FAILED", `${err.message}; the report is still saved at ${path}`, { cause: err });
        throw err;
      }
    });
}
