// The Electron main process's security decisions, kept free of runtime Electron imports (types
// only) so tests can exercise them: window options, navigation and window.open refusal, permission
// denial (but the clipboard write of "Copy"), IPC sender and argument validation, the Result every
// call settles with, and which URL may open in the browser.
import type { BrowserWindowConstructorOptions, IpcMain, IpcMainInvokeEvent, Session, WebContents } from "electron";
import { z } from "zod";
import { isDisplayName, isEmailAddress } from "../src/address.js";
import { CHANNELS, type ArgOf, type Channel, type Result, type ResultOf } from "../src/app/api.js";
import { problemOf, settle } from "../src/app/result.js";
import { RelayError } from "../src/errors.js";
import { REPORT_ID_PATTERN } from "../src/support/submission.js";

export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1024,
    height: 760,
    minWidth: 640,
    minHeight: 520,
    show: false,
    title: "Relay Onboard",
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
    },
  };
}

/** Only the app's own page, loaded from its own file, may call the IPC surface. */
export function isTrustedSender(frameUrl: string | undefined, appUrl: string): boolean {
  if (!frameUrl) return false;
  try {
    const a = new URL(frameUrl);
    const b = new URL(appUrl);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/** No navigation away from the app, no new windows, no permission ever granted. */
export function hardenContents(contents: Pick<WebContents, "on" | "setWindowOpenHandler">, appUrl: string): void {
  contents.on("will-navigate", (event, url) => {
    if (!isTrustedSender(url, appUrl)) event.preventDefault();
  });
  contents.on("will-redirect", (event) => event.preventDefault());
  contents.on("will-attach-webview", (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
}

/**
 * Writing text to the clipboard from a click ("Copy") needs Chromium's `clipboard-sanitized-write`;
 * it is the one permission granted. Reading the clipboard, and everything else, stays denied.
 */
export const ALLOWED_PERMISSION = "clipboard-sanitized-write";

export function denyPermissions(session: Pick<Session, "setPermissionRequestHandler" | "setPermissionCheckHandler">): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === ALLOWED_PERMISSION));
  session.setPermissionCheckHandler((_contents, permission) => permission === ALLOWED_PERMISSION);
}

/** The support URL may open in the browser only if it is exactly the organisation's https URL. */
export function mayOpenExternal(url: string | undefined): url is string {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" && parsed.username === "" && parsed.password === "" && url.length < 2048;
  } catch {
    return false;
  }
}

const email = z.string().max(254).refine(isEmailAddress, "not an email address");
const clientName = z.enum(["thunderbird", "outlook", "apple-mail"]);
const password = z.string().min(1, "is empty").max(1024);

/** What each channel accepts; anything else is refused before the service sees it. */
export const ARGUMENTS: { [C in Channel]: z.ZodType<ArgOf<C>> } = {
  "app:state": z.undefined(),
  "app:use-demo": z.undefined(),
  "app:restart": z.undefined(),
  "app:summary": z.undefined(),
  "app:set-language": z.strictObject({ language: z.enum(["en", "de", "fr"]) }),
  "ca:details": z.undefined(),
  "ca:install": z.undefined(),
  "ca:skip": z.undefined(),
  "relay:test": z.strictObject({ email, password, remember: z.boolean(), port: z.int().min(1).max(65535).optional() }),
  "relay:cancel": z.undefined(),
  "relay:diagnose": z.undefined(),
  "clients:list": z.strictObject({ email }).optional(),
  "clients:configure": z.strictObject({ email, name: z.string().max(200).refine(isDisplayName, "not a name").optional(), clients: z.array(clientName).max(3) }),
  "clients:manual": z.strictObject({ email }),
  "clients:open-profile": z.undefined(),
  "support:summary": z.undefined(),
  "support:open-url": z.undefined(),
  "report:save": z.strictObject({ format: z.enum(["json", "html"]) }),
  "relay:send-test": z.strictObject({ password: password.optional() }),
  "app:offboard-plan": z.undefined(),
  "app:offboard": z.undefined(),
  "report:send-plan": z.undefined(),
  "report:send": z.strictObject({ reportId: z.string().regex(REPORT_ID_PATTERN, "not a report id") }),
  "report:open": z.undefined(),
  "report:show-in-folder": z.undefined(),
};

export type Handlers = { [C in Channel]: (arg: ArgOf<C>, event: IpcMainInvokeEvent) => Promise<ResultOf<C>> };

/** Thrown only at a sender that is not the app's own page: no result is owed to it. */
export class IpcRefused extends Error {
  override readonly name = "IpcRefused";
}

/** The refused fields, named for the user ("email: not an email address"); never their values. */
function refusal(channel: Channel, error: z.ZodError): RelayError {
  const fields = error.issues.slice(0, 3).map((i) => `${i.path.map(String).join(".") || "request"}: ${i.code === "unrecognized_keys" ? "unexpected field" : i.message}`);
  return new RelayError("BAD_INPUT", `the request was refused (${fields.join("; ")})`, { command: channel });
}

/**
 * Registers every channel with sender and argument checks in front of the handler. Each call
 * settles with a Result (see api.ts); `recordBug` keeps the stack of anything unexpected.
 */
export function registerHandlers(ipc: Pick<IpcMain, "handle">, handlers: Handlers, appUrl: string, recordBug: (err: unknown) => Promise<string | undefined> = () => Promise.resolve(undefined)): void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, async (event: IpcMainInvokeEvent, arg: unknown): Promise<Result<unknown>> => {
      if (!isTrustedSender(event.senderFrame?.url, appUrl)) throw new IpcRefused(`IPC from an unexpected sender refused (${channel})`);
      const parsed = ARGUMENTS[channel].safeParse(arg);
      if (!parsed.success) return { ok: false, problem: problemOf(refusal(channel, parsed.error)) };
      return settle(() => (handlers[channel] as (a: unknown, e: IpcMainInvokeEvent) => Promise<unknown>)(parsed.data, event), recordBug);
    });
  }
}
