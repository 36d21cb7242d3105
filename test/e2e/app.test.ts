// The desktop app's UI in Debian's Chromium against the real core service and the demo
// organisation's real relay: every wizard step, the diagnostics view, a failing login, an untrusted
// certificate, a blocked port, keyboard-only use; axe on every screen; screenshots written.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppService } from "../../src/app/service.js";
import type { Policy } from "../../src/policy/policy.js";
import type { Keychain } from "../../src/secrets/keychain.js";
import { NssStore } from "../../src/truststore/nss.js";
import { parseTrustedKeys } from "../../src/config/trustedKeys.js";
import { axeViolations, launchChromium, openApp, RENDERER_DIR, SCREENSHOTS, serveRenderer } from "../helpers/appHarness.js";
import { fakeSmtp, type FakeSmtp } from "../helpers/fakeSmtp.js";
import { createRootCa, issueServerCert, jwksText, makeKey, signed, tempDir, testCa, unsignedPayload } from "../helpers/org.js";

const hasChromium = existsSync("/usr/bin/chromium") && existsSync(join(RENDERER_DIR, "index.html"));
if (!hasChromium) console.warn("app e2e skipped: needs /usr/bin/chromium (npm test provisions it) and a built renderer (npm run build)");

let browser: Browser;
let site: { url: string; close: () => Promise<void> };
const services: AppService[] = [];

class MemoryKeychain implements Keychain {
  readonly saved = new Map<string, string>();
  save(account: string, password: string) {
    this.saved.set(account, password);
    return Promise.resolve();
  }
  load(account: string) {
    return Promise.resolve(this.saved.get(account));
  }
  remove(account: string) {
    return Promise.resolve(this.saved.delete(account));
  }
}

async function makeService(options: { policy?: Policy; thunderbird?: boolean; keychain?: Keychain } = {}): Promise<AppService> {
  const dir = await tempDir("ro-app-");
  const nssDir = join(dir, "nssdb");
  const roots = [join(dir, "thunderbird")];
  if (options.thunderbird) {
    await mkdir(join(roots[0]!, "prof.default"), { recursive: true });
    await writeFile(join(roots[0]!, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=prof.default\nDefault=1\n");
  }
  const service = new AppService({
    version: "e2e",
    stateDir: join(dir, "state"),
    policy: () => Promise.resolve(options.policy),
    bundledOrgFile: join(dir, "no-org.json"),
    keychain: options.keychain ?? new MemoryKeychain(),
    stores: async () => {
      await mkdir(nssDir, { recursive: true });
      return [new NssStore(nssDir, { create: true })];
    },
    thunderbirdRoots: roots,
  });
  services.push(service);
  return service;
}

/** What the demo relay accepted for delivery (the demo mailbox). */
function demoRelayMessages(service: AppService): unknown[] {
  return (service as unknown as { demo?: { relay: { messages: unknown[] } } }).demo?.relay.messages ?? [];
}

async function shot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function screen(page: Page, heading: string, name: string) {
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await shot(page, name);
  expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
}

/** A policy that points the app at a signed configuration for `submission`. */
async function policyFor(submission: { host: string; port: number }): Promise<Policy> {
  const dir = await tempDir("ro-app-org-");
  const key = await makeKey();
  const payload = await unsignedPayload();
  payload.config.submission = { ...payload.config.submission, ...submission };
  const file = join(dir, "config.jws");
  await writeFile(file, await signed(key, { payload, now: new Date() }));
  return { source: "e2e policy", configUrl: file, trustedKeys: await parseTrustedKeys(jwksText([key])), allowDemo: false };
}

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
  site = await serveRenderer();
});
afterAll(async () => {
  for (const s of services) await s.dispose();
  await browser?.close();
  await site?.close();
});

