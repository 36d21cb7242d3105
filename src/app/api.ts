// The desktop app's one IPC surface: channel names and the argument and result types, declared
// once and imported by the Electron main process, the preload script and (types only) the
// renderer. No runtime dependencies, so the sandboxed preload can bundle it.
//
// Every call settles with a Result, never a thrown error: Electron's `invoke` carries only an
// error's message across (as "Error invoking remote method '<channel>': <name>: <message>"), so a
// code thrown in main would never reach the window. A rejection therefore only means a bug.
import type { FailureCode } from "../errors.js";
import type { Report } from "../diagnostics/report.js";

export interface Problem {
  code: FailureCode;
  message: string;
  hint: string;
  /** For the helpdesk: server reply, command, log file. */
  details?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export interface Support {
  email?: string;
  url?: string;
  phone?: string;
}

export type ClientName = "thunderbird" | "outlook" | "apple-mail";
export type Security = "starttls" | "tls";

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
  relay: { host: string; port: number; security: Security };
}

/** What this computer has done so far, kept in the state folder (never a password). */
export interface Journey {
  startedAt: string;
  updatedAt: string;
  email?: string;
  name?: string;
  trust?: { status: "done" | "skipped"; at: string };
  test?: { verdict: Report["verdict"]; code: Report["code"]; port: number; security: Security; at: string; reference: string };
  clients?: ClientResult[];
  /** Set when the summary said "All set". */
  finishedAt?: string;
  /** The last run's reference and its saved report. */
  reference?: string;
}

export interface AppState {
  organization?: OrganisationView;
  /** Why the configuration could not be used (verification failed, policy invalid, …). */
  problem?: Problem;
  /** No organisation is configured here and policy allows the demo. */
  demoOffered: boolean;
  /** Support contact to show even when verification failed (from policy, when set). */
  support: Support;
  /** Managed policy lets the user go on without installing the root. */
  allowSkipCa: boolean;
  /** This run's reference for the helpdesk: the same on every screen and in the saved report. */
  reference: string;
  journey: Journey;
  /** Deadline of the relay test, so the window can show the time left. */
  testTimeoutMs: number;
}

export interface CaView {
  subject: string;
  /** SHA-256 grouped for reading aloud: "AB:CD:…". */
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  stores: Array<{ store: string; location: string; installed: boolean; changed?: boolean; problem?: Problem }>;
  /** Managed policy keeps the root out of this computer's stores (caStore none): IT handles it. */
  managedByIt: boolean;
}

export interface TestRequest {
  email: string;
  password: string;
  /** Keep the password in the OS keychain (never anywhere else). */
  remember: boolean;
  /** The other submission port, when the test offered it after the configured one was blocked. */
  port?: number;
}

export interface TestOutcome {
  /** Absent when the user cancelled. */
  report?: Report;
  cancelled?: boolean;
  /** The test ran; only keeping the password failed. */
  keychainProblem?: Problem;
  /** The configured port is blocked here, but this submission port answers: offer it. */
  alternative?: { port: number; security: Security };
}

export interface TestProgress {
  id: string;
  title: string;
  status: "pass" | "warn" | "fail" | "skip";
  durationMs: number;
  /** Time since the test started, against `deadlineMs`. */
  elapsedMs: number;
  deadlineMs: number;
}

export interface ClientView {
  client: ClientName;
  installed: boolean;
  profiles: Array<{ name: string; location: string; isDefault: boolean }>;
  note?: string;
  /** What configuring it will do, in words. */
  plan: string;
}

export interface ClientResult {
  client: ClientName;
  /** manual: the app cannot do it; the user enters the settings (`steps`). */
  status: "done" | "unchanged" | "failed" | "manual";
  message: string;
  problem?: Problem;
  /** Numbered steps for the user to follow (new Outlook, Apple Mail's approval). */
  steps?: string[];
}

/** The settings to type into a mail app by hand. */
export interface ManualSettings {
  items: Array<{ label: string; value: string }>;
}

export interface SummaryItem {
  id: "organisation" | "trust" | "test" | `client:${ClientName}` | "clients";
  title: string;
  status: "done" | "skipped" | "failed" | "todo" | "manual";
  detail: string;
  code?: FailureCode;
}

export interface Summary {
  /** True only when everything the organisation requires is done. */
  allSet: boolean;
  items: SummaryItem[];
  reference: string;
}

export interface SupportSummary {
  /** Short code the user reads out on the phone. */
  reference: string;
  text: string;
  /** The report saved for this reference (JSON; the HTML beside it). */
  reportPath?: string;
}

/** Every call the renderer can make: channel → [argument, value of a successful result]. */
export interface Api {
  "app:state": [void, AppState];
  "app:use-demo": [void, AppState];
  /** Forget this computer's journey and start the wizard again. */
  "app:restart": [void, AppState];
  "app:summary": [void, Summary];
  "ca:details": [void, CaView];
  "ca:install": [void, CaView];
  /** Go on without the root: only when managed policy allows it. */
  "ca:skip": [void, Journey];
  "relay:test": [TestRequest, TestOutcome];
  "relay:cancel": [void, boolean];
  "relay:diagnose": [void, Report];
  "clients:list": [void, ClientView[]];
  "clients:configure": [{ email: string; name?: string; clients: ClientName[] }, ClientResult[]];
  "clients:manual": [{ email: string }, ManualSettings];
  /** Opens the Apple Mail profile for approval (macOS). */
  "clients:open-profile": [void, boolean];
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
  "app:restart",
  "app:summary",
  "ca:details",
  "ca:install",
  "ca:skip",
  "relay:test",
  "relay:cancel",
  "relay:diagnose",
  "clients:list",
  "clients:configure",
  "clients:manual",
  "clients:open-profile",
  "support:summary",
  "support:open-url",
  "report:save",
  "relay:send-test",
] as const satisfies readonly Channel[];

/** The event channel main uses to stream test progress to the renderer. */
export const PROGRESS_EVENT = "relay:progress";

/** What the preload exposes as `window.relayOnboard`. */
export interface RendererApi {
  call<C extends Channel>(channel: C, ...arg: ArgOf<C> extends void ? [] : [ArgOf<C>]): Promise<Result<ResultOf<C>>>;
  onProgress(listener: (step: TestProgress) => void): () => void;
}
