// The desktop app's one IPC surface: channel names and the argument and result types, declared
// once and imported by the Electron main process, the preload script and (types only) the
// renderer. No runtime dependencies, so the sandboxed preload can bundle it.
import type { FailureCode } from "../errors.js";
import type { Report } from "../diagnostics/report.js";

export interface Problem {
  code: FailureCode;
  message: string;
  hint: string;
}

export interface Support {
  email?: string;
  url?: string;
  phone?: string;
}

export interface OrganisationView {
  name: string;
  issuer: string;
  version: number;
  issuedAt: string;
  expiresAt: string;
  signers: string[];
  support: Support;
  demo: boolean;
  /** Demo organisation only: its throw-away login, so the wizard can be tried end to end. */
  demoLogin?: { email: string; password: string };
  relay: { host: string; port: number; security: "starttls" | "tls" };
}

export interface AppState {
  organization?: OrganisationView;
  /** Why the configuration could not be used (verification failed, policy invalid, …). */
  problem?: Problem;
  /** No organisation is configured here and policy allows the demo. */
  demoOffered: boolean;
  /** Support contact to show even when verification failed (from policy, when set). */
  support: Support;
}

export interface CaView {
  subject: string;
  /** SHA-256 grouped for reading aloud: "AB:CD:…". */
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  stores: Array<{ store: string; location: string; installed: boolean; changed?: boolean; problem?: Problem }>;
}

export interface TestRequest {
  email: string;
  password: string;
  /** Keep the password in the OS keychain (never anywhere else). */
  remember: boolean;
}

export interface TestProgress {
  id: string;
  title: string;
  status: "pass" | "warn" | "fail" | "skip";
  durationMs: number;
}

export interface ClientView {
  client: "thunderbird" | "outlook" | "apple-mail";
  installed: boolean;
  profiles: Array<{ name: string; location: string; isDefault: boolean }>;
  note?: string;
  /** What configuring it will do, in words. */
  plan: string;
}

export interface ClientResult {
  client: ClientView["client"];
  status: "done" | "unchanged" | "failed";
  message: string;
  problem?: Problem;
}

export interface SupportSummary {
  /** Short code the user reads out on the phone. */
  reference: string;
  text: string;
}

/** Every call the renderer can make: channel → [argument, result]. */
export interface Api {
  "app:state": [void, AppState];
  "app:use-demo": [void, AppState];
  "ca:details": [void, CaView];
  "ca:install": [void, CaView];
  "relay:test": [TestRequest, Report];
  "relay:diagnose": [void, Report];
  "clients:list": [void, ClientView[]];
  "clients:configure": [{ email: string; name?: string; clients: Array<ClientView["client"]> }, ClientResult[]];
  "support:summary": [void, SupportSummary];
  "support:open-url": [void, boolean];
  "report:save": [{ format: "json" | "html" }, { saved: boolean; path?: string }];
  /** Sends one real message to the user's own address — only when the user asks. */
  "relay:send-test": [{ password?: string }, { sent: boolean; message: string; problem?: Problem }];
}

export type Channel = keyof Api;
export type ArgOf<C extends Channel> = Api[C][0];
export type ResultOf<C extends Channel> = Api[C][1];

export const CHANNELS = [
  "app:state",
  "app:use-demo",
  "ca:details",
  "ca:install",
  "relay:test",
  "relay:diagnose",
  "clients:list",
  "clients:configure",
  "support:summary",
  "support:open-url",
  "report:save",
  "relay:send-test",
] as const satisfies readonly Channel[];

/** The event channel main uses to stream test progress to the renderer. */
export const PROGRESS_EVENT = "relay:progress";

/** What the preload exposes as `window.relayOnboard`. */
export interface RendererApi {
  call<C extends Channel>(channel: C, ...arg: ArgOf<C> extends void ? [] : [ArgOf<C>]): Promise<ResultOf<C>>;
  onProgress(listener: (step: TestProgress) => void): () => void;
}
