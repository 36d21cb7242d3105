#!/usr/bin/env node
// Entry point for `relay-onboard` / `npx relay-onboard`. Runs the single-file bundle when it was
// built (it starts ~40% faster: one file instead of hundreds of module lookups), else dist/cli.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const candidates = [new URL("../dist/cli-bundle/main.js", import.meta.url), new URL("../dist/cli/main.js", import.meta.url)];
const main = candidates.find((url) => existsSync(fileURLToPath(url)));
if (!main) {
  process.stderr.write("relay-onboard is not built yet: run `npm run build` (npm ci does it for you).\n");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
