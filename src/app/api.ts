// The desktop app's one IPC surface: channel names and the argument and result types, declared
// once and imported by the Electron main process, the preload script and (types only) the
// renderer. No runtime dependencies, so the sandboxed preload can bundle it.
//
// Every call settles with a Result, never a thrown error: Electron's `invoke` carries only an
// error's message across (as "Error invoking remote method '<channel>': <name>: <message>"), so a
// code thrown in main would never reach the window. A rejection therefore only means a bug.
import type { FailureCode } from "../errors.js";
import type { Report } from "../diagnostics/report.js";
import type { AccountOutcome } from "../clients/thunderbird/accounts.js";

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
  /** The language the user chose in the app's menu. */
  language?: "en" | "de" | "fr";
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
  /** Diagnostics offers to remove the app's changes (managed policy allowOffboard, default true). */
  allowOffboard: boolean;
  /** Diagnostics offers "Send to my helpdesk": the configuration names support.reportUrl and policy allows it. */
  reportSending?: boolean;
  /** This run's reference for the helpdesk: the same on every screen and in the saved report. */
  reference: string;
  journey: Journey;
  /** Deadline of the relay test, so the window can show the time left. */
  testTimeoutMs: number;
  /** The UI language: the user's choice, else managed policy's, else the OS's (en, de, fr). */
  language: string;
  /** The OS (Node's platform name), so the window names its keychain and stores as the OS does. */
  platform?: string;
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
  /** During a root rotation: the organisation's next root(s), installed with the first. */
  additionalRoots?: Array<{ subject: string; fingerprint: string }>;
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
  /** The login name that was tried (the configuration's template applied to the address). */
  loginName?: string;
  /** The test ran; only keeping the password failed. */
  keychainProblem?: Problem;
  /** The configured port is blocked here, but this submission port answers: offer it. */
  alternative?: { port: number; security: Security };
  /** CERT_UNTRUSTED by a local antivirus/firewall (a named product, or a root in this computer's store). */
  interception?: { issuer: string; product?: string; local: boolean };
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
  /** Thunderbird, asked with the user's address: the account setting up adds (beside which) or updates. */
  account?: AccountOutcome;
}

export interface ClientResult {
  client: ClientName;
  /** manual: the app cannot finish it; the user does (Apple Mail's approval, the new Outlook by hand). */
  status: "done" | "unchanged" | "failed" | "manual";
  /** What happened, for the helpdesk (English, from the onboarding step). */
  message: string;
  problem?: Problem;
}

/** The settings to type into a mail app by hand (the window labels them in the user's language). */
export interface ManualSettings {
  email: string;
  smtp: { host: string; port: number; security: Security; user: string };
  incoming?: { protocol: "imap" | "pop3"; host: string; port: number; security: Security; user: string };
}

