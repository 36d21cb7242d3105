// Benchmarks. Each result is a ratio against a peer measured in the same run, in alternating
// rounds, with medians: these machines are shared and noisy, so absolute times mean little.
//
//  verify      our full verifyConfig vs jose's bare compactVerify of the same document
//  start-up    `relay-onboard --version` vs `node -e 0` (whole processes; time and peak memory)
//  loopback    `relay-onboard check` (submission test) vs `node -e 0` and vs swaks doing the same
//              STARTTLS + AUTH + MAIL/RCPT (--quit-after RCPT) against the same real Postfix relay
//  50/300 ms   the same behind a proxy that adds half the round trip each way (bench/proxy.ts):
//              whole-process ratio, the session in round trips, per step; at 300 ms the full
//              diagnosis (with the port grid) vs the submission test alone
//  dropped     the full diagnosis when one probed port silently drops packets, vs its timeout
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { compactVerify } from "jose";
import { readTrustedKeysFile } from "../src/config/load.js";
import { verifyConfig } from "../src/config/verify.js";
import { createDemoOrg } from "../src/demo/org.js";
import { canRunPostfix, LAB_PASSWORD, LAB_USER, startPostfixLab } from "../test/helpers/postfixLab.js";
import { buildSea } from "../test/setup/shippedCli.js";

const exec = promisify(execFile);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const BIN = join(import.meta.dirname, "..", "bin", "relay-onboard.js");

async function opsPerSecond(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return (n * 1000) / ms;
}

async function benchVerify(): Promise<void> {
  const org = await createDemoOrg(await mkdtemp(join(tmpdir(), "ro-bench-")), new Date());
  const doc = (await readFile(org.files.config, "utf8")).trim();
  const trusted = await readTrustedKeysFile(org.files.trustedKeys);
  const key = [...trusted.keys.values()][0]!.key;
  const ours = () => verifyConfig(doc, { trusted });
  const peer = () => compactVerify(doc, key, { algorithms: ["EdDSA"] });
  for (let i = 0; i < 200; i++) await Promise.all([ours(), peer()]);
  const o: number[] = [];
  const p: number[] = [];
  for (let r = 0; r < 5; r++) {
    o.push(await opsPerSecond(ours, 300));
    p.push(await opsPerSecond(peer, 300));
  }
  console.log(`verify:     verifyConfig ${median(o).toFixed(0)} ops/s, jose compactVerify ${median(p).toFixed(0)} ops/s: ratio ${(median(p) / median(o)).toFixed(2)} (cost of our strictness over the bare signature check)`);
}

