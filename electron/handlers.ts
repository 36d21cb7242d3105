// What each IPC channel does: a thin mapping onto the core service. The Electron-specific parts
// (opening the browser or a file, the save dialog, sending progress to the window) are passed in,
// so the UI tests drive exactly these handlers through an Electron-like boundary.
import type { TestProgress } from "../src/app/api.js";
import type { AppService } from "../src/app/service.js";
import { RelayError } from "../src/errors.js";
import { writeFileAtomic } from "../src/fs/atomic.js";
import { mayOpenExternal, type Handlers } from "./security.js";

export interface HandlerDeps {
  openExternal(url: string): Promise<void>;
  /** Opens a file the app wrote with the system's handler (Apple Mail's profile → System Settings, the report → the browser); the failure in words, or undefined. */
  openPath(path: string): Promise<string | undefined>;
  /** Shows a file the app wrote in the system's file manager. */
  showInFolder(path: string): void;
  /** Asks the user where to save; undefined when they cancel. */
  chooseSavePath(format: "json" | "html"): Promise<string | undefined>;
  sendProgress(step: TestProgress): void;
}

export function createHandlers(service: AppService, deps: HandlerDeps): Handlers {
  return {
    "app:state": () => service.state(),
    "app:use-demo": () => service.useDemo(),
    "app:restart": () => service.restart(),
    "app:summary": () => service.summary(),
    "app:set-language": ({ language }) => service.setLanguage(language),
    "ca:details": () => service.caDetails(),
    "ca:install": () => service.installCa(),
    "ca:skip": () => service.skipCa(),
    "relay:test": (arg) => service.test(arg, (step) => deps.sendProgress(step)),
    "relay:cancel": () => service.cancel(),
    "relay:diagnose": () => service.diagnose((step) => deps.sendProgress(step)),
    "clients:list": (arg) => service.clients(arg?.email),
    "clients:configure": (arg) => service.configure(arg),
    "clients:manual": ({ email }) => Promise.resolve(service.manual(email)),
    "clients:open-profile": async () => {
      const path = await service.appleMailProfile();
      if (!path) return false;
      const failure = await deps.openPath(path);
      if (failure) throw new RelayError("CLIENT_WRITE_FAILED", `the profile could not be opened: ${failure}`);
      return true;
    },
    "support:summary": () => service.supportSummary(),
    "relay:send-test": (arg) => service.sendTestMessage(arg),
    "app:offboard-plan": () => service.offboard(true),
    "app:offboard": () => service.offboard(false),
    "report:send-plan": () => service.reportSendPlan(),
    "report:send": ({ reportId }) => service.sendReport(reportId),
    "report:open": async () => {
      const path = await service.savedReport("html");
      // Nothing to open, or no program here opens it: the window then names the file.
      return path !== undefined && (await deps.openPath(path)) === undefined;
    },
    "report:show-in-folder": async () => {
      const path = await service.savedReport("html");
      if (!path) return false;
      deps.showInFolder(path);
      return true;
    },
    "support:open-url": async () => {
      const url = service.supportUrl();
      if (!mayOpenExternal(url)) return false;
      await deps.openExternal(url);
      return true;
    },
    "report:save": async ({ format }) => {
      const content = await service.report(format);
      const path = await deps.chooseSavePath(format);
      if (!path) return { saved: false };
      await writeFileAtomic(path, content);
      return { saved: true, path };
    },
  };
}
