// The desktop app's core service: what every IPC handler calls. It holds the verified
// configuration, this run's helpdesk reference, the last report and the user's journey (kept in
// the state folder, never a password). Expected failures throw RelayErrors, which the IPC layer
// turns into Results (result.ts); the password only passes through to the relay test and, if the
// user asks, the OS keychain. Main decides what is allowed — policy and the verified
// configuration — never the window.
import { X509Certificate } from "node:crypto";
import { access, mkdtemp } from "node:fs/promises";
import { arch, release, tmpdir, type as osType } from "node:os";
import { join } from "node:path";
import { requireDisplayName, requireEmailAddress } from "../address.js";
import type { LoadedConfig } from "../config/load.js";
import type { OrgConfig } from "../config/schema.js";
import { formatFingerprint } from "../certs/fingerprint.js";
import { manualSettings } from "../clients/manual.js";
import { formatTimestamp } from "../time.js";
import { FAILURE_CODES, RelayError } from "../errors.js";
import type { Report } from "../diagnostics/report.js";
import type { CheckResult } from "../diagnostics/steps.js";
import type { DemoEnvironment } from "../demo/environment.js";
import { CLIENT_TITLES, type Policy } from "../policy/policy.js";
import { KEYCHAIN_SERVICE, type Keychain } from "../secrets/keychain.js";
import type { TrustStore } from "../truststore/types.js";
import type {
  AppState, CaView, ClientName, ClientResult, ClientView, Journey, ManualSettings, OffboardView, OrganisationView, Problem, ReportSendOutcome, ReportSendPlan, Security, SendOutcome, Summary, SummaryItem, SupportSummary, TestOutcome, TestProgress, TestRequest,
} from "./api.js";
import { freshJourney, loadJourney, saveJourney } from "./journey.js";
import { problemOf } from "./result.js";
import { installationReference, stampReport } from "../support/reference.js";

export interface ServiceOptions {
  version: string;
  stateDir: string;
  policy: () => Promise<Policy | undefined>;
  bundledOrgFile?: string;
  keychain?: Keychain;
  /** The trust stores to use (default: `auto` for this OS, or the policy's caStore). */
  stores?: (policy: Policy | undefined) => Promise<TrustStore[]>;
  thunderbirdRoots?: string[];
  now?: () => Date;
  platform?: NodeJS.Platform;
  /** The standard submission ports; tests move them off the privileged range. */
  submissionPorts?: Record<Security, number>;
  /** Deadline of the sign-in test (default 20 s). */
  testTimeoutMs?: number;
  /** The OS's UI language (Electron's app.getLocale()). */
  osLocale?: string;
  /** This computer's CA bundle (Linux), to recognise a local program's interception root. */
  systemBundle?: string;
}

const BLOCKED: ReadonlySet<string> = new Set(["CONNECT_TIMEOUT", "CONNECT_REFUSED"]);

export class AppService {
  private loaded: LoadedConfig | undefined;
  private demo: DemoEnvironment | undefined;
  private lastReport: Report | undefined;
  private email: string | undefined;
  private policy: Policy | undefined;
  private journey: Journey | undefined;
  private running: AbortController | undefined;
  /** The other submission port, once a test passed on it because the configured one is blocked here. */
  private submission: { port: number; security: Security } | undefined;
  private appleProfile: string | undefined;
  /** This installation's for this user (support/reference.ts): on every screen and in every report. */
  readonly reference: string;

  constructor(private readonly options: ServiceOptions) {
    this.reference = installationReference(options.stateDir);
  }

