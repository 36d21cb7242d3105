// Classic Outlook (Windows): a PRF profile file for an IMAP or POP account that sends through the
// relay. Outlook only honours a key in an account section when the PRF also maps it to its MAPI
// property (Section 7 of Microsoft's PRF format); an unmapped key is silently ignored, so every key
// written in [Account1] has its mapping below. No password is ever written.
import type { OrgConfig } from "../../config/schema.js";
import { applyUsernameTemplate } from "../../config/template.js";
import { RelayError } from "../../errors.js";

const IDENTITY_MAPPINGS = {
  AccountName: "PT_UNICODE,0x0002",
  DisplayName: "PT_UNICODE,0x000B",
  EmailAddress: "PT_UNICODE,0x000C",
} as const;

/** The SMTP half, the same for IMAP and POP accounts. */
const SMTP_MAPPINGS = {
  SMTPServer: "PT_UNICODE,0x0200",
  SMTPUseAuth: "PT_LONG,0x0203",
  SMTPAuthMethod: "PT_LONG,0x0208",
  SMTPUserName: "PT_UNICODE,0x0204",
  SMTPUseSPA: "PT_LONG,0x0207",
  ConnectionType: "PT_LONG,0x000F",
  ConnectionOID: "PT_UNICODE,0x0010",
  SMTPPort: "PT_LONG,0x0201",
  SMTPSecureConnection: "PT_LONG,0x020A",
  ServerTimeOut: "PT_LONG,0x0209",
} as const;

/** Section 7 of the documented PRF format: account keys → MAPI property type and id. */
export const ACCOUNT_MAPPINGS = {
  IMAP_I_Mail: {
    AccountType: "IMAP",
    ...IDENTITY_MAPPINGS,
    IMAPServer: "PT_UNICODE,0x0100",
    IMAPUserName: "PT_UNICODE,0x0101",
    IMAPUseSPA: "PT_LONG,0x0108",
    Organization: "PT_UNICODE,0x0107",
    ReplyEmailAddress: "PT_UNICODE,0x0103",
    IMAPPort: "PT_LONG,0x0104",
    IMAPUseSSL: "PT_LONG,0x0105",
    ...SMTP_MAPPINGS,
    CheckNewImap: "PT_LONG,0x1100",
    RootFolder: "PT_UNICODE,0x1101",
  },
  I_Mail: {
    AccountType: "POP3",
    ...IDENTITY_MAPPINGS,
    POP3Server: "PT_UNICODE,0x0100",
    POP3UserName: "PT_UNICODE,0x0101",
    POP3UseSPA: "PT_LONG,0x0108",
    Organization: "PT_UNICODE,0x0107",
    ReplyEmailAddress: "PT_UNICODE,0x0103",
    POP3Port: "PT_LONG,0x0104",
    POP3UseSSL: "PT_LONG,0x0105",
    ...SMTP_MAPPINGS,
    LeaveOnServer: "PT_LONG,0x1000",
  },
} as const;

/** SMTPSecureConnection: 0 none, 1 SSL (implicit TLS), 2 TLS (STARTTLS), 3 auto. Never 0 or 3 here. */
export const SMTP_SECURE = { tls: 1, starttls: 2 } as const;

export interface OutlookRequest {
  config: OrgConfig;
  email: string;
  fullName?: string;
}

export interface PrfDocument {
  sections: Array<{ name: string; entries: Array<[string, string]> }>;
}

function clean(value: string, what: string): string {
  if (/[\r\n\0]/.test(value)) throw new RelayError("BAD_INPUT", `the ${what} contains a line break or NUL`);
  return value;
}

