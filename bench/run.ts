// Benchmarks. Each result is a ratio against a peer measured in the same run, in alternating
// rounds, with medians: these machines are shared and noisy, so absolute times mean little.
//
//  verify      our full verifyConfig vs jose's bare compactVerify of the same document
//  submission  `relay-onboard check` (submission test only) vs swaks doing the same STARTTLS + AUTH +
//              MAIL/RCPT (--quit-after RCPT) against the same real Postfix relay; round trips of each
//  diagnosis   the full diagnosis (DNS, port grid, submission) vs the submission test alone
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
import { runSubmissionTest } from "../src/diagnostics/submission.js";
import { canRunPostfix, LAB_PASSWORD, LAB_USER, startPostfixLab } from "../test/helpers/postfixLab.js";

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

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
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

function roundTrips(transcript: Array<{ dir: string; text: string }>): number {
  // TCP handshake, then one per client write that waits for the server, plus one for TLS 1.3.
  let trips = 1;
  transcript.forEach((e, i) => {
    if (e.dir === "client" && transcript[i - 1]?.dir !== "client") trips++;
    if (e.dir === "info" && e.text.startsWith("TLS established")) trips++;
  });
  return trips;
}

async function benchSubmission(): Promise<void> {
  if (!canRunPostfix()) {
    console.log("submission: skipped (needs root and the postfix, dovecot-core and swaks packages: run `npm test` once as root to provision them)");
    return;
  }
  const lab = await startPostfixLab();
  const dropped = await droppingPort();
  try {
    const port = String(lab.ports.submission);
    const env = { ...process.env, PW: LAB_PASSWORD };
    const common = ["check", "--host", "127.0.0.1", "--port", port, "--ca", lab.caFile, "--user", LAB_USER, "--password-env", "PW", "--json"];
    const oursOnly = () => exec(process.execPath, [BIN, ...common, "--ports", "none"], { env });
    const oursFull = () => exec(process.execPath, [BIN, ...common], { env });
    const swaks = () => exec("swaks", ["--server", `127.0.0.1:${port}`, "--tls", "--auth", "PLAIN", "--auth-user", LAB_USER, "--auth-password", LAB_PASSWORD, "--from", LAB_USER, "--to", "relay-probe@example.com", "--quit-after", "RCPT"]);
    await Promise.all([oursOnly(), swaks(), oursFull()]);
    const nodeStart = () => exec(process.execPath, ["-e", ""]);
    const swaksStart = () => exec("swaks", ["--version"]);
    const inProcess = () =>
      runSubmissionTest({ host: "127.0.0.1", port: lab.ports.submission, security: "starttls", caPem: lab.caPem, mechanisms: ["PLAIN"], credentials: { user: LAB_USER, secret: LAB_PASSWORD } });
    const t = { only: [] as number[], full: [] as number[], swaks: [] as number[], node: [] as number[], swaksStart: [] as number[], session: [] as number[] };
    for (let r = 0; r < 11; r++) {
      t.only.push(await timed(oursOnly));
      t.swaks.push(await timed(swaks));
      t.full.push(await timed(oursFull));
      t.node.push(await timed(nodeStart));
      t.swaksStart.push(await timed(swaksStart));
      t.session.push(await timed(inProcess));
    }
    const report = JSON.parse((await oursOnly()).stdout) as { verdict: string; transcript: Array<{ dir: string; text: string }> };
    if (report.verdict !== "pass") throw new Error(`the submission test did not pass against Postfix: ${report.verdict}`);
    const swaksOut = (await swaks()).stdout.split("\n");
    let swaksTrips = 1;
    swaksOut.forEach((l, i) => {
      if (/^\s*[-~]>/.test(l) && !/^\s*[-~]>/.test(swaksOut[i - 1] ?? "")) swaksTrips++;
      if (/TLS started/.test(l)) swaksTrips++;
    });
    console.log(`submission: relay-onboard check ${median(t.only).toFixed(0)} ms, swaks ${median(t.swaks).toFixed(0)} ms (median of 11, whole processes): ratio ${(median(t.only) / median(t.swaks)).toFixed(2)} (target <= 1.0)`);
    console.log(`            of which Node.js start-up alone (node -e ""): ${median(t.node).toFixed(0)} ms; without it: ratio ${((median(t.only) - median(t.node)) / median(t.swaks)).toFixed(2)}`);
    const swaksSession = median(t.swaks) - median(t.swaksStart);
    console.log(`session:    the submission test in-process ${median(t.session).toFixed(1)} ms vs swaks minus its start-up (swaks --version, ${median(t.swaksStart).toFixed(0)} ms) ${swaksSession.toFixed(0)} ms: ratio ${(median(t.session) / swaksSession).toFixed(2)}`);
    console.log(`round trips: relay-onboard ${roundTrips(report.transcript)} (target <= 8), swaks ${swaksTrips}`);
    console.log(`diagnosis:  full diagnosis ${median(t.full).toFixed(0)} ms vs submission test alone: ratio ${(median(t.full) / median(t.only)).toFixed(2)} (target <= 1.3)`);

    const timeoutMs = 5000;
    const start = performance.now();
    const { stdout } = await exec(process.execPath, [BIN, ...common, "--ports", `25,465,587,${dropped.port}`, "--timeout-ms", String(timeoutMs)], { env }).catch((e: { stdout: string }) => e);
    const elapsed = performance.now() - start;
    const full = JSON.parse(stdout) as { verdict: string; checks: Array<{ id: string; status: string; message: string }> };
    const blocked = full.checks.find((c) => c.id === `info-port-${dropped.port}-ipv4`);
    console.log(`dropped:    full diagnosis with port ${dropped.port} dropping packets took ${elapsed.toFixed(0)} ms for a ${timeoutMs} ms timeout: ratio ${(elapsed / timeoutMs).toFixed(2)} (target <= 1.0); that port: ${blocked?.status} (${blocked?.message}); verdict ${full.verdict}`);
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
      await page.addInitScript("window.relayOnboard = { call: () => Promise.resolve({ demoOffered: true, support: {} }), onProgress: () => () => undefined };");
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

await benchVerify();
await benchApp();
await benchSubmission();
