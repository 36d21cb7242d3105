// The Electron main process's security decisions (electron/security.ts), exercised without the
// Electron binary: window options, navigation and window.open, permissions, IPC sender and
// argument checks, and which URL may open externally.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { CHANNELS } from "../../src/app/api.js";
import { denyPermissions, hardenContents, IpcRefused, isTrustedSender, mayOpenExternal, registerHandlers, windowOptions, type Handlers } from "../../electron/security.js";

const APP = "file:///opt/Relay%20Onboard/resources/app.asar/dist/renderer/index.html";

describe("window", () => {
  it("isolates the renderer: context isolation, sandbox, no Node, no webview, no devtools", () => {
    const options = windowOptions("/app/preload.cjs");
    expect(options.webPreferences).toMatchObject({
      preload: "/app/preload.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it("denies navigation away, redirects, webviews and new windows", () => {
    const contents = new EventEmitter() as EventEmitter & { setWindowOpenHandler: (h: () => unknown) => void; openHandler?: () => unknown };
    contents.setWindowOpenHandler = (h) => (contents.openHandler = h);
    hardenContents(contents as never, APP);
    const fire = (name: string, url: string) => {
      let prevented = false;
      contents.emit(name, { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(fire("will-navigate", "https://evil.example/")).toBe(true);
    expect(fire("will-navigate", "file:///etc/passwd")).toBe(true);
    expect(fire("will-navigate", `${APP}#step2`)).toBe(false);
    expect(fire("will-redirect", "https://evil.example/")).toBe(true);
    expect(fire("will-attach-webview", "")).toBe(true);
    expect(contents.openHandler?.()).toEqual({ action: "deny" });
  });

  it("grants no permission (camera, notifications, clipboard, …)", () => {
    let request: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    denyPermissions({ setPermissionRequestHandler: (h: typeof request) => (request = h), setPermissionCheckHandler: (h: typeof check) => (check = h) } as never);
    const answers: boolean[] = [];
    for (const p of ["media", "notifications", "clipboard-read", "openExternal"]) request!({}, p, (ok) => answers.push(ok));
    expect(answers).toEqual([false, false, false, false]);
    expect(check!()).toBe(false);
  });

  it("opens only plain https URLs externally", () => {
    expect(mayOpenExternal("https://help.example.org/mail")).toBe(true);
    for (const url of ["http://help.example.org", "file:///etc/passwd", "javascript:alert(1)", "https://user:pw@help.example.org", "smb://share", undefined, "not a url"]) {
      expect(mayOpenExternal(url), String(url)).toBe(false);
    }
  });
});

describe("IPC", () => {
  function setup() {
    const registered = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();
    const calls: Array<[string, unknown]> = [];
    const handlers = Object.fromEntries(CHANNELS.map((c) => [c, (arg: unknown) => (calls.push([c, arg]), Promise.resolve(`${c} ok`))])) as unknown as Handlers;
    registerHandlers({ handle: (channel: string, fn: (event: unknown, arg: unknown) => Promise<unknown>) => void registered.set(channel, fn) } as never, handlers, APP);
    const invoke = (channel: string, arg: unknown, frameUrl: string | null = APP) => registered.get(channel)!({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, arg);
    return { registered, calls, invoke };
  }

  it("registers exactly the declared channels", () => {
    expect([...setup().registered.keys()].sort()).toEqual([...CHANNELS].sort());
  });

  it("refuses senders other than the app's own page", async () => {
    const { invoke, calls } = setup();
    for (const url of ["https://evil.example/", "file:///tmp/other.html", "file:///opt/Relay%20Onboard/resources/app.asar/dist/renderer/other.html", null]) {
      await expect(invoke("app:state", undefined, url)).rejects.toBeInstanceOf(IpcRefused);
    }
    expect(calls).toEqual([]);
    await expect(invoke("app:state", undefined)).resolves.toBe("app:state ok");
  });

  it("validates arguments before the service sees them", async () => {
    const { invoke, calls } = setup();
    const bad: Array<[string, unknown]> = [
      ["relay:test", { email: "alice@internal.test", password: "x", remember: true, extra: 1 }],
      ["relay:test", { email: "alice@internal.test\r\nRCPT TO:<x@y>", password: "x", remember: true }],
      ["relay:test", { email: "alice@internal.test", password: "", remember: true }],
      ["clients:configure", { email: "alice@internal.test", clients: ["thunderbird", "../../etc"] }],
      ["clients:configure", { email: "alice@internal.test", name: "x\ny", clients: [] }],
      ["report:save", { format: "exe" }],
      ["report:save", { format: "html", path: "/etc/passwd" }],
      ["ca:install", { cert: "-----BEGIN CERTIFICATE-----" }],
      ["app:state", "anything"],
    ];
    for (const [channel, arg] of bad) await expect(invoke(channel, arg), channel).rejects.toBeInstanceOf(IpcRefused);
    expect(calls).toEqual([]);
    await invoke("relay:test", { email: "alice@internal.test", password: "pw", remember: false });
    expect(calls).toEqual([["relay:test", { email: "alice@internal.test", password: "pw", remember: false }]]);
  });

  it("trusts only the exact app page", () => {
    expect(isTrustedSender(APP, APP)).toBe(true);
    expect(isTrustedSender(`${APP}?x=1`, APP)).toBe(true);
    expect(isTrustedSender("http://127.0.0.1/index.html", APP)).toBe(false);
  });
});
