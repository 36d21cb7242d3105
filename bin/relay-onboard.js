#!/usr/bin/env node
// Entry point for `relay-onboard` / `npx relay-onboard`. Runs the single-file bundle when it was
// built (it starts ~40% faster: one file instead of hundreds of module lookups), else dist/cli.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// `--version` answers from package.json without loading the command line (scripts call it often):
// the same output as the full parser gives.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
  process.exit(0);
}

const candidates = [new URL("../dist/cli-bundle/main.js", import.meta.url), new URL("../dist/cli/main.js", import.meta.url)];
const main = candidates.find((url) => existsSync(fileURLToPath(url)));
if (!main) {
  process.stderr.write("relay-onboard is not built yet: run `npm run build` (npm ci does it for you).\n");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(args);
