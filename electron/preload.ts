// The preload script (sandboxed, bundled to CommonJS): exposes exactly the declared API as
// window.relayOnboard — no ipcRenderer, no Node, no arbitrary channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from "electron";
import { CHANNELS, PROGRESS_EVENT, type Channel, type RendererApi, type TestProgress } from "../src/app/api.js";

const api: RendererApi = {
  call: ((channel: Channel, arg?: unknown) => {
    if (!(CHANNELS as readonly string[]).includes(channel)) return Promise.reject(new Error("unknown channel"));
    return ipcRenderer.invoke(channel, arg);
  }) as RendererApi["call"],
  onProgress(listener) {
    const wrapped = (_event: IpcRendererEvent, step: TestProgress) => listener(step);
    ipcRenderer.on(PROGRESS_EVENT, wrapped);
    return () => void ipcRenderer.removeListener(PROGRESS_EVENT, wrapped);
  },
};

contextBridge.exposeInMainWorld("relayOnboard", api);
