// The desktop app's core service: what every IPC handler calls (and what the UI tests call through
// the browser's bindings). It holds the verified configuration and the last report; the password
// is passed through to the relay test and, only if the user asks, to the OS keychain.
import { createHash } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { requireDisplayName, requireEmailAddress } from "../address.js";
import type { LoadedConfig } from "../config/load.js";
import { colonHex } from "../certs/pem.js";
import { FAILURE_CODES, RelayError, asRelayError } from "../errors.js";
import type { Report } from "../diagnostics/report.js";
import type { CheckResult } from "../diagnostics/steps.js";
import type { DemoEnvironment } from "../demo/environment.js";
import type { Policy } from "../policy/policy.js";
import type { Keychain } from "../secrets/keychain.js";
import type { TrustStore } from "../truststore/types.js";
import type { AppState, CaView, ClientResult, ClientView, OrganisationView, Problem, SupportSummary, TestProgress, TestRequest } from "./api.js";

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
}

/** A thrown value as the window sees it; anything but a RelayError is a bug (INTERNAL). */
export function problemOf(err: unknown, log?: string): Problem {
  const relay = asRelayError(err, log);
  return { code: relay.code, message: relay.message, hint: FAILURE_CODES[relay.code].hint };
}


export class AppService {
  private loaded: LoadedConfig | undefined;
  private demo: DemoEnvironment | undefined;
  private lastReport: Report | undefined;
  private email: string | undefined;
  private policy: Policy | undefined;

