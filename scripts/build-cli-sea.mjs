#!/usr/bin/env node
// The command line as one executable for the installers: a Node.js single executable application
// (SEA) — the CLI bundled into one CommonJS file, turned into a blob by this Node, and injected
// (postject) into a Node binary of exactly this version for the target OS and architecture. The
// installers ship it as resources/cli/relay-onboard[.exe] and put it on the PATH. Same code, same
// exit statuses as `npx relay-onboard`; it needs no Node on the machine.
//
//   node scripts/build-cli-sea.mjs [--os linux|mac|win] [--arch x64|arm64] [--node BINARY] [--out DIR]
//
// The target's Node binary: --node; else this Node when the target is this machine; else the
// official build of this exact version from the npm registry (package node-<os>-<arch>). macOS on
// Apple silicon has no such package: build it on a Mac with --node "$(command -v node)" (a Mac
// build host is needed anyway to sign and notarize).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { build } from "esbuild";

const { unpackFromRegistry } = createRequire(import.meta.url)("./installer/registry.cjs");

const SENTINEL = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const HOST_OS = { linux: "linux", darwin: "mac", win32: "win" }[process.platform];
const NPM_OS = { linux: "linux", mac: "darwin", win: "win" };

const { values } = parseArgs({
  options: {
    os: { type: "string", default: HOST_OS },
    arch: { type: "string", default: process.arch },
    node: { type: "string" },
    out: { type: "string" },
  },
});
const { os, arch } = values;
if (!(os in NPM_OS) || !["x64", "arm64"].includes(arch)) {
  console.error(`build-cli-sea: unsupported target ${os}-${arch} (os: linux, mac, win; arch: x64, arm64)`);
  process.exit(2);
}
const root = resolve(import.meta.dirname, "..");
const out = resolve(values.out ?? join(root, "dist", "sea", `${os}-${arch}`));
const exe = join(out, os === "win" ? "relay-onboard.exe" : "relay-onboard");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const work = mkdtempSync(join(tmpdir(), "relay-onboard-sea-"));

try {
  // 1. One CommonJS file (SEA runs CommonJS; dynamic imports are inlined). No files of ours exist
  //    beside the executable, so the version and "am I the executable" are constants of the build.
  const script = join(work, "relay-onboard.cjs");
  await build({
    entryPoints: [join(root, "src", "cli", "seaMain.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    outfile: script,
    define: { RELAY_ONBOARD_SEA: "true", RELAY_ONBOARD_VERSION: JSON.stringify(version) },
    // Only the desktop app uses these; the command line never loads them.
    external: ["electron", "@napi-rs/keyring"],
    logLevel: "warning",
    // The three import.meta.url uses (version.ts, resolve.ts, asOwner.ts) sit behind the constants
    // above and never run in the executable.
    logOverride: { "empty-import-meta": "silent" },
    // Smaller is faster to load and lighter in memory; names kept for readable stacks in the log.
    minify: true,
    keepNames: true,
  });

  // 2. A small launcher is the executable's main script; the command line travels as an asset and
  //    is compiled only when a command needs it: `--version` (scripts call it often) answers without
  //    it, and a native build carries V8's code cache for it (made by this Node, which is the
  //    executable's own), so start-up skips compiling the bundle.
  const native = os === HOST_OS && arch === process.arch && !values.node;
  const launcher = join(work, "launcher.cjs");
  writeFileSync(launcher, launcherSource(version));
  const assets = { "cli.cjs": script };
  if (native) {
    const cache = join(work, "cli.cache");
    const made = spawnSync(process.execPath, ["-e", cacheMakerSource(), script, cache], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`build-cli-sea: making the code cache failed:\n${made.stdout}${made.stderr}`);
    assets["cli.cache"] = cache;
  }

  // 3. The blob, made by this Node (its format belongs to this exact version).
  const blob = join(work, "sea.blob");
  writeFileSync(join(work, "sea-config.json"), JSON.stringify({ main: launcher, output: blob, disableExperimentalSEAWarning: true, useCodeCache: native, assets }));
  const made = spawnSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`build-cli-sea: node --experimental-sea-config failed:\n${made.stdout}${made.stderr}`);

  // 4. The target's Node binary, of this very version.
  const node = values.node ?? (native ? process.execPath : fetchNode(os, arch, process.versions.node, work));
  mkdirSync(out, { recursive: true });
  rmSync(exe, { force: true });
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  // On a Mac, Node's own signature must go before injecting (Node's SEA procedure); the ad-hoc
  // signature afterwards lets Apple silicon run it until electron-builder signs it with the
  // Developer ID. (On Linux there is no codesign: a Mac executable built there is signed by the
  // Mac build only.)
  const codesign = os === "mac" && process.platform === "darwin";
  if (codesign) execFileSync("/usr/bin/codesign", ["--remove-signature", exe]);

  // 5. Inject. Windows and macOS: the injected executable is signed with the app by electron-builder
  //    (docs/it-guide.md, "Signing and notarization").
  const postject = join(root, "node_modules", "postject", "dist", "cli.js");
  // postject's ELF reader warns about note sections it does not need; its output matters only on failure.
  const injected = spawnSync(process.execPath, [postject, exe, "NODE_SEA_BLOB", blob, "--sentinel-fuse", SENTINEL, ...(os === "mac" ? ["--macho-segment-name", "NODE_SEA"] : [])], { encoding: "utf8" });
  if (injected.status !== 0) throw new Error(`build-cli-sea: postject failed (exit ${injected.status}):\n${injected.stdout}${injected.stderr}`);
  if (codesign) execFileSync("/usr/bin/codesign", ["--sign", "-", exe]);
  console.log(`build-cli-sea: ${exe} (${os}-${arch}, Node ${process.versions.node}, relay-onboard ${version})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Compiles the bundle as the launcher will (same wrapper, same file name) and writes V8's code cache for it. */
function cacheMakerSource() {
  return `
const { readFileSync, writeFileSync } = require("node:fs");
const { Script } = require("node:vm");
const { wrap } = require("node:module");
const [source, out] = process.argv.slice(1);
const script = new Script(wrap(readFileSync(source, "utf8")), { filename: "relay-onboard.cjs" });
writeFileSync(out, script.createCachedData());
`;
}

/** The executable's main script: the version at once, else the command line from the blob's assets. */
function launcherSource(version) {
  return `"use strict";
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(${JSON.stringify(`${version}\n`)});
} else {
  const { getAsset } = require("node:sea");
  const { Script } = require("node:vm");
  const { wrap } = require("node:module");
  let cachedData;
  try {
    cachedData = Buffer.from(getAsset("cli.cache"));
  } catch {
    cachedData = undefined; // a cross-built executable carries no cache: compiled at start-up
  }
  const script = new Script(wrap(getAsset("cli.cjs", "utf8")), { filename: "relay-onboard.cjs", cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, "relay-onboard.cjs", ".");
}
`;
}

/** The official Node binary for a target from the npm registry (node-<os>-<arch>, same version). */
function fetchNode(targetOs, targetArch, nodeVersion, into) {
  const pkg = `node-${NPM_OS[targetOs]}-${targetArch}@${nodeVersion}`;
  const binary = join(unpackFromRegistry(pkg, mkdtempSync(join(into, "node-"))), "bin", targetOs === "win" ? "node.exe" : "node");
  if (!existsSync(binary)) throw new Error(`build-cli-sea: ${pkg} has no ${binary}; give --node`);
  return binary;
}
