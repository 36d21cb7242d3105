// Drives the built renderer in Debian's Chromium (playwright-core). The preload API is provided
// through a Playwright binding onto an Electron-like boundary (electronBoundary.ts): the handlers
// main registers, with its sender and argument checks, results structured-cloned, and a thrown
// error reduced to Electron's message string — in front of the real core service.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { TestProgress } from "../../src/app/api.js";
import type { AppService } from "../../src/app/service.js";
import { electronBoundary } from "./electronBoundary.js";
import { realClockEnv } from "./realClock.js";

const require = createRequire(import.meta.url);

export const RENDERER_DIR = join(import.meta.dirname, "..", "..", "dist", "renderer");
export const SCREENSHOTS = join(import.meta.dirname, "..", "..", "test-output", "screenshots");

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

/** Serves dist/renderer on loopback (the page Electron would load from the file system). */
export async function serveRenderer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^\/+/, "") || "index.html";
    if (path.includes("..")) return void res.writeHead(400).end();
    readFile(join(RENDERER_DIR, path)).then(
      (data) => res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(data),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    env: realClockEnv(),
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export interface AppPage {
  page: Page;
  /** Content-Security-Policy violations the page reported (must stay empty). */
  cspViolations: string[];
  saved: string[];
  /** Files main was asked to open (Apple Mail's profile). */
  opened: string[];
  shownInFolder: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  saveDir?: string;
  viewport?: { width: number; height: number };
  /**
   * granted: the clipboard write "Copy" needs (Electron's main grants exactly this one, and reads
   * for the test's check); denied: writes fail with NotAllowedError, as when a permission handler
   * refuses — what Electron did before main allowed `clipboard-sanitized-write`.
   */
  clipboard?: "granted" | "denied";
  /** Theme and zoom as the OS would set them. */
  colorScheme?: "light" | "dark";
  forcedColors?: "active" | "none";
  /** 2 with half the window's size in CSS pixels: what 200 % zoom looks like to the page. */
  deviceScaleFactor?: number;
  /** The pseudo-locale's compiled messages (FormatJS AST), handed to the renderer's en-XA hook. */
  pseudoMessages?: unknown;
}

export async function openApp(browser: Browser, url: string, service: AppService, options: OpenOptions = {}): Promise<AppPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1100, height: 900 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
    ...(options.forcedColors ? { forcedColors: options.forcedColors } : {}),
    ...(options.deviceScaleFactor ? { deviceScaleFactor: options.deviceScaleFactor } : {}),
  });
  if (options.pseudoMessages) await context.addInitScript((m) => ((globalThis as unknown as { relayOnboardPseudoMessages: unknown }).relayOnboardPseudoMessages = m), options.pseudoMessages);
  if (options.clipboard === "granted") await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(url).origin });
  if (options.clipboard === "denied") {
    await context.addInitScript(() => {
      const clipboard = (globalThis as unknown as { navigator: { clipboard: { writeText: (t: string) => Promise<void> } } }).navigator.clipboard;
      clipboard.writeText = () => Promise.reject(new DOMException("Write permission denied.", "NotAllowedError"));
    });
  }
  const page = await context.newPage();
  const cspViolations: string[] = [];
  const saved: string[] = [];
  const opened: string[] = [];
  const shownInFolder: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  const boundary = electronBoundary(service, {
    openExternal: () => Promise.resolve(),
    openPath: (path) => (opened.push(path), Promise.resolve(undefined)),
    showInFolder: (path) => void shownInFolder.push(path),
    chooseSavePath: (format) => Promise.resolve(options.saveDir ? join(options.saveDir, `report.${format}`) : undefined),
    sendProgress: (step: TestProgress) => void page.evaluate((s) => (globalThis as unknown as { __progress?: (s: unknown) => void }).__progress?.(s), step).catch(() => undefined),
  }, url);
  await page.exposeBinding("__ipc", async (source, channel: string, arg: unknown) => {
    const settled = await boundary.invoke(channel, arg, source.frame.url());
    if (channel === "report:save" && "value" in settled) saved.push(JSON.stringify(settled.value));
    return settled;
  });
  // What the preload script exposes, built on the binding above: a rejection carries only the message.
  await page.addInitScript(() => {
    const listeners = new Set<(s: unknown) => void>();
    const w = globalThis as unknown as Record<string, unknown>;
    w["__progress"] = (s: unknown) => listeners.forEach((l) => l(s));
    w["relayOnboard"] = {
      call: async (channel: string, arg?: unknown) => {
        const settled = await (w["__ipc"] as (c: string, a: unknown) => Promise<{ value?: unknown; thrown?: string }>)(channel, arg);
        if (settled.thrown !== undefined) throw new Error(settled.thrown);
        return settled.value;
      },
      onProgress: (listener: (s: unknown) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  });
  await page.goto(url);
  return { page, cspViolations, saved, opened, shownInFolder, close: () => context.close() };
}

/** axe-core on the current screen: the serious and critical violations (must be none). */
export async function axeViolations(page: Page): Promise<string[]> {
  const source = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o?: unknown) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    return axe.run();
  });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} — ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}
