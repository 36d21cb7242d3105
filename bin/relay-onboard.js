#!/usr/bin/env node
// Entry point for `relay-onboard` / `npx relay-onboard`: runs the compiled CLI from dist/.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("relay-onboard is not built yet: run `npm run build` (npm ci does it for you).\n");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