  constructor(private readonly options: ServiceOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** A caught error for the window; a bug's stack is kept in the state folder, which the message names. */
  private async problem(err: unknown): Promise<Problem> {
    if (err instanceof RelayError) return problemOf(err);
    const { recordInternalError } = await import("../internalLog.js");
    return problemOf(err, await recordInternalError(err, this.options.stateDir, this.now()));
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

  async state(): Promise<AppState> {
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
      return { problem: await this.problem(err), demoOffered: false, support };
    }
    if (this.loaded) return { organization: this.view(this.loaded), demoOffered: false, support: this.view(this.loaded).support };
    return { demoOffered: !this.policy || this.policy.allowDemo === true, support };
  }

  async useDemo(): Promise<AppState> {
    if (this.policy && this.policy.allowDemo !== true) {
      return { problem: problemOf(new RelayError("USAGE", "managed policy does not allow the demo organisation")), demoOffered: false, support: this.policy.support ?? {} };
    }
    // A real organisation (policy, or a branded build's org file) is never replaced by the demo,
    // whose freshly made root could then be installed — unless policy explicitly allows the demo.
    if (this.loaded && !this.demo && this.policy?.allowDemo !== true) {
      return { problem: problemOf(new RelayError("USAGE", "an organisation is already set up on this computer; the demo is not offered")), demoOffered: false, support: this.view(this.loaded).support };
    }
    if (!this.demo) {
      const { startDemoEnvironment } = await import("../demo/environment.js");
      const { mkdtemp } = await import("node:fs/promises");
      const { tmpdir } = await import("node:os");
      this.demo = await startDemoEnvironment(await mkdtemp(join(tmpdir(), "relay-onboard-demo-")), this.now());
      const { loadConfig } = await import("../config/load.js");
      this.loaded = await loadConfig({ config: this.demo.configUrl, trust: this.demo.org.files.trustedKeys, stateDir: join(this.demo.org.dir, "state"), now: this.now(), fetch: { ca: this.demo.org.ca.certPem } });
    }
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

  private async ca() {
    const c = this.config().payload.config;
    const { acceptCa } = await import("../truststore/accept.js");
    return acceptCa(c.rootCa.pem, c.rootCa.sha256, c.organization.name, this.now());
  }

  caDetails(): Promise<CaView> {
    return this.eachStore("status");
  }

  installCa(): Promise<CaView> {
    return this.eachStore("install");
  }

  /** Runs one operation on every store; a store that fails reports its problem, the others go on. */
  private async eachStore(operation: "status" | "install"): Promise<CaView> {
    const ca = await this.ca();
    const stores: CaView["stores"] = [];
    for (const store of await this.stores()) {
      try {
        stores.push(await store[operation](ca));
      } catch (err) {
        stores.push({ store: store.store, location: store.location, installed: false, problem: await this.problem(err) });
      }
    }
    return this.caView(ca, stores);
  }

  private caView(ca: Awaited<ReturnType<AppService["ca"]>>, stores: CaView["stores"]): CaView {
    const x509 = new X509Certificate(ca.der);
    return { subject: ca.subject, fingerprint: colonHex(ca.sha256), notBefore: new Date(x509.validFrom).toISOString(), notAfter: ca.notAfter.toISOString(), stores };
  }

  async test(request: TestRequest, onProgress?: (step: TestProgress) => void): Promise<Report> {
    requireEmailAddress(request.email, "email address");
    const loaded = this.config();
    const c = loaded.payload.config;
    // Only an address whose login passes may receive the test message: forget the last one first.
    this.email = undefined;
    const { runCheck } = await import("../diagnostics/check.js");
    const { userSubmission } = await import("../diagnostics/target.js");
    const progress = (check: CheckResult) => onProgress?.({ id: check.id, title: check.title, status: check.status, durationMs: check.durationMs });
    this.lastReport = await runCheck({ ...userSubmission(c, request.email, request.password), gridPorts: [], version: this.options.version, onStep: progress });
    if (this.lastReport.checks.some((check) => check.id === "auth" && check.status === "pass")) this.email = request.email;
    if (request.remember && this.lastReport.verdict !== "fail" && this.options.keychain) {
      await this.options.keychain.save(request.email, request.password);
    }
    return this.lastReport;
  }

  /** The full diagnosis for the helpdesk: DNS, the port grid, and the session (logged in if the keychain has the password). */
  async diagnose(onProgress?: (step: TestProgress) => void): Promise<Report> {
    const c = this.config().payload.config;
    const password = this.email && this.options.keychain ? await this.options.keychain.load(this.email) : undefined;
    const { runCheck } = await import("../diagnostics/check.js");
    const { relayTarget, userSubmission } = await import("../diagnostics/target.js");
    this.lastReport = await runCheck({
      ...(this.email && password ? userSubmission(c, this.email, password) : relayTarget(c)),
      version: this.options.version, timeoutMs: 15_000,
      onStep: (check) => onProgress?.({ id: check.id, title: check.title, status: check.status, durationMs: check.durationMs }),
    });
    return this.lastReport;
  }

  async clients(): Promise<ClientView[]> {
    const { detectClients } = await import("../clients/detect.js");
    const c = this.config().payload.config;
    const plan: Record<ClientView["client"], string> = {
      thunderbird: `Adds the outgoing server ${c.submission.host}:${c.submission.port} (${c.submission.security === "tls" ? "SSL/TLS" : "STARTTLS"}) to your profile and trusts ${c.organization.name}'s certificate there; nothing else changes.`,
      "apple-mail": "Creates a configuration profile for you to approve in System Settings.",
      outlook: "Creates an Outlook profile file and imports it into classic Outlook.",
    };
    const detected = await detectClients(this.options.thunderbirdRoots ? { thunderbirdRoots: this.options.thunderbirdRoots } : {});
    const allowed = this.policy?.clients;
    return detected.filter((d) => !allowed || allowed.includes(d.client)).map((d) => ({ ...d, plan: plan[d.client] }));
  }

  async configure(request: { email: string; name?: string; clients: Array<ClientView["client"]> }): Promise<ClientResult[]> {
    requireEmailAddress(request.email, "email address");
    if (request.name !== undefined) requireDisplayName(request.name);
    const excluded = request.clients.filter((c) => this.policy?.clients && !this.policy.clients.includes(c));
    if (excluded.length > 0) throw new RelayError("USAGE", `managed policy (${this.policy?.source ?? "?"}) does not allow configuring ${excluded.join(", ")}`);
    const { onboard } = await import("../onboarding.js");
    const result = await onboard({
      loaded: this.config(), email: request.email, ...(request.name ? { fullName: request.name } : {}),
      clients: request.clients, caStore: "none", outDir: this.options.stateDir, version: this.options.version,
      ...(this.options.thunderbirdRoots ? { thunderbirdRoots: this.options.thunderbirdRoots } : {}),
    });
    return result.steps
      .filter((s) => s.id.startsWith("client:"))
      .map((s) => ({
        client: s.id.slice("client:".length) as ClientView["client"],
        status: s.status === "failed" ? "failed" : s.status === "done" ? "done" : "unchanged",
        message: s.message,
        ...(s.code ? { problem: { code: s.code, message: s.message, hint: FAILURE_CODES[s.code].hint } } : {}),
      }));
  }

  /** The one real message: to the user's own address, only on request. */
  async sendTestMessage(request: { password?: string }): Promise<{ sent: boolean; message: string; problem?: Problem }> {
    if (!this.email) return { sent: false, message: "Test sending first.", problem: problemOf(new RelayError("USAGE", "run the test first")) };
    const password = request.password ?? (this.options.keychain ? await this.options.keychain.load(this.email) : undefined);
    if (!password) return { sent: false, message: "Type your password to send the test message.", problem: problemOf(new RelayError("USAGE", "the password is not in the keychain")) };
    const c = this.config().payload.config;
    const { sendTestMessage } = await import("../smtp/testMessage.js");
    const { userSubmission } = await import("../diagnostics/target.js");
    try {
      // The same target and login name as the relay test that just passed for this address.
      const { credentials, ...target } = userSubmission(c, this.email, password);
      const result = await sendTestMessage({ ...target, credentials: credentials!, email: this.email, organization: c.organization.name, now: this.now() });
      return { sent: true, message: `Sent to ${this.email} (${result.reply}). It should arrive in a minute.` };
    } catch (err) {
      const problem = await this.problem(err);
      return { sent: false, message: problem.message, problem };
    }
  }

  supportSummary(): SupportSummary {
    const r = this.lastReport;
    const org = this.loaded?.payload.config.organization.name ?? "no organisation";
    const code = r?.code ?? "OK";
    const reference = `RO-${createHash("sha256").update(`${this.now().toISOString()}|${code}|${r?.target.host ?? ""}`).digest("hex").slice(0, 6).toUpperCase()}`;
    const failed = r?.checks.find((c) => c.status === "fail");
    const text = [
      `Relay Onboard ${this.options.version} — reference ${reference}`,
      `Organisation: ${org}`,
      r ? `Relay: ${r.target.host}:${r.target.port} (${r.target.security}) — ${r.verdict.toUpperCase()} ${code}` : "No test has run yet.",
      ...(failed ? [`Failed step: ${failed.title}: ${failed.message}`] : []),
    ].join("\n");
    return { reference, text };
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
    return renderHtmlReport(this.lastReport);
  }

  async dispose(): Promise<void> {
    await this.demo?.stop();
    this.demo = undefined;
  }
}
