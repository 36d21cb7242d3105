// Every user, every screen: the app walked end to end in English, German and French; light, dark and
// the OS's forced colours; an 800×600 window and 200 % zoom — and in FormatJS's pseudo-locale, where
// every catalogue message is accented and longer, so text that is not from a catalogue and boxes
// too small for longer languages stand out. On every screen: no sideways scrolling, no element
// spilling out of its box, axe free of serious/critical findings; in German and French no English
// catalogue text; in the pseudo-locale no visible text that did not come from a catalogue (data —
// names, addresses, server replies, codes — is marked data-raw in the renderer). Screenshots are in
// test-output/screenshots/i18n-*. The HTML report is checked at phone and desktop widths, light and dark.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compile } from "@formatjs/cli-lib";
import type { MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { IntlMessageFormat } from "intl-messageformat";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppService } from "../../src/app/service.js";
import type { Policy } from "../../src/policy/policy.js";
import { NssStore } from "../../src/truststore/nss.js";
import { axeViolations, launchChromium, openApp, RENDERER_DIR, SCREENSHOTS, serveRenderer, type OpenOptions } from "../helpers/appHarness.js";
import { tempDir } from "../helpers/org.js";

const hasChromium = existsSync("/usr/bin/chromium") && existsSync(join(RENDERER_DIR, "index.html"));
if (!hasChromium) console.warn("app i18n e2e skipped: needs /usr/bin/chromium (npm test provisions it) and a built renderer (npm run build)");

const I18N = join(import.meta.dirname, "..", "..", "src", "i18n");
type Locale = "en" | "de" | "fr" | "en-XA";
const catalogues: Partial<Record<Locale, Record<string, string | MessageFormatElement[]>>> = {};
let browser: Browser;
let site: { url: string; close: () => Promise<void> };
const services: AppService[] = [];

/** A message as the app shows it in `locale` (for finding buttons by their visible name). */
function say(locale: Locale, id: string, values: Record<string, string | number> = {}): string {
  const message = catalogues[locale]![id];
  if (message === undefined) throw new Error(`no message ${id}`);
  return String(new IntlMessageFormat(message, locale === "en-XA" ? "en" : locale).format(values));
}

