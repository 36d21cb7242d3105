// `relay-onboard demo`: builds the demo organisation and walks through verifying its configuration.
import type { Command } from "commander";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/load.js";
import { createDemoOrg } from "../demo/org.js";
import { configSummaryJson, describeConfig } from "./configCommands.js";
import { printJson, type CliIo } from "./io.js";

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command("demo")
    .description("create a demo organisation (root CA, signing key, signed configuration) and verify it")
    .option("--dir <dir>", "where to create it (default: a new temporary directory)")
    .option("--json", "print one JSON document")
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "relay-onboard-demo-")));
      const org = await createDemoOrg(dir, io.now());
      const loaded = await loadConfig({ config: org.files.config, trust: org.files.trustedKeys, stateDir: join(dir, "state"), now: io.now() });
      if (opts.json) {
        printJson(io, { ...configSummaryJson(loaded), demo: { dir, files: org.files } });
        return;
      }
      io.stdout(
        [
          `Demo organisation created in ${dir}`,
          `  root CA:         ${org.files.caCert}`,
          `  signing key:     ${org.files.signingKey} (kid ${org.kid})`,
          `  trusted keys:    ${org.files.trustedKeys}`,
          `  signed config:   ${org.files.config}`,
          "",
          describeConfig(loaded),
          "Try it yourself:",
          `  npx relay-onboard config verify --config ${org.files.config} --trust ${org.files.trustedKeys} --state-dir ${join(dir, "state")}`,
          `  npx relay-onboard config sign --key ${org.files.signingKey} --in ${org.files.payload} --out ${org.files.config}   # next version`,
          "",
        ].join("\n"),
      );
    });
}
