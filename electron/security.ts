// The Electron main process's security decisions, kept free of runtime Electron imports (types
// only) so tests can exercise them: window options, navigation and window.open refusal, permission
// denial, IPC sender and argument validation, and which URL may open in the browser.
import type { BrowserWindowConstructorOptions, IpcMain, IpcMainInvokeEvent, Session, WebContents } from "electron";
import { z } from "zod";
import { isDisplayName, isEmailAddress } from "../src/address.js";
import { CHANNELS, type ArgOf, type Channel, type ResultOf } from "../src/app/api.js";

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

export function denyPermissions(session: Pick<Session, "setPermissionRequestHandler" | "setPermissionCheckHandler">): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
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

/** What each channel accepts; anything else is refused before the service sees it. */
export const ARGUMENTS: { [C in Channel]: z.ZodType<ArgOf<C>> } = {
  "app:state": z.undefined(),
  "app:use-demo": z.undefined(),
  "ca:details": z.undefined(),
  "ca:install": z.undefined(),
  "relay:test": z.strictObject({ email, password: z.string().min(1).max(1024), remember: z.boolean() }),
  "relay:diagnose": z.undefined(),
  "clients:list": z.undefined(),
  "clients:configure": z.strictObject({ email, name: z.string().max(200).refine(isDisplayName, "not a name").optional(), clients: z.array(clientName).max(3) }),
  "support:summary": z.undefined(),
  "support:open-url": z.undefined(),
  "report:save": z.strictObject({ format: z.enum(["json", "html"]) }),
  "relay:send-test": z.strictObject({ password: z.string().min(1).max(1024).optional() }),
};

export type Handlers = { [C in Channel]: (arg: ArgOf<C>, event: IpcMainInvokeEvent) => Promise<ResultOf<C>> };

export class IpcRefused extends Error {
  override readonly name = "IpcRefused";
}

/** Registers every channel with sender and argument checks in front of the handler. */
export function registerHandlers(ipc: Pick<IpcMain, "handle">, handlers: Handlers, appUrl: string): void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, async (event: IpcMainInvokeEvent, arg: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url, appUrl)) throw new IpcRefused(`IPC from an unexpected sender refused (${channel})`);
      const parsed = ARGUMENTS[channel].safeParse(arg);
      if (!parsed.success) throw new IpcRefused(`invalid arguments for ${channel}`);
      return (handlers[channel] as (a: unknown, e: IpcMainInvokeEvent) => Promise<unknown>)(parsed.data, event);
    });
  }
}
