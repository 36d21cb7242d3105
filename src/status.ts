// `relay-onboard status`: is this machine onboarded for this user? Read-only — it verifies the
// configuration without recording it, asks each trust store and each mail client, and changes
// nothing. Each item is ok, missing (what onboarding would do), failed (a check could not run,
// with its code) or unchecked (no read-only check exists for it on this OS; it does not count).
import type { LoadedConfig } from "./config/load.js";
import { FAILURE_CODES, RelayError, type FailureCode } from "./errors.js";
import { CLIENT_TITLES, type CaStoreSetting, type ClientName } from "./policy/policy.js";
import { actingFor, runAsUser } from "./privilege/forUser.js";
import type { UserRequest } from "./privilege/userJob.js";

export interface StatusItem {
  id: string;
  title: string;
  state: "ok" | "missing" | "failed" | "unchecked";
  message: string;
  code?: FailureCode;
  hint?: string;
}

export interface StatusResult {
  compliant: boolean;
  /** OK, or NOT_ONBOARDED when an item is missing, or the first failed item's code. */
  code: FailureCode | "OK";
  configuration: { issuer: string; version: number; expiresAt: string };
  items: StatusItem[];
}

export interface StatusOptions {
  loaded: LoadedConfig;
  email?: string;
  clients?: ClientName[];
  caStore: CaStoreSetting;
  platform?: NodeJS.Platform;
  thunderbirdRoots?: string[];
  /** Home folder whose NSS databases count for `caStore` nss/user/auto (tests: a sandbox home). */
  home?: string;
}


export async function onboardingStatus(options: StatusOptions): Promise<StatusResult> {
  const { loaded } = options;
  const config = loaded.payload.config;
  const platform = options.platform ?? process.platform;
  const items: StatusItem[] = [];
  const check = async (id: string, title: string, body: () => Promise<Omit<StatusItem, "id" | "title">>) => {
    try {
      items.push({ id, title, ...(await body()) });
    } catch (err) {
      if (!(err instanceof RelayError)) throw err;
      items.push({ id, title, state: "failed", message: err.message, code: err.code, hint: FAILURE_CODES[err.code].hint });
    }
  };

  items.push({
    id: "configuration",
    title: "Organisation's configuration",
    state: "ok",
    message: `${config.organization.name}, version ${loaded.payload.ver}, signature verified, valid until ${loaded.expiresAt.toISOString()}`,
  });

  // The mail apps first: the root step and the Thunderbird step must agree on NSS (as in onboarding).
  const { detectClients } = await import("./clients/detect.js");
  const detected = await detectClients({ platform, ...(options.thunderbirdRoots ? { thunderbirdRoots: options.thunderbirdRoots } : {}), ...(options.home ? { home: options.home } : {}) });
  const wanted = options.clients ?? detected.filter((c) => c.installed).map((c) => c.client);

  const { planRoots, rootsState } = await import("./truststore/rotation.js");
  const roots = planRoots(config, { forInstall: false });
  const short = (sha: string) => `${sha.slice(0, 8)}…`;
  if (options.caStore === "none") {
    items.push({ id: "ca", title: "Root certificate", state: "unchecked", message: "managed policy or --ca-store none: the root is not managed in the system's stores" });
  } else {
    const { selectStores } = await import("./truststore/select.js");
    const stores = await selectStores({ choice: options.caStore, platform, interactive: false, ...(options.home ? { home: options.home } : {}) }).catch((err: unknown) => {
      if (!(err instanceof RelayError)) throw err;
      if (err.code === "CLIENT_NOT_FOUND" && options.caStore === "nss" && wanted.includes("thunderbird")) {
        items.push({ id: "ca", title: "Root certificate", state: "missing", message: "no NSS database yet: onboarding creates the Thunderbird profile's and adds the root there" });
      } else {
        items.push({ id: "ca", title: "Root certificate", state: "failed", message: err.message, code: err.code, hint: FAILURE_CODES[err.code].hint });
      }
      return [];
    });
    for (const store of stores) {
      await check(`ca:${store.store}:${store.location}`, `Root certificate in ${store.store}`, async () => {
        const r = await rootsState(store, roots);
        const problems = [
          ...(r.missing.length === 0 ? [] : [roots.install.length === 1 ? `not in ${store.location}` : `root(s) ${r.missing.map(short).join(", ")} not in ${store.location}`]),
          ...(r.retiredPresent.length === 0 ? [] : [`retired root(s) ${r.retiredPresent.map(short).join(", ")} still trusted there (${r.retiredWhere.flatMap((w) => w.where).join(", ")})`]),
        ];
        if (problems.length > 0) return { state: "missing", message: problems.join("; ") };
        return { state: "ok", message: `trusted in ${store.location}${roots.install.length > 1 ? ` (${roots.install.length} roots)` : ""}` };
      });
    }
  }

  if (wanted.length === 0) items.push({ id: "clients", title: "Mail apps", state: "unchecked", message: "no mail app found on this computer" });
  for (const client of wanted) {
    const found = detected.find((c) => c.client === client);
    await check(`client:${client}`, CLIENT_TITLES[client], async () => {
      if (!found?.installed) throw new RelayError("CLIENT_NOT_FOUND", `${CLIENT_TITLES[client]} was not found on this computer`);
      if (client !== "thunderbird") return { state: "unchecked", message: `${CLIENT_TITLES[client]} has no read-only check yet: status does not count it` };
      const profile = found.profiles.find((p) => p.isDefault) ?? found.profiles[0];
      if (!profile) throw new RelayError("CLIENT_NOT_FOUND", "no Thunderbird profile");
      const { thunderbirdPending } = await import("./clients/thunderbird/configure.js");
      // Windows and macOS: Thunderbird trusts the root only by reading the OS store (rootTrust.ts).
      const { thunderbirdRootTrust } = await import("./clients/thunderbird/rootTrust.js");
      const enterpriseRoots = options.caStore !== "none" && thunderbirdRootTrust(platform) === "os-store";
      // Root acting for a user reads the profile as that user (privilege/forUser.ts).
      const account = platform === "win32" ? undefined : await actingFor(options.home);
      const pending = account
        ? await runAsUser<string[]>(account, { kind: "pending", home: account.home, profile: profile.location, config, ...(options.email ? { email: options.email } : {}), enterpriseRoots } satisfies UserRequest, { what: "reading the Thunderbird profile", failure: "CLIENT_NOT_FOUND" })
        : await thunderbirdPending(profile.location, config, options.email, { enterpriseRoots });
      const who = options.email ? `${options.email} sends` : "an outgoing server points";
      if (pending.length > 0) return { state: "missing", message: `profile ${profile.name}: not yet set: ${pending.join(", ")}` };
      return { state: "ok", message: `profile ${profile.name}: ${who} through ${config.submission.host}:${config.submission.port} (${config.submission.security === "tls" ? "SSL/TLS" : "STARTTLS"})` };
    });
  }

  const failed = items.find((i) => i.state === "failed");
  const missing = items.some((i) => i.state === "missing");
  return {
    compliant: !failed && !missing,
    code: failed?.code ?? (missing ? "NOT_ONBOARDED" : "OK"),
    configuration: { issuer: loaded.payload.iss, version: loaded.payload.ver, expiresAt: loaded.expiresAt.toISOString() },
    items,
  };
}
