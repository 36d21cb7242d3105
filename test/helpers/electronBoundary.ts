// Electron's IPC as the window meets it, for tests: handlers registered through the real
// registerHandlers (sender and argument checks included), the argument and the result passed
// through the structured clone algorithm, and a thrown error reduced to the one thing
// `ipcRenderer.invoke` keeps — its message, as "Error invoking remote method '<channel>':
// <name>: <message>". Any code or property on a thrown error is lost here exactly as in Electron.
import type { IpcMain, IpcMainInvokeEvent } from "electron";
import { createHandlers, type HandlerDeps } from "../../electron/handlers.js";
import { registerHandlers } from "../../electron/security.js";
import type { AppService } from "../../src/app/service.js";

export type Settled = { value: unknown } | { thrown: string };

export interface Boundary {
  /** What the window's `invoke(channel, arg)` gets: a value, or the message of the rejection. */
  invoke(channel: string, arg: unknown, senderUrl: string): Promise<Settled>;
}

export function electronBoundary(service: AppService, deps: HandlerDeps, appUrl: string): Boundary {
  const registered = new Map<string, (event: IpcMainInvokeEvent, arg: unknown) => Promise<unknown>>();
  const ipc = { handle: (channel: string, fn: (event: IpcMainInvokeEvent, arg: unknown) => Promise<unknown>) => void registered.set(channel, fn) } as unknown as Pick<IpcMain, "handle">;
  registerHandlers(ipc, createHandlers(service, deps), appUrl, (err) => service.recordBug(err));
  return {
    async invoke(channel, arg, senderUrl) {
      const handler = registered.get(channel);
      if (!handler) return { thrown: `Error invoking remote method '${channel}': Error: No handler registered for '${channel}'` };
      try {
        const event = { senderFrame: { url: senderUrl } } as unknown as IpcMainInvokeEvent;
        return { value: structuredClone(await handler(event, structuredClone(arg))) };
      } catch (err) {
        return { thrown: `Error invoking remote method '${channel}': ${String(err)}` };
      }
    },
  };
}