export function buildPrf(request: OutlookRequest): PrfDocument {
  const { config, email } = request;
  const incoming = config.incoming;
  if (!incoming) throw new RelayError("BAD_INPUT", "classic Outlook needs an incoming (IMAP or POP) server, and the configuration has none");
  if (!config.submission.auth.some((m) => m === "PLAIN" || m === "LOGIN" || m === "NTLM")) {
    throw new RelayError("BAD_INPUT", `Outlook's internet accounts cannot use ${config.submission.auth.join(", ")} for sending`);
  }
  const sub = config.submission;
  const imap = incoming.protocol === "imap";
  const type = imap ? "IMAP_I_Mail" : "I_Mail";
  const p = imap ? "IMAP" : "POP3";
  const name = clean(request.fullName ?? email.slice(0, email.lastIndexOf("@")), "name");
  const smtpUser = applyUsernameTemplate(sub.username, email);
  const account: Array<[string, string]> = [
    ["AccountName", clean(`${config.organization.name} (${email})`, "organisation name")],
    ["DisplayName", name],
    ["EmailAddress", email],
    ["Organization", clean(config.organization.name, "organisation name")],
    [`${p}Server`, incoming.host],
    [`${p}UserName`, applyUsernameTemplate(incoming.username, email)],
    [`${p}UseSPA`, "0"],
    [`${p}Port`, String(incoming.port)],
    // IMAPUseSSL/POP3UseSSL: 1 = encrypted (the configuration allows nothing else).
    [`${p}UseSSL`, "1"],
    ["SMTPServer", sub.host],
    ["SMTPUseAuth", "1"],
    // 1 = "log on using" the SMTP user name below (not the incoming server's settings).
    ["SMTPAuthMethod", "1"],
    ["SMTPUserName", smtpUser],
    ["SMTPUseSPA", sub.auth[0] === "NTLM" ? "1" : "0"],
    ["SMTPPort", String(sub.port)],
    ["SMTPSecureConnection", String(SMTP_SECURE[sub.security])],
    ["ConnectionType", "0"],
  ];
  const mapping = ACCOUNT_MAPPINGS[type];
  return {
    sections: [
      {
        name: "General",
        entries: [
          ["Custom", "1"],
          ["ProfileName", clean(config.organization.name, "organisation name")],
          ["DefaultProfile", "Yes"],
          // Append: add the account to the profile Outlook already has, keeping everything else.
          ["OverwriteProfile", "Append"],
          ["ModifyDefaultProfileIfPresent", "TRUE"],
          ["BackupProfile", "No"],
        ],
      },
      { name: "Internet Account List", entries: [["Account1", type]] },
      { name: "Account1", entries: [["UniqueService", "No"], ...account] },
      { name: type, entries: Object.entries(mapping) },
    ],
  };
}

/** The PRF text: CRLF line endings; written as UTF-16LE with a BOM so names outside ANSI survive. */
export function renderPrf(doc: PrfDocument): string {
  const lines = ["; Outlook profile (PRF) written by Relay Onboard. It holds no password."];
  for (const section of doc.sections) {
    lines.push("", `[${section.name}]`, ...section.entries.map(([k, v]) => `${k}=${v}`));
  }
  return lines.join("\r\n") + "\r\n";
}

export function encodePrf(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
}

/** What to type into new Outlook for Windows, which cannot import a PRF — in the names its Advanced setup form uses. */
export function manualSteps(request: OutlookRequest): string[] {
  const { config, email } = request;
  const sub = config.submission;
  const incoming = config.incoming;
  const kind = incoming?.protocol === "pop3" ? "POP" : "IMAP";
  const security = (s: "tls" | "starttls") => (s === "tls" ? "SSL/TLS" : "STARTTLS");
  const steps = [`Add account → Advanced setup → ${kind}; Email address: ${email}`];
  if (incoming) {
    steps.push(`${kind} incoming server: ${incoming.host}; Port: ${incoming.port}; Secure connection type: ${security(incoming.security)}; ${kind} username: ${applyUsernameTemplate(incoming.username, email)}`);
  }
  steps.push(`SMTP outgoing server: ${sub.host}; Port: ${sub.port}; Secure connection type: ${security(sub.security)}`);
  steps.push(`SMTP username: ${applyUsernameTemplate(sub.username, email)}; SMTP password: your password`);
  return steps;
}
