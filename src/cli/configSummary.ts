// How a verified configuration is shown: the text summary and the JSON document.
import type { LoadedConfig } from "../config/load.js";
import { formatFingerprint } from "../certs/fingerprint.js";
import { inspectCaCertificate } from "../certs/pem.js";
import { formatTimestamp } from "../time.js";

export function describeConfig(loaded: LoadedConfig): string {
  const { payload } = loaded;
  const { organization, submission, rootCa } = payload.config;
  const ca = inspectCaCertificate(rootCa.pem).cert;
  const lines = [
    `Configuration verified: ${organization.name} (issuer ${payload.iss}), version ${payload.ver}`,
    `  source:     ${loaded.source}`,
    `  signed by:  ${loaded.signers.join(", ")} (${loaded.alg})`,
    `  issued:     ${formatTimestamp(loaded.issuedAt)}   expires: ${formatTimestamp(loaded.expiresAt)}`,
    `  relay:      ${submission.host}:${submission.port} ${submission.security === "tls" ? "implicit TLS" : "STARTTLS"}, login ${submission.auth.join(", ")}`,
    `  root CA:    ${ca.subject.replace(/\n/g, ", ")}`,
    `  SHA-256:    ${formatFingerprint(rootCa.sha256)}`,
  ];
  // A rotation in progress: the next root(s) trusted alongside, and the old one(s) being removed.
  for (const next of payload.config.additionalRoots ?? []) {
    lines.push(`  also trust: ${inspectCaCertificate(next.pem).cert.subject.replace(/\n/g, ", ")}`, `  SHA-256:    ${formatFingerprint(next.sha256)}`);
  }
  for (const old of payload.config.retiredRoots ?? []) {
    lines.push(`  retired:    ${old.subject ? `${old.subject}, ` : ""}SHA-256 ${formatFingerprint(old.sha256)}`);
  }
  if (organization.support?.email || organization.support?.phone) {
    lines.push(`  helpdesk:   ${[organization.support.email, organization.support.phone].filter(Boolean).join(", ")}`);
  }
  return lines.join("\n") + "\n";
}

export function configSummaryJson(loaded: LoadedConfig) {
  return {
    ok: true,
    code: "OK",
    source: loaded.source,
    iss: loaded.payload.iss,
    ver: loaded.payload.ver,
    previousVer: loaded.previousVer ?? null,
    issuedAt: loaded.issuedAt.toISOString(),
    expiresAt: loaded.expiresAt.toISOString(),
    alg: loaded.alg,
    signers: loaded.signers,
    config: loaded.payload.config,
  };
}