async function service(language: Locale, dir: string): Promise<AppService> {
  await mkdir(join(dir, "tb", "prof.default"), { recursive: true });
  await writeFile(join(dir, "tb", "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=prof.default\nDefault=1\n");
  const policy: Policy = { source: "e2e policy", allowDemo: true, language };
  const s = new AppService({
    version: "e2e", stateDir: join(dir, "state"), policy: () => Promise.resolve(policy), bundledOrgFile: join(dir, "none.json"),
    stores: async () => {
      await mkdir(join(dir, "nssdb"), { recursive: true });
      return [new NssStore(join(dir, "nssdb"), { create: true })];
    },
    thunderbirdRoots: [join(dir, "tb")],
  });
  services.push(s);
  return s;
}

/** Elements whose content spills out of their box (scroll containers and their insides excepted). */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // In the page (this file has no DOM types).
    const win = globalThis as any;
    const doc = win.document;
    const found: string[] = [];
    if (doc.documentElement.scrollWidth > win.innerWidth) found.push(`page: ${doc.documentElement.scrollWidth} > ${win.innerWidth}`);
    const all: any[] = [...doc.querySelectorAll("main *, header *")];
    for (const el of all) {
      if (el.closest(".table-wrap, pre, textarea, select") || el.getClientRects().length === 0) continue;
      const style = win.getComputedStyle(el);
      if (style.overflowX !== "visible" || style.display === "inline" || el.clientWidth === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) found.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth} "${(el.textContent ?? "").slice(0, 40)}"`);
    }
    return found;
  });
}

/** Visible text nodes that are not data (data-raw) — what a catalogue must have provided. */
function visibleText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const out: string[] = [];
    const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = String(node.textContent ?? "").trim();
      // Data (data-raw) and dates (<time>, formatted by Intl in the UI language) are not catalogue text.
      if (!parent || !text || parent.closest("[data-raw], time, script, style, [hidden], details:not([open]) > :not(summary)") || parent.getClientRects().length === 0) continue;
      out.push(text);
    }
    return out;
  });
}

async function check(page: Page, locale: Locale, tour: string, name: string) {
  await page.waitForTimeout(50); // let the last render settle before measuring
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `i18n-${tour}-${name}.png`), fullPage: true });
  expect(await overflowing(page), `${tour} ${name}: overflow`).toEqual([]);
  expect(await axeViolations(page), `${tour} ${name}: axe`).toEqual([]);
  const texts = await visibleText(page);
  if (locale === "en-XA") {
    // Pseudo text is accented: a run of two plain ASCII letters with no accented letter beside it did not come from a catalogue.
    const foreign = texts.filter((t) => /[A-Za-z]{2}/.test(t) && !/[\u00C0-\u024F\u1E00-\u1EFF]/.test(t));
    expect(foreign, `${tour} ${name}: text not from a catalogue`).toEqual([]);
  } else if (locale !== "en") {
    // No English left: no English catalogue message that this language translates differently.
    const en = catalogues.en as Record<string, string>;
    const mine = catalogues[locale] as Record<string, string>;
    const english = Object.keys(en).filter((id) => en[id] !== mine[id] && !/[{}]/.test(en[id]!) && en[id]!.length >= 8).map((id) => en[id]!.replace(/^[✓✗○➜!–…] /, ""));
    const all = texts.join("\n");
    const escape = (m: string) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(english.filter((m) => new RegExp(`(^|[^\\p{L}])${escape(m)}([^\\p{L}]|$)`, "u").test(all)), `${tour} ${name}: English left`).toEqual([]);
  }
}

/** The whole journey against the demo organisation, checking every screen on the way. */
async function tour(locale: Locale, tourName: string, options: OpenOptions) {
  const s = await service(locale, await tempDir("ro-i18n-"));
  const app = await openApp(browser, site.url, s, options);
  const { page } = app;
  const click = (id: string, values?: Record<string, string | number>) => page.getByRole("button", { name: say(locale, id, values), exact: true }).click();
  const heading = (id: string) => page.getByRole("heading", { level: 1, name: say(locale, id) }).waitFor();
  try {
    await heading("org.title");
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang as string)).toBe(locale);
    await check(page, locale, tourName, "01-organisation-none");
    await click("org.demoButton");
    await page.getByText(say(locale, "org.verified")).waitFor();
    await check(page, locale, tourName, "02-organisation");
    await click("common.continue");
    await heading("trust.title");
    await click("trust.install");
    await page.locator(".stores .badge.pass").waitFor();
    await check(page, locale, tourName, "03-trust");
    await click("common.continue");
    await heading("signIn.title");
    await page.getByLabel(say(locale, "signIn.email")).fill(s.demoUser()!.email);
    await page.getByLabel(say(locale, "signIn.password"), { exact: true }).fill("Wrong-Password-1");
    await page.getByLabel(say(locale, "signIn.password"), { exact: true }).press("Enter");
    await page.locator(".result .problem").waitFor({ timeout: 30_000 });
    await check(page, locale, tourName, "04-login-failed");
    await page.getByLabel(say(locale, "signIn.password"), { exact: true }).fill(s.demoUser()!.password);
    await page.getByLabel(say(locale, "signIn.password"), { exact: true }).press("Enter");
    await page.locator(".result .ok").waitFor({ timeout: 30_000 });
    await check(page, locale, tourName, "05-test-passed");
    await page.locator(".result").getByRole("button", { name: say(locale, "common.continue"), exact: true }).click();
    await heading("mail.title");
    await page.locator(".client").first().waitFor();
    await click("mail.setUp");
    await page.locator(".results .badge.pass").waitFor();
    await check(page, locale, tourName, "06-mail-apps");
    await click("common.continue");
    await heading("summary.allSet");
    await check(page, locale, tourName, "07-summary");
    await click("app.diagnostics");
    await heading("diag.title");
    await page.locator(".verdict").waitFor();
    await check(page, locale, tourName, "08-diagnostics");
    // The helpdesk loop in the user's language: what goes, then the receipt.
    await click("send.show");
    await page.locator(".send-list").waitFor();
    await check(page, locale, tourName, "09-send-plan");
    await click("send.confirm");
    await page.locator(".send-report .verdict.pass").waitFor({ timeout: 30_000 });
    await check(page, locale, tourName, "10-sent");
  } finally {
    await app.close();
  }
}

beforeAll(async () => {
  if (!hasChromium) return;
  for (const locale of ["en", "de", "fr"] as const) catalogues[locale] = JSON.parse(await readFile(join(I18N, `${locale}.json`), "utf8")) as Record<string, string>;
  catalogues["en-XA"] = JSON.parse(await compile([join(I18N, "en.json")], { format: "simple", pseudoLocale: "en-XA", ast: true })) as Record<string, MessageFormatElement[]>;
  browser = await launchChromium();
  site = await serveRenderer();
});
afterAll(async () => {
  for (const s of services) await s.dispose();
  await browser?.close();
  await site?.close();
});

const WINDOW = { viewport: { width: 800, height: 600 } };
/** 200 % zoom of a 1024×760 window: half the CSS pixels, twice the device pixels. */
const ZOOM = { viewport: { width: 512, height: 380 }, deviceScaleFactor: 2 };

describe.skipIf(!hasChromium)("every screen in every language, theme and size", () => {
  const tours: Array<[Locale, string, OpenOptions]> = [
    ["en", "en-light-800x600", { ...WINDOW, colorScheme: "light" }],
    ["en", "en-dark-200pct", { ...ZOOM, colorScheme: "dark" }],
    ["en", "en-forced-800x600", { ...WINDOW, forcedColors: "active" }],
    ["de", "de-light-200pct", { ...ZOOM, colorScheme: "light" }],
    ["de", "de-dark-800x600", { ...WINDOW, colorScheme: "dark" }],
    ["de", "de-forced-200pct", { ...ZOOM, forcedColors: "active" }],
    ["fr", "fr-light-800x600", { ...WINDOW, colorScheme: "light" }],
    ["fr", "fr-dark-200pct", { ...ZOOM, colorScheme: "dark" }],
    ["fr", "fr-forced-800x600", { ...WINDOW, forcedColors: "active" }],
  ];
  for (const [locale, name, options] of tours) {
    it(name, { timeout: 120_000 }, () => tour(locale, name, options));
  }

  it("pseudo-locale at 800×600 and 200 %: every visible text from a catalogue, nothing overflows", { timeout: 180_000 }, async () => {
    for (const [name, options] of [["pseudo-800x600", WINDOW], ["pseudo-200pct", ZOOM]] as const) {
      await tour("en-XA", name, { ...options, pseudoMessages: catalogues["en-XA"] });
    }
  });

  it("the language menu switches the app and is remembered for the next run", { timeout: 60_000 }, async () => {
    const dir = await tempDir("ro-i18n-menu-");
    const s = await service("en", dir);
    // A policy language is the default; the user's choice wins and is kept.
    (s as unknown as { options: { policy: () => Promise<Policy> } }).options.policy = () => Promise.resolve({ source: "e2e", allowDemo: true });
    const app = await openApp(browser, site.url, s);
    await app.page.getByRole("heading", { name: "Your organisation" }).waitFor();
    await app.page.getByLabel("Language").selectOption("de");
    await app.page.getByRole("heading", { name: "Ihre Organisation" }).waitFor();
    await app.close();
    const again = new AppService({ version: "e2e", stateDir: join(dir, "state"), policy: () => Promise.resolve(undefined), bundledOrgFile: join(dir, "none.json"), osLocale: "fr-FR" });
    services.push(again);
    expect((await again.state()).language).toBe("de");
    const fresh = new AppService({ version: "e2e", stateDir: join(await tempDir("ro-i18n-os-"), "state"), policy: () => Promise.resolve(undefined), osLocale: "fr-CA" });
    services.push(fresh);
    expect((await fresh.state()).language).toBe("fr");
  });

  it("the HTML report reads well on a phone and a desktop, light and dark, in the user's language: no sideways scroll, every step legible, time with zone", { timeout: 90_000 }, async () => {
    for (const locale of ["en", "de", "fr"] as const) {
      const s = await service(locale, await tempDir("ro-i18n-report-"));
      await s.state();
      await s.useDemo();
      const login = s.demoUser()!;
      await s.test({ email: login.email, password: login.password, remember: false });
      const html = await s.report("html");
      expect(html).toContain(`<html lang="${locale}">`);
      const words = { en: ["Date", "Configuration", "version", "Step", "took", "."], de: ["Datum", "Konfiguration", "Version", "Schritt", "Dauer", ","], fr: ["Date", "Configuration", "version", "Étape", "durée", ","] }[locale];
      // Seconds with the language's decimal sign.
      expect(html).toMatch(new RegExp(`<dt>${words[0]}</dt><dd>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC[+-]\\d\\d:\\d\\d \\(${words[4]} \\d+\\${words[5]}\\d+ s\\)`));
      expect(html).toContain(`<dt>${words[1]}</dt><dd>internal.test, ${words[2]} 1</dd>`);
      expect(html).toContain(`<th scope="col">${words[3]}</th>`);
      if (locale === "de") expect(html).toContain("Verschlüsselung starten (STARTTLS)"); // the step titles too
      for (const width of [375, 1280]) {
        for (const colorScheme of ["light", "dark"] as const) {
          const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
          const page = await context.newPage();
          await page.setContent(html);
          const scroll = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
          expect(scroll, `${locale} ${width} ${colorScheme}`).toBeLessThanOrEqual(width);
          // Every step's title on a line wide enough to read: never squeezed into a sliver.
          const narrowest = await page.evaluate(() => Math.min(...[...(globalThis as any).document.querySelectorAll("td.step")].map((td: any) => td.getBoundingClientRect().width as number)));
          expect(narrowest, `${locale} ${width}: step column`).toBeGreaterThanOrEqual(width < 640 ? width / 2 : 120);
          expect(await axeViolations(page), `${locale} ${width} ${colorScheme}`).toEqual([]);
          await page.screenshot({ path: join(SCREENSHOTS, `report-${locale}-${width}-${colorScheme}.png`), fullPage: true });
          await context.close();
        }
      }
    }
  });
});
