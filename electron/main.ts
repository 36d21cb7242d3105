// The Electron main process: one window, hardened (see security.ts); every privileged action goes
// through the declared IPC surface to the core service in src/. `npm start` runs it where Electron
// is available (not on our build machines).
import { app, BrowserWindow, dialog, ipcMain, shell } from "electron";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PROGRESS_EVENT } from "../src/app/api.js";
import { AppService } from "../src/app/service.js";
import { VERSION } from "../src/version.js";
import { userStateDir } from "../src/paths.js";
import { loadPolicy } from "../src/policy/sources.js";
import { osKeychain } from "../src/secrets/keychain.js";
import { createHandlers } from "./handlers.js";
import { denyPermissions, hardenContents, registerHandlers, windowOptions } from "./security.js";

const here = import.meta.dirname;
const indexHtml = join(here, "..", "..", "renderer", "index.html");
const appUrl = pathToFileURL(indexHtml).href;

app.enableSandbox();

async function start(): Promise<void> {
  const service = new AppService({
    version: VERSION,
    stateDir: userStateDir(),
    policy: () => loadPolicy(),
    keychain: await osKeychain(),
    osLocale: app.getLocale(),
    ...(app.isPackaged ? { bundledOrgFile: join(process.resourcesPath, "org", "org.json") } : {}),
  });
  const window = new BrowserWindow(windowOptions(join(here, "preload.cjs")));
  hardenContents(window.webContents, appUrl);
  denyPermissions(window.webContents.session);
  const handlers = createHandlers(service, {
    openExternal: (url) => shell.openExternal(url),
    // shell.openPath reports failure as a message, not a rejection.
    openPath: async (path) => (await shell.openPath(path)) || undefined,
    showInFolder: (path) => shell.showItemInFolder(path),
    chooseSavePath: async (format) => {
      const choice = await dialog.showSaveDialog(window, { defaultPath: `relay-onboard-${service.reference}.${format}`, filters: [{ name: format.toUpperCase(), extensions: [format] }] });
      return choice.canceled ? undefined : choice.filePath;
    },
    sendProgress: (step) => window.webContents.send(PROGRESS_EVENT, step),
  });
  registerHandlers(ipcMain, handlers, appUrl, (err) => service.recordBug(err));
  window.once("ready-to-show", () => window.show());
  await window.loadFile(indexHtml);
  app.on("window-all-closed", () => {
    void service.dispose().finally(() => app.quit());
  });
}

app.on("web-contents-created", (_event, contents) => hardenContents(contents, appUrl));
void app.whenReady().then(start);
