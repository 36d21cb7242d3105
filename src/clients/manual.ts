// The settings a user types into any mail app by hand, as label/value pairs for the app's
// "Set up by hand" panel (each value gets a copy button). From the verified configuration only.
import type { OrgConfig } from "../config/schema.js";
import { applyUsernameTemplate } from "../config/template.js";

export interface ManualItem {
  label: string;
  value: string;
}

const securityName = (security: "starttls" | "tls") => (security === "tls" ? "SSL/TLS" : "STARTTLS");

export function manualSettings(config: OrgConfig, email: string): ManualItem[] {
  const sub = config.submission;
  const items: ManualItem[] = [
    { label: "Email address", value: email },
    { label: "Outgoing (SMTP) server", value: sub.host },
    { label: "Outgoing port", value: String(sub.port) },
    { label: "Outgoing security", value: securityName(sub.security) },
    { label: "Outgoing sign-in", value: "Normal password (required)" },
    { label: "Outgoing user name", value: applyUsernameTemplate(sub.username, email) },
  ];
  const inc = config.incoming;
  if (inc) {
    items.push(
      { label: `Incoming (${inc.protocol === "pop3" ? "POP3" : "IMAP"}) server`, value: inc.host },
      { label: "Incoming port", value: String(inc.port) },
      { label: "Incoming security", value: securityName(inc.security) },
      { label: "Incoming user name", value: applyUsernameTemplate(inc.username, email) },
    );
  }
  return items;
}