  /** A finished check as a report of its own: the reference, its own id, the account tried and this computer. */
  private stamped(report: Report, login?: string): Report {
    const account = this.email || login ? { ...(this.email ? { email: this.email } : {}), ...(login ? { login } : {}) } : undefined;
    return stampReport(report, { reference: this.reference, now: this.now(), ...(account ? { account } : {}), ...(this.options.platform ? { platform: this.options.platform } : {}) });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private get testTimeoutMs(): number {
    return this.options.testTimeoutMs ?? 20_000;
  }

  /** A bug's stack is kept in the state folder; returns the file (for the INTERNAL message). */
  async recordBug(err: unknown): Promise<string | undefined> {
    const { recordInternalError } = await import("../internalLog.js");
    return recordInternalError(err, this.options.stateDir, this.now());
  }

  private async problem(err: unknown): Promise<Problem> {
    if (err instanceof RelayError) return problemOf(err);
    return problemOf(err, await this.recordBug(err));
  }

  private async currentJourney(): Promise<Journey> {
    this.journey ??= await loadJourney(this.options.stateDir, this.now());
    return this.journey;
  }

  private async updateJourney(change: (j: Journey) => void): Promise<Journey> {
    const journey = await this.currentJourney();
    change(journey);
    journey.updatedAt = this.now().toISOString();
    journey.reference = this.reference;
    await saveJourney(this.options.stateDir, journey);
    return journey;
  }

  private view(loaded: LoadedConfig): OrganisationView {
    const c = loaded.payload.config;
    return {
      name: c.organization.name,
      issuer: loaded.payload.iss,
      version: loaded.payload.ver,
      issuedAt: loaded.issuedAt.toISOString(),
      expiresAt: loaded.expiresAt.toISOString(),
      signers: loaded.signers,
      support: { ...c.organization.support, ...this.policy?.support },
      demo: this.demo !== undefined,
      ...(this.demo ? { demoLogin: { ...this.demo.user } } : {}),
      relay: { host: c.submission.host, port: c.submission.port, security: c.submission.security },
    };
  }

  private config(): LoadedConfig {
    if (!this.loaded) throw new RelayError("CONFIG_FETCH_FAILED", "no organisation is configured yet");
    return this.loaded;
  }

  private configurationId(): { issuer: string; version: number } {
    const { iss, ver } = this.config().payload;
    return { issuer: iss, version: ver };
  }

  /** The configuration with the submission port the test proved (see `submission`). */
  private effectiveConfig(): OrgConfig {
    const c = this.config().payload.config;
    return this.submission ? { ...c, submission: { ...c.submission, ...this.submission } } : c;
  }

  /** The organisation, loading (again) what failed before: this is also the window's Retry. */
  async state(): Promise<AppState> {
    const journey = await this.currentJourney();
    // Built at each return: the language depends on the policy, read below.
    const base = () => ({ reference: this.reference, journey, testTimeoutMs: this.testTimeoutMs, language: this.language(journey), platform: this.options.platform ?? process.platform });
    let support = {};
    try {
      this.policy = await this.options.policy();
      support = this.policy?.support ?? {};
      if (!this.loaded) {
        const { resolveConfigSource } = await import("../policy/resolve.js");
        const source = await resolveConfigSource({}, this.policy, this.options.bundledOrgFile);
        if (source) {
          const { loadConfig } = await import("../config/load.js");
          this.loaded = await loadConfig({ config: source.config, trust: source.trust, stateDir: this.options.stateDir, now: this.now() });
        }
      }
    } catch (err) {
      return { ...base(), problem: await this.problem(err), demoOffered: false, support, allowSkipCa: false, allowOffboard: false };
    }
    const allowSkipCa = this.policy?.allowSkipCa === true;
    const allowOffboard = this.policy?.allowOffboard !== false;
    if (this.loaded) return { ...base(), organization: this.view(this.loaded), demoOffered: false, support: this.view(this.loaded).support, allowSkipCa, allowOffboard, reportSending: this.reportUrl() !== undefined };
    return { ...base(), demoOffered: !this.policy || this.policy.allowDemo === true, support, allowSkipCa, allowOffboard };
  }

  /** The user's menu choice, else managed policy's `language`, else the OS's; English when none is offered. */
  private language(journey: Journey): string {
    for (const tag of [journey.language, this.policy?.language, this.options.osLocale]) {
      if (!tag) continue;
      if (tag === "en-XA") return tag; // the pseudo-locale of the tests and translators
      const primary = tag.toLowerCase().split(/[-_]/)[0];
      if (primary === "en" || primary === "de" || primary === "fr") return primary;
    }
    return "en";
  }

  async setLanguage(language: "en" | "de" | "fr"): Promise<AppState> {
    await this.updateJourney((j) => (j.language = language));
    return this.state();
  }

  async useDemo(): Promise<AppState> {
    if (this.policy && this.policy.allowDemo !== true) throw new RelayError("USAGE", "managed policy does not allow the demo organisation");
    // A real organisation (policy, or a branded build's org file) is never replaced by the demo,
    // whose freshly made root could then be installed — unless policy explicitly allows the demo.
    if (this.loaded && !this.demo && this.policy?.allowDemo !== true) throw new RelayError("USAGE", "an organisation is already set up on this computer; the demo is not offered");
    if (!this.demo) {
      const { startDemoEnvironment } = await import("../demo/environment.js");
      this.demo = await startDemoEnvironment(await mkdtemp(join(tmpdir(), "relay-onboard-demo-")), this.now());
      const { loadConfig } = await import("../config/load.js");
      this.loaded = await loadConfig({ config: this.demo.configUrl, trust: this.demo.org.files.trustedKeys, stateDir: join(this.demo.org.dir, "state"), now: this.now(), fetch: { ca: this.demo.org.ca.certPem } });
    }
    return this.state();
  }

  /** Forgets this computer's journey (not the organisation, not the trust stores): the wizard starts again. */
  async restart(): Promise<AppState> {
    this.journey = freshJourney(this.now());
    this.email = undefined;
    this.submission = undefined;
    await saveJourney(this.options.stateDir, this.journey);
    return this.state();
  }

  /** The demo user, so the app can prefill the sign-in screen in demo mode. */
  demoUser(): { email: string; password: string } | undefined {
    return this.demo?.user;
  }

  private async stores(): Promise<TrustStore[]> {
    if (this.options.stores) return this.options.stores(this.policy);
    const { selectStores } = await import("../truststore/select.js");
    const choice = this.policy?.caStore === "none" ? undefined : this.policy?.caStore ?? "auto";
    return choice ? selectStores({ choice }) : [];
  }

  /** The configuration's roots: every current one accepted (pinned, CA, valid), the retired ones to remove. */
  private async roots() {
    const { planRoots } = await import("../truststore/rotation.js");
    return planRoots(this.config().payload.config, { now: this.now() });
  }

  caDetails(): Promise<CaView> {
    return this.eachStore("status");
  }

  async installCa(): Promise<CaView> {
    const view = await this.eachStore("install");
    if (view.stores.every((s) => s.installed)) await this.updateJourney((j) => (j.trust = { status: "done", at: this.now().toISOString() }));
    return view;
  }

  /** Going on without the root is IT's decision (policy allowSkipCa), in the app as in the CLI. */
  async skipCa(): Promise<Journey> {
    this.config();
    if (this.policy?.allowSkipCa !== true) {
      throw new RelayError("USAGE", "your organisation requires its certificate on this computer: it cannot be skipped (managed policy allowSkipCa is not set)");
    }
    return this.updateJourney((j) => (j.trust = { status: "skipped", at: this.now().toISOString() }));
  }

  /** Runs one operation on every store; a store that fails reports its problem, the others go on. */
  private async eachStore(operation: "status" | "install"): Promise<CaView> {
    const plan = await this.roots();
    const { applyRoots, rootsInPlace, rootsState } = await import("../truststore/rotation.js");
    const stores: CaView["stores"] = [];
    const { InstallRecord } = await import("../installRecord.js");
    const record = operation === "install" ? await InstallRecord.load(this.options.stateDir, { now: this.now() }) : undefined;
    for (const store of await this.stores()) {
      try {
        if (operation === "install") {
          const done = await applyRoots(store, plan, record, this.now());
          stores.push({ store: store.store, location: store.location, installed: true, changed: done.changed });
        } else {
          const state = await rootsState(store, plan);
          stores.push({ store: store.store, location: store.location, installed: rootsInPlace(state) });
        }
      } catch (err) {
        stores.push({ store: store.store, location: store.location, installed: false, problem: await this.problem(err) });
      }
    }
    await record?.save();
    const ca = plan.install[0]!;
    const x509 = new X509Certificate(ca.der);
    return {
      subject: ca.subject, fingerprint: formatFingerprint(ca.sha256), notBefore: new Date(x509.validFrom).toISOString(), notAfter: ca.notAfter.toISOString(), stores,
      managedByIt: this.policy?.caStore === "none",
      ...(plan.install.length > 1 ? { additionalRoots: plan.install.slice(1).map((r) => ({ subject: r.subject, fingerprint: formatFingerprint(r.sha256) })) } : {}),
    };
  }

  /** The standard submission port the configured one is not (587 STARTTLS ↔ 465 implicit TLS). */
  private alternativePort(c: OrgConfig): { port: number; security: Security } {
    const ports = this.options.submissionPorts ?? { starttls: 587, tls: 465 };
    return c.submission.security === "tls" ? { port: ports.starttls, security: "starttls" } : { port: ports.tls, security: "tls" };
  }

  private startRun(): AbortController {
    if (this.running) throw new RelayError("ALREADY_RUNNING", "a test is already running; wait for it or cancel it");
    this.running = new AbortController();
    return this.running;
  }

  cancel(): Promise<boolean> {
    if (!this.running) return Promise.resolve(false);
    this.running.abort();
    return Promise.resolve(true);
  }

  private progress(onProgress: ((step: TestProgress) => void) | undefined, deadlineMs: number) {
    return (check: CheckResult) =>
      onProgress?.({ id: check.id, title: check.title, status: check.status, durationMs: check.durationMs, elapsedMs: check.startMs + check.durationMs, deadlineMs });
  }

  async test(request: TestRequest, onProgress?: (step: TestProgress) => void): Promise<TestOutcome> {
    requireEmailAddress(request.email, "email address");
    const configured = this.config().payload.config;
    const alternative = this.alternativePort(configured);
    // Only the configured port, or the standard other one on the same host — never what the window makes up.
    const target = request.port === undefined || request.port === configured.submission.port ? undefined : request.port === alternative.port ? alternative : null;
    if (target === null) throw new RelayError("BAD_INPUT", `port ${request.port} is not one the organisation's relay may be tested on`);
    const c = target ? { ...configured, submission: { ...configured.submission, ...target } } : configured;
    const run = this.startRun();
    // Only an address whose login passes may receive the test message: forget the last one first.
    this.email = undefined;
    try {
      const { runCheck } = await import("../diagnostics/check.js");
      const { userSubmission } = await import("../diagnostics/target.js");
      const report = await runCheck({
        ...userSubmission(c, request.email, request.password), gridPorts: [], version: this.options.version, timeoutMs: this.testTimeoutMs, configuration: this.configurationId(),
        signal: run.signal, onStep: this.progress(onProgress, this.testTimeoutMs),
      });
      if (run.signal.aborted) return { cancelled: true };
      const login = userSubmission(c, request.email, request.password).credentials!.user;
      this.lastReport = { ...this.stamped(report), account: { email: request.email, login } };
      const passed = report.verdict !== "fail";
      if (report.checks.some((check) => check.id === "auth" && check.status === "pass")) this.email = request.email;
      if (passed) this.submission = target ?? undefined;
      await this.saveReport();
      await this.updateJourney((j) => {
        j.email = request.email;
        j.test = { verdict: report.verdict, code: report.code, port: c.submission.port, security: c.submission.security, at: this.now().toISOString(), reference: this.reference };
        if (!passed) delete j.finishedAt;
      });
      const outcome: TestOutcome = { report: this.lastReport, loginName: login };
      if (request.remember && passed && this.options.keychain) {
        // The test ran and passed; only keeping the password failed: say so beside the result.
        try {
          await this.options.keychain.save(request.email, request.password);
          const { InstallRecord } = await import("../installRecord.js");
          const record = await InstallRecord.load(this.options.stateDir, { now: this.now() });
          record.addSecret({ service: KEYCHAIN_SERVICE, account: request.email });
          await record.save();
        } catch (err) {
          outcome.keychainProblem = await this.problem(err);
        }
      }
      const top = report.tls?.chain.at(-1);
      if (report.code === "CERT_UNTRUSTED" && top) {
        const { interceptionBy } = await import("../diagnostics/interception.js");
        const found = await interceptionBy(top, { ...(this.options.platform ? { platform: this.options.platform } : {}), ...(this.options.systemBundle ? { bundle: this.options.systemBundle } : {}) });
        if (found) outcome.interception = found;
      }
      if (!passed && !target && BLOCKED.has(report.code)) {
        const { probePort } = await import("../diagnostics/network.js");
        const address = report.checks.find((check) => check.id === "dns")?.message.split(", ")[0];
        if (address && (await probePort(address, alternative.port, 3000)) === "open") outcome.alternative = alternative;
      }
      return outcome;
    } finally {
      this.running = undefined;
    }
  }

  /**
   * The submission port the user's own test proved here, when it is not the configured one (the
   * configured port was blocked and the other one passed) — kept across restarts in the journey.
   */
  private async provenSubmission(): Promise<{ port: number; security: Security } | undefined> {
    if (this.submission) return this.submission;
    const configured = this.config().payload.config.submission;
    const test = (await this.currentJourney()).test;
    const alternative = this.alternativePort(this.config().payload.config);
    if (test && test.verdict !== "fail" && test.port !== configured.port && test.port === alternative.port && test.security === alternative.security) return alternative;
    return undefined;
  }

  /**
   * The full diagnosis for the helpdesk: DNS, the port grid, and the session (logged in if the
   * keychain has the password), on the port the user's test proved (saying so when it is not the
   * configured one).
   */
  async diagnose(onProgress?: (step: TestProgress) => void): Promise<Report> {
    const configured = this.config().payload.config;
    const proven = await this.provenSubmission();
    const c = proven ? { ...configured, submission: { ...configured.submission, ...proven } } : configured;
    const password = this.email && this.options.keychain ? await this.options.keychain.load(this.email).catch(() => undefined) : undefined;
    const run = this.startRun();
    try {
      const { runCheck } = await import("../diagnostics/check.js");
      const { relayTarget, userSubmission } = await import("../diagnostics/target.js");
      const timeoutMs = 15_000;
      const report = await runCheck({
        ...(this.email && password ? userSubmission(c, this.email, password) : relayTarget(c)),
        version: this.options.version, timeoutMs, signal: run.signal, onStep: this.progress(onProgress, timeoutMs), configuration: this.configurationId(),
      });
      const why = proven && {
        t: 0, dir: "info" as const,
        text: `tested port ${proven.port} (${proven.security}), the port the sending test proved on this network; the configuration names port ${configured.submission.port} (${configured.submission.security}), which did not answer here`,
      };
      const noted = why ? { ...report, transcript: [why, ...report.transcript] } : report;
      this.lastReport = this.stamped(noted, this.email && password ? userSubmission(c, this.email, password).credentials!.user : undefined);
      await this.saveReport();
      return this.lastReport;
    } finally {
      this.running = undefined;
    }
  }

  /** The last report, kept beside the journey: each run its own file, under the one reference (JSON and HTML). */
  private reportPath(format: "json" | "html"): string {
    return join(this.options.stateDir, "reports", `relay-onboard-${this.reference}-${this.lastReport?.reportId ?? "none"}.${format}`);
  }

  private async saveReport(): Promise<void> {
    const { writeFileAtomic } = await import("../fs/atomic.js");
    const { guardWrite } = await import("../fs/writeFailure.js");
    for (const format of ["json", "html"] as const) {
      const content = await this.report(format);
      await guardWrite("STATE_WRITE_FAILED", join(this.options.stateDir, "reports"), "the saved report", () => writeFileAtomic(this.reportPath(format), content, { mode: 0o600 }));
    }
  }

  /** The mail apps here; with the user's address, also which Thunderbird account setting up would add or update. */
  async clients(email?: string): Promise<ClientView[]> {
    if (email !== undefined) requireEmailAddress(email, "email address");
    const { detectClients } = await import("../clients/detect.js");
    const detected = await detectClients({ ...(this.options.platform ? { platform: this.options.platform } : {}), ...(this.options.thunderbirdRoots ? { thunderbirdRoots: this.options.thunderbirdRoots } : {}) });
    const allowed = this.policy?.clients;
    const views: ClientView[] = detected.filter((d) => !allowed || allowed.includes(d.client));
    const tb = views.find((v) => v.client === "thunderbird");
    const profile = tb?.profiles.find((p) => p.isDefault) ?? tb?.profiles[0];
    if (tb && profile && email && this.loaded) {
      // The same dry run as setting up (nothing written): whether the user's own account stays as it is.
      const { runProfileJobAsOwner } = await import("../clients/thunderbird/asOwner.js");
      const planned = await runProfileJobAsOwner({ profile: profile.location, config: this.effectiveConfig(), email, dryRun: true }).catch((err: unknown) => {
        if (err instanceof RelayError) return undefined; // Thunderbird running, say: the plan is told when it is set up
        throw err;
      });
      if (planned) tb.account = planned.result.account;
    }
    return views;
  }

  async configure(request: { email: string; name?: string; clients: ClientName[] }): Promise<ClientResult[]> {
    requireEmailAddress(request.email, "email address");
    if (request.name !== undefined) requireDisplayName(request.name);
    const excluded = request.clients.filter((c) => this.policy?.clients && !this.policy.clients.includes(c));
    if (excluded.length > 0) throw new RelayError("USAGE", `managed policy (${this.policy?.source ?? "?"}) does not allow configuring ${excluded.join(", ")}`);
    const loaded = this.config();
    const { onboard } = await import("../onboarding.js");
    const result = await onboard({
      loaded: { ...loaded, payload: { ...loaded.payload, config: this.effectiveConfig() } }, email: request.email, ...(request.name ? { fullName: request.name } : {}),
      clients: request.clients, caStore: "none", outDir: this.options.stateDir, version: this.options.version, stateDir: this.options.stateDir,
      ...(this.options.platform ? { platform: this.options.platform } : {}),
      ...(this.options.thunderbirdRoots ? { thunderbirdRoots: this.options.thunderbirdRoots } : {}),
    });
    const results = result.steps
      .filter((s) => s.id.startsWith("client:"))
      .map((s): ClientResult => {
        const client = s.id.slice("client:".length) as ClientName;
        if (s.code) return { client, status: "failed", message: s.message, problem: { code: s.code, message: s.message, hint: FAILURE_CODES[s.code].hint } };
        if (client === "apple-mail" && s.file) {
          // Written, but only the user's approval in System Settings installs it.
          this.appleProfile = s.file;
          return { client, status: "manual", message: s.message };
        }
        if (s.instructions) return { client, status: "manual", message: s.message };
        return { client, status: s.status === "done" ? "done" : "unchanged", message: s.message };
      });
    await this.updateJourney((j) => {
      j.email = request.email;
      if (request.name) j.name = request.name;
      const others = (j.clients ?? []).filter((r) => !results.some((n) => n.client === r.client));
      j.clients = [...others, ...results];
      delete j.finishedAt;
    });
    return results;
  }

  /** The helpdesk's report address, when the configuration names one and policy lets users send to it. */
  private reportUrl(): string | undefined {
    if (this.policy?.allowReportSending === false) return undefined;
    return this.loaded?.payload.config.organization.support?.reportUrl;
  }

  private reportToSend(): { url: string; report: Report } {
    const url = this.reportUrl();
    if (!url) throw new RelayError("USAGE", this.policy?.allowReportSending === false ? `managed policy (${this.policy.source}) does not allow sending reports (allowReportSending)` : "the organisation's configuration names no report address (support.reportUrl)");
    if (!this.lastReport) throw new RelayError("USAGE", "there is no report yet: run a test or a diagnosis first");
    return { url, report: this.lastReport };
  }

  /** The saved report's file (HTML or JSON), when there is one on disk. */
  async savedReport(format: "json" | "html"): Promise<string | undefined> {
    if (!this.lastReport) return undefined;
    const path = this.reportPath(format);
    return access(path).then(() => path, () => undefined);
  }

  /** Exactly what "Send to my helpdesk" sends, before anything leaves the computer. */
  async reportSendPlan(): Promise<ReportSendPlan> {
    const { url, report } = this.reportToSend();
    const { submissionOf } = await import("../support/send.js");
    const { body, submission } = submissionOf({ reference: this.reference, report, version: this.options.version, now: this.now() });
    const r = submission.report;
    return {
      host: new URL(url).host, reference: submission.reference, reportId: submission.reportId, bytes: Buffer.byteLength(body),
      contains: {
        ...(r.account ? { account: r.account } : {}), computer: `${submission.os.type} ${submission.os.release} (${submission.os.arch})`, version: submission.tool.version,
        verdict: r.verdict, code: r.code, target: { host: r.target.host, port: r.target.port }, steps: r.checks.length, transcriptLines: r.transcript.length,
      },
      preview: JSON.stringify(submission, null, 2),
    };
  }

  /**
   * Sends the last report to the helpdesk (the user asked, having seen the plan); the saved copy
   * stays. `reportId` is the plan's: a diagnosis run since then is not sent unseen.
   */
  async sendReport(reportId?: string): Promise<ReportSendOutcome> {
    const { url, report } = this.reportToSend();
    if (reportId !== undefined && reportId !== report.reportId) throw new RelayError("USAGE", "a newer report was made since this one was shown: look at what will be sent again");
    const { sendReport } = await import("../support/send.js");
    const { currentRoots } = await import("../config/roots.js");
    const reportPath = this.reportPath("json");
    try {
      const receipt = await sendReport({ url, reference: this.reference, report, version: this.options.version, orgRoots: currentRoots(this.loaded!.payload.config).map((r) => r.pem), now: this.now() });
      return { sent: true, reference: receipt.reference, reportId: receipt.reportId, received: receipt.received, reportPath };
    } catch (err) {
      if (!(err instanceof RelayError) || err.code !== "REPORT_SEND_FAILED") throw err;
      return { sent: false, reference: this.reference, reportId: report.reportId ?? "", problem: await this.problem(err), reportPath };
    }
  }

  /**
   * Takes back what the app installed on this computer (offboarding.ts), or with `dryRun` lists it
   * first. Managed policy may withhold it (allowOffboard false). Afterwards the wizard starts afresh.
   */
  async offboard(dryRun: boolean): Promise<OffboardView> {
    if (this.policy?.allowOffboard === false) throw new RelayError("USAGE", `managed policy (${this.policy.source}) does not offer removing Relay Onboard's changes (allowOffboard)`);
    const journey = await this.currentJourney();
    const { offboard } = await import("../offboarding.js");
    const stores = this.options.stores;
    const keychain = this.options.keychain;
    const result = await offboard({
      ...(this.loaded ? { loaded: this.loaded } : {}), ...(journey.email ? { email: journey.email } : {}), ...(this.policy?.clients ? { clients: this.policy.clients } : {}),
      caStore: this.policy?.caStore ?? "auto", dryRun, stateDir: this.options.stateDir, outDir: this.options.stateDir, now: this.now(),
      ...(this.options.platform ? { platform: this.options.platform } : {}), ...(this.options.thunderbirdRoots ? { thunderbirdRoots: this.options.thunderbirdRoots } : {}),
      ...(keychain ? { keychain: () => Promise.resolve(keychain) } : {}), ...(stores ? { stores: () => stores(this.policy) } : {}),
    });
    const failed = result.exitStatus !== 0;
    if (!dryRun && !failed) {
      this.journey = freshJourney(this.now());
      this.email = undefined;
      this.submission = undefined;
      this.appleProfile = undefined;
    }
    return {
      dryRun, changed: result.changed, failed,
      items: result.steps.map((s) => ({
        id: s.id, title: s.title, status: s.status, message: s.message, ...(s.instructions ? { instructions: s.instructions } : {}),
        ...(s.code ? { problem: { code: s.code, message: s.message, hint: FAILURE_CODES[s.code].hint } } : {}),
      })),
    };
  }

  /** The file the user approves for Apple Mail, when one was written in this run. */
  async appleMailProfile(): Promise<string | undefined> {
    if (!this.appleProfile) return undefined;
    return access(this.appleProfile).then(() => this.appleProfile, () => undefined);
  }

  manual(email: string): ManualSettings {
    requireEmailAddress(email, "email address");
    return manualSettings(this.effectiveConfig(), email);
  }

  /** The truthful last screen: each step done, skipped (why) or failed (code); "All set" only when all required is done. */
  async summary(): Promise<Summary> {
    const journey = await this.currentJourney();
    const items: SummaryItem[] = [];
    const org = this.loaded ? this.view(this.loaded) : undefined;
    items.push(org ? { id: "organisation", status: "done", reason: "verified", values: { name: org.name, version: org.version } } : { id: "organisation", status: "failed", reason: "failed", code: "CONFIG_FETCH_FAILED" });
    if (org) {
      const ca = await this.caDetails();
      const failed = ca.stores.find((s) => s.problem);
      if (ca.managedByIt) items.push({ id: "trust", status: "done", reason: "managed" });
      else if (ca.stores.length > 0 && ca.stores.every((s) => s.installed)) items.push({ id: "trust", status: "done", reason: "installed", values: { stores: ca.stores.map((s) => s.store).join(", ") } });
      else if (journey.trust?.status === "skipped" && this.policy?.allowSkipCa === true) items.push({ id: "trust", status: "skipped", reason: "skipped" });
      else if (failed?.problem) items.push({ id: "trust", status: "failed", reason: "failed", code: failed.problem.code });
      else items.push({ id: "trust", status: "todo", reason: "todo" });
    }
    const test = journey.test;
    if (!test) items.push({ id: "test", status: "todo", reason: "todo" });
    else if (test.verdict === "fail") items.push({ id: "test", status: "failed", reason: "failed", values: { port: test.port }, ...(test.code !== "OK" ? { code: test.code } : {}) });
    else items.push({ id: "test", status: "done", reason: "passed", values: { email: journey.email ?? "", port: test.port, security: test.security } });
    const clients = journey.clients ?? [];
    if (clients.length === 0) items.push({ id: "clients", status: "manual", reason: "none" });
    for (const r of clients) {
      const id = `client:${r.client}` as const;
      if (r.status === "failed") items.push({ id, status: "failed", reason: "failed", ...(r.problem ? { code: r.problem.code } : {}) });
      else if (r.status === "manual") items.push({ id, status: "manual", reason: "manual" });
      else items.push({ id, status: "done", reason: r.status });
    }
    const allSet = items.every((i) => i.status === "done" || (i.id === "trust" && i.status === "skipped"));
    if (allSet && !journey.finishedAt) await this.updateJourney((j) => (j.finishedAt = this.now().toISOString()));
    return { allSet, items, reference: this.reference };
  }

  /** The one real message: to the user's own address, only on request. */
  async sendTestMessage(request: { password?: string }): Promise<SendOutcome> {
    if (!this.email) return { sent: false, needs: "test" };
    const password = request.password ?? (this.options.keychain ? await this.options.keychain.load(this.email).catch(() => undefined) : undefined);
    if (!password) return { sent: false, needs: "password" };
    const c = this.effectiveConfig();
    const { sendTestMessage } = await import("../smtp/testMessage.js");
    const { userSubmission } = await import("../diagnostics/target.js");
    try {
      // The same target and login name as the relay test that just passed for this address.
      const { credentials, ...target } = userSubmission(c, this.email, password);
      await sendTestMessage({ ...target, credentials: credentials!, email: this.email, organization: c.organization.name, now: this.now() });
      return { sent: true, to: this.email };
    } catch (err) {
      return { sent: false, problem: await this.problem(err) };
    }
  }

  /** What the helpdesk needs on one screen — no secrets: time with zone, versions, every step's state, the reference. */
  async supportSummary(): Promise<SupportSummary> {
    const now = this.now();
    const journey = await this.currentJourney();
    const r = this.lastReport;
    const org = this.loaded ? this.view(this.loaded) : undefined;
    const stamp = `${formatTimestamp(now)} (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
    let stores = "not checked (no organisation)";
    if (org) {
      try {
        const ca = await this.caDetails();
        stores = ca.managedByIt ? "managed by IT (policy caStore none)" : ca.stores.map((s) => `${s.store} ${s.installed ? "trusted" : s.problem ? `FAILED ${s.problem.code}` : "not installed"}`).join("; ") || "no store";
      } catch (err) {
        stores = `cannot be checked: ${(await this.problem(err)).code}`;
      }
    }
    const failed = r?.checks.find((c) => c.status === "fail");
    const reportPath = r ? this.reportPath("json") : undefined;
    const text = [
      `Relay Onboard ${this.options.version} — reference ${this.reference}`,
      `Time: ${stamp}`,
      `Computer: ${osType()} ${release()} (${arch()})`,
      `Organisation: ${org ? `${org.name}, configuration version ${org.version} (issued ${org.issuedAt}, valid until ${org.expiresAt})` : "none loaded"}`,
      `Account: ${journey.email ?? "not entered"}`,
      `Certificate: ${stores}`,
      r ? `Relay: ${r.target.host}:${r.target.port} (${r.target.security === "tls" ? "SSL/TLS" : "STARTTLS"}) — ${r.verdict.toUpperCase()} ${r.code}` : "Relay: no test has run in this session",
      ...(failed ? [`Failed step: ${failed.title}: ${failed.message}`] : []),
      `Mail apps: ${(journey.clients ?? []).map((c) => `${CLIENT_TITLES[c.client]} ${c.status}${c.problem ? ` ${c.problem.code}` : ""}`).join("; ") || "none set up"}`,
      ...(reportPath ? [`Report: ${reportPath}`] : []),
    ].join("\n");
    return { reference: this.reference, text, ...(reportPath ? { reportPath } : {}) };
  }

  /** The organisation's support URL, only if it is https (what main may open in the browser). */
  supportUrl(): string | undefined {
    const url = this.policy?.support?.url ?? this.loaded?.payload.config.organization.support?.url;
    return url && /^https:\/\/[^\s]+$/.test(url) ? url : undefined;
  }

  async report(format: "json" | "html"): Promise<string> {
    if (!this.lastReport) throw new RelayError("USAGE", "run the test first");
    if (format === "json") return JSON.stringify(this.lastReport, null, 2) + "\n";
    const { renderHtmlReport } = await import("../diagnostics/htmlReport.js");
    // The user's language: the report they open is theirs (the JSON the helpdesk gets has no language).
    return renderHtmlReport(this.lastReport, undefined, this.language(await this.currentJourney()));
  }

  async dispose(): Promise<void> {
    this.running?.abort();
    await this.demo?.stop();
    this.demo = undefined;
  }
}

