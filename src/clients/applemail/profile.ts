// Apple Mail through a configuration profile (.mobileconfig): macOS no longer lets a tool write
// Mail's accounts, and a profile is what MDM pushes anyway. One com.apple.mail.managed payload
// (incoming and outgoing server; never a password) and one com.apple.security.root payload with the
// pinned root. PayloadIdentifiers are stable for the organisation and address, so installing a newer
// profile replaces the older one; PayloadUUIDs are fresh each time, as Apple expects.
import { createHash, randomUUID } from "node:crypto";
import { build } from "plist";
import type { OrgConfig } from "../../config/schema.js";
import { currentRoots } from "../../config/roots.js";
import { applyUsernameTemplate } from "../../config/template.js";
import { singleCertificateDer } from "../../certs/pem.js";
import { RelayError } from "../../errors.js";

export interface AppleMailRequest {
  iss: string;
  config: OrgConfig;
  email: string;
  fullName?: string;
  uuid?: () => string;
}

const AUTH: Record<string, string> = { PLAIN: "EmailAuthPassword", LOGIN: "EmailAuthPassword", "CRAM-MD5": "EmailAuthCRAMMD5", NTLM: "EmailAuthNTLM" };

/** The first allowed mechanism Apple Mail can do (profiles have no OAuth2). */
export function appleAuthFor(mechanisms: readonly string[]): string {
  const hit = mechanisms.find((m) => AUTH[m]);
  if (!hit) throw new RelayError("BAD_INPUT", `Apple Mail profiles cannot use ${mechanisms.join(", ")} (no password-based mechanism is allowed)`);
  return AUTH[hit]!;
}

/** A reverse-DNS identifier stable for this organisation and address. */
export function profileIdentifier(iss: string, email: string): string {
  const org = iss.toLowerCase().replace(/[^a-z0-9.-]/g, "-").split(".").reverse().join(".");
  const who = createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 12);
  return `org.relayonboard.${org}.${who}`;
}

export type PlistObject = { [key: string]: PlistNode };
export type PlistNode = string | number | boolean | Buffer | Date | PlistNode[] | PlistObject;

export function buildProfileObject(request: AppleMailRequest): PlistObject {
  const { config, email } = request;
  const uuid = request.uuid ?? (() => randomUUID().toUpperCase());
  const incoming = config.incoming;
  if (!incoming) throw new RelayError("BAD_INPUT", "Apple Mail needs an incoming (IMAP or POP) server, and the configuration has none");
  const sub = config.submission;
  const base = profileIdentifier(request.iss, email);
  const org = config.organization.name;
  const mail: PlistObject = {
    PayloadType: "com.apple.mail.managed",
    PayloadVersion: 1,
    PayloadIdentifier: `${base}.mail`,
    PayloadUUID: uuid(),
    PayloadDisplayName: `${org} mail`,
    PayloadOrganization: org,
    EmailAccountDescription: `${org} (${email})`,
    EmailAccountName: request.fullName ?? email.slice(0, email.lastIndexOf("@")),
    EmailAccountType: incoming.protocol === "imap" ? "EmailTypeIMAP" : "EmailTypePOP",
    EmailAddress: email,
    IncomingMailServerAuthentication: "EmailAuthPassword",
    IncomingMailServerHostName: incoming.host,
    IncomingMailServerPortNumber: incoming.port,
    // Mail uses TLS on the implicit-TLS ports and STARTTLS on the others when this is true.
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: applyUsernameTemplate(incoming.username, email),
    OutgoingMailServerAuthentication: appleAuthFor(sub.auth),
    OutgoingMailServerHostName: sub.host,
    OutgoingMailServerPortNumber: sub.port,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerUsername: applyUsernameTemplate(sub.username, email),
    OutgoingPasswordSameAsIncomingPassword: true,
  };
  // One root payload per current root (two during a rotation). A retired root needs no payload:
  // installing this profile replaces the previous one (same identifier), and macOS removes the
  // certificates whose payloads are gone.
  const roots: PlistObject[] = currentRoots(config).map((r, i) => ({
    PayloadType: "com.apple.security.root",
    PayloadVersion: 1,
    PayloadIdentifier: i === 0 ? `${base}.root` : `${base}.root.${r.sha256.slice(0, 16)}`,
    PayloadUUID: uuid(),
    PayloadDisplayName: i === 0 ? `${org} root certificate` : `${org} next root certificate`,
    PayloadOrganization: org,
    PayloadCertificateFileName: i === 0 ? "organisation-root.cer" : `organisation-root-${r.sha256.slice(0, 8)}.cer`,
    PayloadContent: singleCertificateDer(r.pem),
  }));
  return {
    PayloadType: "Configuration",
    PayloadVersion: 1,
    PayloadIdentifier: base,
    PayloadUUID: uuid(),
    PayloadDisplayName: `${org}: secure mail`,
    PayloadDescription: `Sets up Mail for ${email} to send through ${sub.host} with TLS, and trusts ${org}'s root certificate.`,
    PayloadOrganization: org,
    PayloadScope: "User",
    PayloadContent: [...roots, mail],
  };
}

export function buildMobileconfig(request: AppleMailRequest): string {
  return build(buildProfileObject(request));
}
