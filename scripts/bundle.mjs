#!/usr/bin/env node
// Bundles what must be one file: the sandboxed preload (CommonJS, Electron allows it no imports)
// and the CLI (ESM, split on its lazy imports; one file starts ~40% faster than hundreds of
// module lookups). The native keychain module and Electron stay outside.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// hash-wasm's "main" is a UMD file: put in a chunk of its own it exports only `default`, so the
// lazy `const { md4 } = await import("hash-wasm")` of NTLM found no md4 in the shipped command
// line. Its "module" file is ESM with named exports, as the sources see it.
const hashWasmEsm = {
  name: "hash-wasm-esm",
  setup(b) {
    b.onResolve({ filter: /^hash-wasm$/ }, () => ({ path: fileURLToPath(new URL("../node_modules/hash-wasm/dist/index.esm.js", import.meta.url)) }));
  },
};

// Chunk names change with their contents: start from an empty folder so no stale chunk stays behind.
rmSync("dist/cli-bundle", { recursive: true, force: true });

await build({
  entryPoints: ["electron/preload.ts"],
  bundle: true,
  platform: "node",
  format: "cjs",
  external: ["electron"],
  outfile: "dist/app/electron/preload.cjs",
  logLevel: "warning",
});

await build({
  entryPoints: ["src/cli/main.ts"],
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  outdir: "dist/cli-bundle",
  external: ["@napi-rs/keyring", "electron"],
  plugins: [hashWasmEsm],
  // Bundled CommonJS dependencies call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __relayRequire } from 'node:module'; const require = __relayRequire(import.meta.url);" },
  logLevel: "warning",
});
