// The entry point of the single executable shipped inside the installers (scripts/build-cli-sea.mjs):
// the same command line as `bin/relay-onboard.js`, with the same exit statuses.
import { run } from "./main.js";

void run(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
