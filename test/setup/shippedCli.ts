// Vitest global set-up: builds the command line as it ships — the Linux single executable made by
// scripts/build-cli-sea.mjs, and the bundle bin/relay-onboard.js runs (scripts/bundle.mjs) — once per
// test run, so CLI-level tests spawn what users get rather than import the TypeScript sources. A build
// is reused while the sources it was made from are unchanged.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..", "..");

let sources: string | undefined;
/** A hash of everything a build is made from (computed once per run). */
const sourceHash = (): string => (sources ??= hashSources());

function hashSources(): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(root, path)).update(readFileSync(path));
    }
  };
  walk(join(root, "src"));
  for (const f of ["package-lock.json", "scripts/build-cli-sea.mjs", "scripts/bundle.mjs", "package.json"]) hash.update(f).update(readFileSync(join(root, f)));
  hash.update(process.version);
  return hash.digest("hex");
}

function buildOnce(output: string, stamp: string, want: string, script: string, args: string[]): void {
  if (existsSync(output) && existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  execFileSync(process.execPath, [join(root, "scripts", script), ...args], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  writeFileSync(stamp, want);
}

/** The single executable for `os` and `arch`, built by the project's script unless it is up to date; its path. */
export function buildSea(os: "linux" | "win", arch: string = process.arch): string {
  const dir = join(root, "dist", "sea", `${os}-${arch}`);
  const exe = join(dir, os === "win" ? "relay-onboard.exe" : "relay-onboard");
  buildOnce(exe, join(dir, ".sources-sha256"), sourceHash(), "build-cli-sea.mjs", ["--os", os, "--arch", arch, "--out", dir]);
  return exe;
}

export default function setup(): void {
  buildOnce(join(root, "dist", "cli-bundle", "main.js"), join(root, "dist", ".cli-bundle-sources-sha256"), sourceHash(), "bundle.mjs", []);
  if (process.platform === "linux") buildSea("linux");
}
