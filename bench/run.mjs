#!/usr/bin/env node
// Benchmarks. Each prints a ratio against a peer measured in the same run, in alternating rounds,
// because these machines are shared and absolute timings mean little.
//
// verify: our full verifyConfig (header rules, signature, claims, schema, CA fingerprint and
// basicConstraints) against jose's bare compactVerify of the same document — the floor any
// verifier pays. The ratio is the cost of our strictness.
import { compactVerify } from "jose";
import { createDemoOrg } from "../dist/demo/org.js";
import { readTrustedKeysFile } from "../dist/config/load.js";
import { verifyConfig } from "../dist/config/verify.js";
import { readFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

async function opsPerSecond(fn, ms) {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return (n * 1000) / ms;
}

const org = await createDemoOrg(await mkdtemp(join(tmpdir(), "ro-bench-")), new Date());
const doc = (await readFile(org.files.config, "utf8")).trim();
const trusted = await readTrustedKeysFile(org.files.trustedKeys);
const key = [...trusted.keys.values()][0].key;

const ours = () => verifyConfig(doc, { trusted });
const peer = () => compactVerify(doc, key, { algorithms: ["EdDSA"] });
for (let i = 0; i < 200; i++) {
  await ours();
  await peer();
}
const rounds = 5;
const oursRuns = [];
const peerRuns = [];
for (let r = 0; r < rounds; r++) {
  oursRuns.push(await opsPerSecond(ours, 300));
  peerRuns.push(await opsPerSecond(peer, 300));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const o = median(oursRuns);
const p = median(peerRuns);
console.log(`verify: relay-onboard verifyConfig ${o.toFixed(0)} ops/s, jose compactVerify ${p.toFixed(0)} ops/s, ratio ${(p / o).toFixed(2)}x slower than the bare signature check`);