describe.skipIf(!hasChromium)("the desktop app in Chromium", () => {
  it("the whole wizard against the demo organisation, then the diagnostics view", { timeout: 120_000 }, async () => {
    const keychain = new MemoryKeychain();
    const service = await makeService({ thunderbird: true, keychain });
    const saveDir = await tempDir("ro-app-save-");
    const app = await openApp(browser, site.url, service, saveDir);
    const { page } = app;

    await screen(page, "Your organisation", "01-organisation-none");
    await page.getByRole("button", { name: "Use the demo organisation" }).click();
    await page.getByText("The settings are signed by your organisation").waitFor();
    await expect(page.locator(".org").textContent()).resolves.toBe("Relay Onboard Demo Org");
    await expect(page.getByLabel("Helpdesk").textContent()).resolves.toContain("+1 555 0100");
    await screen(page, "Your organisation", "02-organisation-verified");
    await page.getByRole("button", { name: "Continue" }).click();

    await screen(page, "Trust your organisation's certificate", "03-trust");
    await expect(page.locator(".fingerprint").textContent()).resolves.toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await page.getByRole("button", { name: "Install the certificate" }).click();
    await page.locator(".stores").getByText("trusted").waitFor();
    await shot(page, "04-trust-installed");
    await page.getByRole("button", { name: "Continue" }).click();

    await screen(page, "Sign in and test", "05-sign-in");
    await page.getByRole("button", { name: "fill in the demo login" }).click();
    // Keeping the password is the user's choice (finding 6), off until they tick it.
    const keep = page.getByRole("checkbox", { name: /Keep the password in this computer's keychain for Relay Onboard/ });
    expect(await keep.isChecked()).toBe(false);
    await keep.check();
    await page.getByRole("button", { name: "Test sending" }).click();
    await page.getByText("Sending works").waitFor({ timeout: 30_000 });
    await expect(page.locator(".progress li").count()).resolves.toBeGreaterThan(8);
    await screen(page, "Sign in and test", "06-test-passed");
    const demoLogin = service.demoUser()!;
    expect(keychain.saved.get(demoLogin.email)).toBe(demoLogin.password);
    expect(await page.locator("#password").inputValue()).toBe(""); // not kept in the page
    await page.getByRole("button", { name: "Continue" }).click();

    await screen(page, "Set up your mail apps", "07-mail-apps");
    await page.getByRole("button", { name: "Set up the selected apps" }).click();
    await page.locator(".results").getByText("Thunderbird").waitFor();
    await expect(page.locator(".results").textContent()).resolves.toMatch(/done/i);
    await shot(page, "08-mail-apps-done");
    await page.getByRole("button", { name: "Continue" }).click();

    await screen(page, "All set", "09-done");
    await expect(page.locator(".reference").textContent()).resolves.toMatch(/^RO-[0-9A-F]{6}$/);
    expect(demoRelayMessages(service)).toEqual([]); // nothing was sent so far
    await page.getByRole("button", { name: "Send me a test message" }).click();
    await page.getByText(/Sent to demo\.user@internal\.test/).waitFor({ timeout: 30_000 });
    expect(demoRelayMessages(service)).toEqual([{ from: demoLogin.email, to: [demoLogin.email], bytes: expect.any(Number) as unknown }]);
    await shot(page, "09b-test-message-sent");

    await page.getByRole("button", { name: "Diagnostics" }).click();
    await screen(page, "Diagnostics", "10-diagnostics-last-test");
    await page.getByRole("button", { name: "Run full diagnosis" }).click();
    await page.locator(".verdict").waitFor({ timeout: 40_000 });
    await page.getByRole("button", { name: "Run full diagnosis" }).waitFor();
    await expect(page.locator("table.ports tbody tr").count()).resolves.toBeGreaterThan(2);
    await expect(page.locator(".transcript").textContent()).resolves.toContain("[hidden: PLAIN authentication data]");
    await page.getByRole("button", { name: "Copy support summary" }).click();
    await expect(page.locator("#summary").inputValue()).resolves.toMatch(/reference RO-[0-9A-F]{6}/);
    await page.getByRole("button", { name: "Save report (HTML)" }).click();
    await page.getByText(/Saved to .*report\.html/).waitFor();
    const html = await readFile(join(saveDir, "report.html"), "utf8");
    expect(html).toContain("Relay Onboard report");
    await page.getByRole("button", { name: "Save report (JSON)" }).click();
    await page.getByText(/Saved to .*report\.json/).waitFor();
    expect(JSON.parse(await readFile(join(saveDir, "report.json"), "utf8"))).toMatchObject({ tool: { name: "relay-onboard" }, verdict: "pass" });
    await screen(page, "Diagnostics", "11-diagnostics-full");

    const everything = (await page.content()) + html;
    for (const form of [demoLogin.password, Buffer.from(demoLogin.password).toString("base64")]) expect(everything).not.toContain(form);
    expect(app.cspViolations).toEqual([]);
    await app.close();
  });

  it("a failing login shows AUTH_FAILED with what to do, and the details", { timeout: 60_000 }, async () => {
    const service = await makeService();
    await service.useDemo();
    const app = await openApp(browser, site.url, service);
    const { page } = app;
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Email address").fill(service.demoUser()!.email);
    await page.getByLabel("Password", { exact: true }).fill("Wrong-Password-9");
    await page.getByRole("button", { name: "Test sending" }).click();
    await page.getByText("AUTH_FAILED").waitFor({ timeout: 30_000 });
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/Check the email address and password/);
    await screen(page, "Sign in and test", "12-login-failed");
    await page.getByRole("button", { name: "Show details" }).click();
    await screen(page, "Diagnostics", "13-login-failed-details");
    expect(await page.content()).not.toContain("Wrong-Password-9");
    await app.close();
  });

  it("an untrusted certificate says the connection is probably intercepted, naming the issuer", { timeout: 60_000 }, async () => {
    const foreign = await createRootCa("Inspecting Proxy CA");
    const server: FakeSmtp = await fakeSmtp({}, await issueServerCert(foreign, ["127.0.0.1"]));
    try {
      await testCa();
      const service = await makeService({ policy: await policyFor({ host: "127.0.0.1", port: server.port }) });
      const app = await openApp(browser, site.url, service);
      const { page } = app;
      await page.getByText("The settings are signed by your organisation").waitFor();
      await page.getByRole("button", { name: "Use the demo organisation" }).count().then((n) => expect(n).toBe(0));
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByLabel("Email address").fill("alice@internal.test");
      await page.getByLabel("Password", { exact: true }).fill("secret");
      await page.getByRole("button", { name: "Test sending" }).click();
      await page.getByText("CERT_UNTRUSTED").waitFor({ timeout: 30_000 });
      await expect(page.getByRole("alert").textContent()).resolves.toMatch(/Inspecting Proxy CA.*intercepted/);
      await screen(page, "Sign in and test", "14-untrusted-certificate");
      expect(server.received.filter((r) => r.tls)).toEqual([]);
      await app.close();
    } finally {
      await server.close();
    }
  });

  it("a blocked port shows in the diagnostics grid and the verdict", { timeout: 90_000 }, async () => {
    // A listen queue that is full: the kernel drops further SYNs, like a firewall's DROP rule.
    const blackhole: ChildProcess = spawn("python3", ["-c", 'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nf=socket.socket();f.connect(s.getsockname())\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)'], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((resolve) => blackhole.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))));
      const service = await makeService({ policy: await policyFor({ host: "127.0.0.1", port }) });
      const app = await openApp(browser, site.url, service);
      const { page } = app;
      await page.getByRole("button", { name: "Diagnostics" }).click();
      await page.getByRole("button", { name: "Run full diagnosis" }).click();
      await page.locator(".verdict").waitFor({ timeout: 60_000 });
      await expect(page.locator(".verdict").textContent()).resolves.toMatch(/FAIL CONNECT_TIMEOUT/);
      await expect(page.locator("table.ports").textContent()).resolves.toMatch(new RegExp(`${port}IPv4blocked`));
      await screen(page, "Diagnostics", "15-blocked-port");
      await app.close();
    } finally {
      blackhole.kill();
    }
  });

  it("works with the keyboard alone, focus following each step", { timeout: 60_000 }, async () => {
    const service = await makeService();
    const app = await openApp(browser, site.url, service);
    const { page } = app;
    await page.getByRole("heading", { name: "Your organisation" }).waitFor();
    const pressUntilFocused = async (name: string) => {
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Tab");
        if ((await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)) === name) return;
      }
      throw new Error(`could not reach "${name}" with Tab`);
    };
    await pressUntilFocused("Use the demo organisation");
    await page.keyboard.press("Enter");
    await page.getByText("The settings are signed by your organisation").waitFor();
    await pressUntilFocused("Continue");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Trust your organisation's certificate" }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document.activeElement?.tagName)).toBe("H1");
    await pressUntilFocused("Install the certificate");
    await page.keyboard.press("Enter");
    await page.locator(".stores").getByText("trusted").waitFor();
    await pressUntilFocused("Continue");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Sign in and test" }).waitFor();
    await pressUntilFocused("fill in the demo login");
    await page.keyboard.press("Enter");
    await pressUntilFocused("Test sending");
    await page.keyboard.press("Enter");
    await page.getByText("Sending works").waitFor({ timeout: 30_000 });
    await app.close();
  });
});

// Keep the process tidy if Chromium left helpers behind.
afterAll(() => {
  if (spawnSync("sh", ["-c", "pgrep -f 'chromium.*--headless' >/dev/null"]).status === 0) execFileSync("sh", ["-c", "true"]);
});
