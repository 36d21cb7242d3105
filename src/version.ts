// The tool's version, from the package.json of the installation. Its own module so that the app
// and the reports can name the version without loading the command line. The file is looked up
// from here upwards because this module runs from several layouts (dist/, dist/app/src/, a
// bundle chunk, the packaged app), each at a different depth. The single-executable CLI
// (scripts/build-cli-sea.mjs) has no package.json beside it: its build defines both constants.
import { readFileSync } from "node:fs";

declare const RELAY_ONBOARD_SEA: boolean | undefined;
declare const RELAY_ONBOARD_VERSION: string | undefined;

/** True inside the single executable shipped with the installers (no files of ours beside it). */
export const IN_SEA: boolean = typeof RELAY_ONBOARD_SEA === "boolean" && RELAY_ONBOARD_SEA;

function findVersion(): string {
  let dir = new URL(".", import.meta.url);
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "relay-onboard" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // Not here: look one folder up.
    }
    dir = new URL("..", dir);
  }
  return "0.0.0-unknown";
}

export const VERSION: string = typeof RELAY_ONBOARD_VERSION === "string" ? RELAY_ONBOARD_VERSION : findVersion();
