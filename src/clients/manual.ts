// The settings a user types into any mail app by hand, for the app's "Set up by hand" panel
// (which labels them in the user's language, each value with a copy button). From the verified
// configuration only.
import type { OrgConfig } from "../config/schema.js";
import { applyUsernameTemplate } from "../config/template.js";

export interface ServerSettings {
  host: string;
  port: number;
  security: "starttls" | "tls";
  user: string;
}

export interface ManualSettings {
  email: string;
  smtp: ServerSettings;
  incoming?: ServerSettings & { protocol: "imap" | "pop3" };
}

export function manualSettings(config: OrgConfig, email: string): ManualSettings {
  const sub = config.submission;
  const inc = config.incoming;
  return {
    email,
    smtp: { host: sub.host, port: sub.port, security: sub.security, user: applyUsernameTemplate(sub.username, email) },
    ...(inc ? { incoming: { protocol: inc.protocol, host: inc.host, port: inc.port, security: inc.security, user: applyUsernameTemplate(inc.username, email) } } : {}),
  };
}