/** A port whose listen queue is full: the kernel drops further SYNs, like a firewall's DROP rule. */
async function droppingPort(): Promise<{ port: number; stop: () => void }> {
  const child: ChildProcess = spawn("python3", ["-c", `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
filler = socket.socket(); filler.connect(s.getsockname())
print(s.getsockname()[1], flush=True)
time.sleep(3600)
`], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { port, stop: () => child.kill() };
}

interface ProcessRun {
  ms: number;
  /** Peak resident memory of the process (its ru_maxrss), MiB. */
  rssMiB: number;
  status: number;
  stdout: string;
}

/** One whole process: wall time and peak memory, measured by a Python parent (its own start-up excluded). */
async function measureProcess(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessRun> {
  const py = "import json,resource,subprocess,sys,time\nt=time.perf_counter();p=subprocess.run(sys.argv[1:],capture_output=True);e=time.perf_counter()-t\n" +
    "print(json.dumps({'ms':e*1000,'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,'status':p.returncode,'stdout':p.stdout.decode()}))";
  const { stdout } = await exec("python3", ["-c", py, ...argv], { env, maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { ms: number; rss: number; status: number; stdout: string };
  return { ms: r.ms, rssMiB: r.rss / 1024, status: r.status, stdout: r.stdout };
}

/** Alternating rounds of several processes; medians of time and of peak memory. */
async function rounds(n: number, runs: Record<string, () => Promise<ProcessRun>>): Promise<Record<string, { ms: number; rssMiB: number; last: ProcessRun }>> {
  const seen: Record<string, ProcessRun[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (const run of Object.values(runs)) await run(); // warm the file cache
  for (let r = 0; r < n; r++) for (const [k, run] of Object.entries(runs)) seen[k]!.push(await run());
  return Object.fromEntries(Object.entries(seen).map(([k, list]) => [k, { ms: median(list.map((x) => x.ms)), rssMiB: median(list.map((x) => x.rssMiB)), last: list.at(-1)! }]));
}

const fmt = (x: number, digits = 0) => x.toFixed(digits);

/** The single executable the installers ship (Linux x64 here), built by the project's script when stale. */
const SEA = process.platform === "linux" && process.arch === "x64" ? buildSea("linux") : undefined;

async function benchStartup(): Promise<void> {
  const r = await rounds(15, {
    node: () => measureProcess([process.execPath, "-e", "0"]),
    version: () => measureProcess([process.execPath, BIN, "--version"]),
    ...(SEA ? { sea: () => measureProcess([SEA, "--version"]) } : {}),
  });
  console.log(`start-up:   relay-onboard --version ${fmt(r.version!.ms)} ms, ${fmt(r.version!.rssMiB)} MiB; node -e 0 ${fmt(r.node!.ms)} ms, ${fmt(r.node!.rssMiB)} MiB: ratio ${fmt(r.version!.ms / r.node!.ms, 2)} (target <= 1.2)`);
  if (r.sea) console.log(`            the executable (${SEA}) --version ${fmt(r.sea.ms)} ms, ${fmt(r.sea.rssMiB)} MiB: time ${fmt(r.sea.ms / r.node!.ms, 2)} (target <= 1.2), memory ${fmt(r.sea.rssMiB / r.node!.rssMiB, 2)} (target <= 1.3) × node -e 0`);
}

interface JsonReport {
  verdict: string;
  checks: Array<{ id: string; durationMs: number; startMs: number }>;
  transcript: Array<{ t: number; dir: string; text: string }>;
}

/** Round trips of each step of a check, from its report (durations divided by the link's RTT). */
function perStep(report: JsonReport, rttMs: number): string {
  return report.checks.filter((c) => !c.id.includes("port-")).map((c) => `${c.id} ${(c.durationMs / rttMs).toFixed(1)}`).join(", ");
}

async function benchSubmission(): Promise<void> {
  if (!canRunPostfix()) {
    console.log("submission: skipped (needs root and the postfix, dovecot-core and swaks packages: run `npm test` once as root to provision them)");
    return;
  }
  const { startDelayProxy } = await import("./proxy.js");
  const lab = await startPostfixLab();
  const dropped = await droppingPort();
  try {
    const env = { ...process.env, PW: LAB_PASSWORD };
    // `relay-onboard check` through the bundle (`node bin/relay-onboard.js`) or another command (the executable).
    const check = (port: number, extra: string[] = ["--ports", "none"], command = [process.execPath, BIN]) => () =>
      measureProcess([...command, "check", "--host", "127.0.0.1", "--port", String(port), "--ca", lab.caFile, "--user", LAB_USER, "--password-env", "PW", "--json", "--timeout-ms", "20000", ...extra], env);
    const swaks = (port: number) => () =>
      measureProcess(["swaks", "--server", `127.0.0.1:${port}`, "--tls", "--auth", "PLAIN", "--auth-user", LAB_USER, "--auth-password", LAB_PASSWORD, "--from", LAB_USER, "--to", "relay-probe@example.com", "--quit-after", "RCPT"]);

    // Loopback: the whole process against node's own floor and against swaks.
    const bare = () => measureProcess([process.execPath, join(import.meta.dirname, "bare-client.mjs"), "127.0.0.1", String(lab.ports.submission), lab.caFile, LAB_USER, LAB_PASSWORD]);
    const seaCheck: Record<string, () => Promise<ProcessRun>> = SEA ? { sea: check(lab.ports.submission, undefined, [SEA]) } : {};
    const loop = await rounds(11, { node: () => measureProcess([process.execPath, "-e", "0"]), bare, check: check(lab.ports.submission), swaks: swaks(lab.ports.submission), ...seaCheck });
    const report = JSON.parse(loop.check!.last.stdout) as JsonReport;
    if (report.verdict !== "pass") throw new Error(`the submission test did not pass against Postfix: ${report.verdict}`);
    console.log(`loopback:   check ${fmt(loop.check!.ms)} ms, ${fmt(loop.check!.rssMiB)} MiB; node -e 0 ${fmt(loop.node!.ms)} ms, ${fmt(loop.node!.rssMiB)} MiB; swaks ${fmt(loop.swaks!.ms)} ms, ${fmt(loop.swaks!.rssMiB)} MiB`);
    console.log(`            check / node -e 0: time ${fmt(loop.check!.ms / loop.node!.ms, 2)} (target <= 1.6), memory ${fmt(loop.check!.rssMiB / loop.node!.rssMiB, 2)} (target <= 1.3); check / swaks ${fmt(loop.check!.ms / loop.swaks!.ms, 2)}`);
    if (loop.sea) {
      if ((JSON.parse(loop.sea.last.stdout) as JsonReport).verdict !== "pass") throw new Error("the executable's submission test did not pass against Postfix");
      console.log(`            the executable: check ${fmt(loop.sea.ms)} ms, ${fmt(loop.sea.rssMiB)} MiB: time ${fmt(loop.sea.ms / loop.node!.ms, 2)} (target <= 1.6), memory ${fmt(loop.sea.rssMiB / loop.node!.rssMiB, 2)} (target <= 1.3) × node -e 0`);
    }
    console.log(`            the floor for Node.js (bench/bare-client.mjs, the same exchange with no checks or report): ${fmt(loop.bare!.ms)} ms, ${fmt(loop.bare!.rssMiB)} MiB = ${fmt(loop.bare!.ms / loop.node!.ms, 2)} × node -e 0; check / that floor: ${fmt(loop.check!.ms / loop.bare!.ms, 2)}`);

    // A long link: the same, behind a proxy adding half the round trip each way.
    for (const rttMs of [50, 300]) {
      const proxy = await startDelayProxy({ host: "127.0.0.1", port: lab.ports.submission }, rttMs);
      try {
        const runs: Record<string, () => Promise<ProcessRun>> = { check: check(proxy.port), swaks: swaks(proxy.port) };
        if (rttMs === 300) runs["diagnosis"] = check(proxy.port, ["--ports", "25,465,587"]);
        const r = await rounds(rttMs === 50 ? 7 : 3, runs);
        const rep = JSON.parse(r.check!.last.stdout) as JsonReport;
        if (rep.verdict !== "pass") throw new Error(`the submission test did not pass through the proxy: ${rep.verdict}`);
        const sessionMs = Math.max(...rep.checks.map((c) => c.startMs + c.durationMs));
        console.log(`${rttMs} ms RTT: check ${fmt(r.check!.ms)} ms vs swaks ${fmt(r.swaks!.ms)} ms (whole processes): ratio ${fmt(r.check!.ms / r.swaks!.ms, 2)} (target <= 0.85)`);
        console.log(`            the session ${fmt(sessionMs)} ms = ${fmt(sessionMs / rttMs, 1)} RTT (target <= 7.5); per step: ${perStep(rep, rttMs)}`);
        if (r.diagnosis) {
          const extra = r.diagnosis.ms - r.check!.ms;
          console.log(`            full diagnosis (with the port grid) ${fmt(r.diagnosis.ms)} ms: ${fmt(extra)} ms = ${fmt(extra / rttMs, 2)} RTT more than the submission test (target <= 1)`);
        }
      } finally {
        await proxy.close();
      }
    }

    const timeoutMs = 5000;
    const dropRun = await check(lab.ports.submission, ["--ports", `25,465,587,${dropped.port}`, "--timeout-ms", String(timeoutMs)])();
    const full = JSON.parse(dropRun.stdout) as { verdict: string; checks: Array<{ id: string; status: string; message: string }> };
    const blocked = full.checks.find((c) => c.id === `info-port-${dropped.port}-ipv4`);
    console.log(`dropped:    full diagnosis with port ${dropped.port} dropping packets took ${fmt(dropRun.ms)} ms for a ${timeoutMs} ms timeout: ratio ${fmt(dropRun.ms / timeoutMs, 2)} (target <= 1.0); that port: ${blocked?.status} (${blocked?.message}); verdict ${full.verdict}`);
  } finally {
    dropped.stop();
    lab.stop();
  }
}

/** The renderer: its JavaScript size (gzip) and navigation → first screen in headless Chromium. */
async function benchApp(): Promise<void> {
  const { readdir, readFile: read } = await import("node:fs/promises");
  const { gzipSync } = await import("node:zlib");
  const { launchChromium, serveRenderer, RENDERER_DIR } = await import("../test/helpers/appHarness.js");
  const assets = join(RENDERER_DIR, "assets");
  let gzip = 0;
  for (const file of (await readdir(assets)).filter((f) => f.endsWith(".js"))) gzip += gzipSync(await read(join(assets, file))).length;
  console.log(`renderer:   JavaScript ${(gzip / 1024).toFixed(1)} KB gzip (target < 150 KB)`);
  const browser = await launchChromium();
  const site = await serveRenderer();
  const peerUrl = site.url.replace("index.html", "bench-peer.html");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(join(RENDERER_DIR, "bench-peer.html"), "<!doctype html><html lang=en><title>peer</title><h1>Your organisation</h1></html>");
  try {
    const measure = async (url: string) => {
      const page = await browser.newPage();
      // A string, not a function: tsx would wrap a function with helpers the page does not have.
      await page.addInitScript(
        "window.relayOnboard = { call: () => Promise.resolve({ ok: true, value: { demoOffered: true, support: {}, allowSkipCa: false, reference: 'RO-BENC-HMRK', journey: { startedAt: '', updatedAt: '' }, testTimeoutMs: 20000, language: 'en' } }), onProgress: () => () => undefined };",
      );
      await page.goto(url);
      await page.getByRole("heading", { level: 1, name: "Your organisation" }).waitFor();
      const ms = await page.evaluate<number>("performance.now()");
      await page.close();
      return ms;
    };
    await measure(site.url);
    const app: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < 9; i++) {
      app.push(await measure(site.url));
      peer.push(await measure(peerUrl));
    }
    console.log(`first screen: ${median(app).toFixed(0)} ms from navigation (median of 9; target < 300 ms); a static page with the same heading: ${median(peer).toFixed(0)} ms: ratio ${(median(app) / median(peer)).toFixed(2)}`);
  } finally {
    const { rm } = await import("node:fs/promises");
    await rm(join(RENDERER_DIR, "bench-peer.html"), { force: true });
    await site.close();
    await browser.close();
  }
}

// BENCH=startup,verify,app,submission runs only those (default: all).
const only = process.env.BENCH?.split(",");
const wanted = (name: string) => !only || only.includes(name);
if (wanted("startup")) await benchStartup();
if (wanted("verify")) await benchVerify();
if (wanted("app")) await benchApp();
if (wanted("submission")) await benchSubmission();
