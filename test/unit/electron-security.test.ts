// The Electron main process's security decisions (electron/security.ts), exercised without the
// Electron binary: window options, navigation and window.open, permissions, IPC sender and
// argument checks, and which URL may open externally.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { CHANNELS } from "../../src/app/api.js";
import { FAILURE_CODES, RelayError } from "../../src/errors.js";
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

  it("grants one permission, the clipboard write of “Copy”; nothing else (camera, notifications, clipboard reads, …)", () => {
    let request: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: ((wc: unknown, permission: string) => boolean) | undefined;
    denyPermissions({ setPermissionRequestHandler: (h: typeof request) => (request = h), setPermissionCheckHandler: (h: typeof check) => (check = h) } as never);
    const denied = ["media", "notifications", "clipboard-read", "openExternal", "geolocation", "clipboard-sanitized-write "];
    const answers: boolean[] = [];
    for (const p of [...denied, "clipboard-sanitized-write"]) request!({}, p, (ok) => answers.push(ok));
    expect(answers).toEqual([...denied.map(() => false), true]);
    expect(denied.map((p) => check!({}, p))).toEqual(denied.map(() => false));
    expect(check!({}, "clipboard-sanitized-write")).toBe(true);
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
    await expect(invoke("app:state", undefined)).resolves.toEqual({ ok: true, value: "app:state ok" });
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
    // A refusal is a result with its code, naming the field and never echoing the value.
    for (const [channel, arg] of bad) {
      const result = await invoke(channel, arg);
      expect(result, channel).toMatchObject({ ok: false, problem: { code: "BAD_INPUT", message: expect.stringMatching(/^the request was refused \(/) as unknown, details: `command: ${channel}` } });
      expect(JSON.stringify(result)).not.toContain("RCPT TO:<x@y>");
    }
    expect(await invoke("relay:test", { email: "alice@internal", password: "x", remember: true })).toMatchObject({ problem: { message: "the request was refused (email: not an email address)" } });
    expect(await invoke("relay:test", { email: "alice@internal.test", password: "x", remember: true, extra: 1 })).toMatchObject({ problem: { message: "the request was refused (request: unexpected field)" } });
    expect(calls).toEqual([]);
    await expect(invoke("relay:test", { email: "alice@internal.test", password: "pw", remember: false })).resolves.toEqual({ ok: true, value: "relay:test ok" });
    expect(calls).toEqual([["relay:test", { email: "alice@internal.test", password: "pw", remember: false }]]);
  });

  it("settles every call with a Result: a RelayError keeps its code and facts, a bug is INTERNAL naming its log", async () => {
    const registered = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();
    const bugs: unknown[] = [];
    const handlers = Object.fromEntries(CHANNELS.map((c) => [c, () => Promise.resolve(c)])) as unknown as Handlers;
    handlers["ca:install"] = () => Promise.reject(new RelayError("CA_INSTALL_FAILED", "certutil refused the root", { command: "certutil -A", reply: "SEC_ERROR_BAD_DATABASE" }));
    handlers["clients:list"] = () => Promise.reject(new TypeError("cannot read properties of undefined"));
    registerHandlers({ handle: (channel: string, fn: (event: unknown, arg: unknown) => Promise<unknown>) => void registered.set(channel, fn) } as never, handlers, APP, (err) => (bugs.push(err), Promise.resolve("/state/internal-errors.log")));
    const invoke = (channel: string) => registered.get(channel)!({ senderFrame: { url: APP } }, undefined);
    expect(await invoke("ca:install")).toEqual({
      ok: false,
      problem: { code: "CA_INSTALL_FAILED", message: "certutil refused the root", hint: FAILURE_CODES.CA_INSTALL_FAILED.hint, details: "command: certutil -A; server reply: SEC_ERROR_BAD_DATABASE" },
    });
    expect(bugs).toEqual([]);
    expect(await invoke("clients:list")).toEqual({
      ok: false,
      problem: { code: "INTERNAL", message: expect.stringMatching(/^unexpected error, a bug in Relay Onboard \(not your input\): TypeError: cannot read properties of undefined\. Details are in \/state\/internal-errors\.log\.$/) as unknown, hint: FAILURE_CODES.INTERNAL.hint, details: "log: /state/internal-errors.log" },
    });
    expect(bugs).toHaveLength(1);
    // What crosses is plain data: it survives the structured clone unchanged.
    const settled = await invoke("ca:install");
    expect(structuredClone(settled)).toEqual(settled);
  });

  it("trusts only the exact app page", () => {
    expect(isTrustedSender(APP, APP)).toBe(true);
    expect(isTrustedSender(`${APP}?x=1`, APP)).toBe(true);
    expect(isTrustedSender("http://127.0.0.1/index.html", APP)).toBe(false);
  });
});
