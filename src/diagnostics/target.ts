// The one place the relay test's options are built from a verified configuration: the relay as
// configured, and for a user of the organisation the login name from the template, the user's
// own address as sender and internal recipient, and the configured probe recipient.
import { anchorsPem } from "../config/roots.js";
import type { OrgConfig } from "../config/schema.js";
import { applyUsernameTemplate } from "../config/template.js";
import type { SubmissionOptions } from "./submission.js";

export type RelayTarget = Pick<SubmissionOptions, "host" | "port" | "security" | "caPem" | "mechanisms">;
export type UserSubmission = RelayTarget & Pick<SubmissionOptions, "credentials" | "from" | "externalRecipient">;

export function relayTarget(config: OrgConfig): RelayTarget {
  const { host, port, security, auth } = config.submission;
  return { host, port, security, caPem: anchorsPem(config), mechanisms: auth };
}

/** The submission test for `email`; it logs in only when a password is given. */
export function userSubmission(config: OrgConfig, email: string, password?: string): UserSubmission {
  return {
    ...relayTarget(config),
    from: email,
    ...(password !== undefined ? { credentials: { user: applyUsernameTemplate(config.submission.username, email), secret: password } } : {}),
    ...(config.probe ? { externalRecipient: config.probe.externalRecipient } : {}),
  };
}
