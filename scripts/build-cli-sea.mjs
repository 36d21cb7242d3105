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
  });

  // 2. The blob, made by this Node (its format belongs to this exact version).
  const blob = join(work, "sea.blob");
  const native = os === HOST_OS && arch === process.arch;
  writeFileSync(join(work, "sea-config.json"), JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: native && !values.node }));
  const made = spawnSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`build-cli-sea: node --experimental-sea-config failed:\n${made.stdout}${made.stderr}`);

  // 3. The target's Node binary, of this very version.
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

  // 4. Inject. Windows and macOS: the injected executable is signed with the app by electron-builder
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

/** The official Node binary for a target from the npm registry (node-<os>-<arch>, same version). */
function fetchNode(targetOs, targetArch, nodeVersion, into) {
  const pkg = `node-${NPM_OS[targetOs]}-${targetArch}@${nodeVersion}`;
  const binary = join(unpackFromRegistry(pkg, mkdtempSync(join(into, "node-"))), "bin", targetOs === "win" ? "node.exe" : "node");
  if (!existsSync(binary)) throw new Error(`build-cli-sea: ${pkg} has no ${binary}; give --node`);
  return binary;
}