export interface SummaryItem {
  id: "organisation" | "trust" | "test" | `client:${ClientName}` | "clients";
  status: "done" | "skipped" | "failed" | "todo" | "manual";
  /** Why, as a message the window words in the user's language (with `values`). */
  reason: "verified" | "failed" | "installed" | "managed" | "skipped" | "todo" | "passed" | "none" | "manual" | "done" | "unchanged";
  values?: Record<string, string | number>;
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

/** One thing offboarding takes back (or would, or cannot): the exact list the user sees first. */
export interface OffboardItem {
  id: string;
  /** English, for the helpdesk, like a client step's message. */
  title: string;
  status: "planned" | "done" | "unchanged" | "skipped" | "failed";
  message: string;
  /** What the user does by hand (Apple Mail's profile elsewhere, classic Outlook's account). */
  instructions?: string[];
  problem?: Problem;
}

export interface OffboardView {
  /** True for the list shown first (nothing changed yet). */
  dryRun: boolean;
  changed: boolean;
  /** Something could not be taken back: the install record is kept for another try. */
  failed: boolean;
  items: OffboardItem[];
}

/** Exactly what "Send to my helpdesk" sends, shown before anything leaves the computer. */
export interface ReportSendPlan {
  /** Where it goes: the host of the configuration's support.reportUrl. */
  host: string;
  reference: string;
  reportId: string;
  bytes: number;
  /** What the report holds, item by item (the window words it in the user's language); never a password. */
  contains: {
    account?: { email?: string; login?: string };
    computer: string;
    version: string;
    verdict: Report["verdict"];
    code: string;
    target: { host: string; port: number };
    steps: number;
    transcriptLines: number;
  };
  /** The exact text that goes (JSON, indented for reading); only `sentAt` is set again when it is sent. */
  preview: string;
}

/** The helpdesk's receipt, or why it could not be sent (the report stays saved). */
export interface ReportSendOutcome {
  sent: boolean;
  reference: string;
  reportId: string;
  received?: string;
  problem?: Problem;
  /** The saved copy, still on this computer. */
  reportPath?: string;
}

/** The one test message: sent, or why not (the window words it), or the failure. */
export interface SendOutcome {
  sent: boolean;
  to?: string;
  /** Not sent because the test must pass first, or the password is needed again. */
  needs?: "test" | "password";
  problem?: Problem;
}

/** Every call the renderer can make: channel → [argument, value of a successful result]. */
export interface Api {
  "app:state": [void, AppState];
  "app:use-demo": [void, AppState];
  /** Forget this computer's journey and start the wizard again. */
  "app:restart": [void, AppState];
  "app:summary": [void, Summary];
  /** The user's language choice (kept for the next run). */
  "app:set-language": [{ language: "en" | "de" | "fr" }, AppState];
  "ca:details": [void, CaView];
  "ca:install": [void, CaView];
  /** Go on without the root: only when managed policy allows it. */
  "ca:skip": [void, Journey];
  "relay:test": [TestRequest, TestOutcome];
  "relay:cancel": [void, boolean];
  "relay:diagnose": [void, Report];
  /** With the user's address, Thunderbird's view also says which account setting up would add or update. */
  "clients:list": [{ email: string } | undefined, ClientView[]];
  "clients:configure": [{ email: string; name?: string; clients: ClientName[] }, ClientResult[]];
  "clients:manual": [{ email: string }, ManualSettings];
  /** Opens the Apple Mail profile for approval (macOS). */
  "clients:open-profile": [void, boolean];
  "support:summary": [void, SupportSummary];
  "support:open-url": [void, boolean];
  "report:save": [{ format: "json" | "html" }, { saved: boolean; path?: string }];
  /** Sends one real message to the user's own address — only when the user asks. */
  "relay:send-test": [{ password?: string }, SendOutcome];
  /** What removing the app's changes would take back (changes nothing). */
  "app:offboard-plan": [void, OffboardView];
  /** Removes the app's changes from this computer: roots, the mail account it created, the saved password, its state. */
  "app:offboard": [void, OffboardView];
  /** What sending the last report to the helpdesk would send (changes nothing). */
  "report:send-plan": [void, ReportSendPlan];
  /** Sends the report the plan showed (named by its id) to the helpdesk, on the user's word. */
  "report:send": [{ reportId: string }, ReportSendOutcome];
  /** Opens the saved report (HTML) with the system's browser. */
  "report:open": [void, boolean];
  /** Shows the saved report in the file manager. */
  "report:show-in-folder": [void, boolean];
}

export type Channel = keyof Api;
export type ArgOf<C extends Channel> = Api[C][0];
export type ResultOf<C extends Channel> = Api[C][1];

export const CHANNELS = [
  "app:state",
  "app:use-demo",
  "app:restart",
  "app:summary",
  "app:set-language",
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
  "app:offboard-plan",
  "app:offboard",
  "report:send-plan",
  "report:send",
  "report:open",
  "report:show-in-folder",
] as const satisfies readonly Channel[];

/** The event channel main uses to stream test progress to the renderer. */
export const PROGRESS_EVENT = "relay:progress";

/** What the preload exposes as `window.relayOnboard`. */
export interface RendererApi {
  call<C extends Channel>(channel: C, ...arg: ArgOf<C> extends void ? [] : [ArgOf<C>]): Promise<Result<ResultOf<C>>>;
  onProgress(listener: (step: TestProgress) => void): () => void;
}
