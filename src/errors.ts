// RelayError and the failure-code catalogue (DESIGN.md "Failure codes"): each code with its
// one-line meaning and the hint a helpdesk acts on. A leaf module: it imports nothing of ours, so
// every layer may throw coded failures without depending on a higher one. This table is the single
// source: the CLI, the reports, the app and the helpdesk docs read it.

export const FAILURE_CODES = {
  CONFIG_BAD_SIGNATURE: {
    title: "The configuration's signature does not verify",
    hint: "The file was changed after IT signed it, or it did not come from your IT department. Do not use it; ask IT for the official configuration.",
  },
  CONFIG_UNKNOWN_KEY: {
    title: "The configuration is not signed by a trusted key",
    hint: "It was signed by a key this computer does not trust, or by too few trusted keys. Ask IT whether their signing keys were rotated.",
  },
  CONFIG_ALG_NOT_ALLOWED: {
    title: "The configuration uses a signature algorithm that is not allowed",
    hint: "Only EdDSA (Ed25519) and ES256 signatures are accepted. This document was forged or produced by the wrong tool; report it to IT.",
  },
  CONFIG_EXPIRED: {
    title: "The configuration has expired",
    hint: "Ask IT for a current configuration (they re-sign it with `relay-onboard config sign`). Also check this computer's date and time.",
  },
  CONFIG_NOT_YET_VALID: {
    title: "The configuration is not valid yet",
    hint: "Check this computer's date and time; if they are right, ask IT, since the document was issued with a future date.",
  },
  CONFIG_ROLLBACK: {
    title: "The configuration is older than one already used on this computer",
    hint: "Someone may be replaying an old configuration. Ask IT for the current one; do not delete the state file to get around this.",
  },
  CONFIG_INVALID: {
    title: "The configuration's contents are not valid",
    hint: "The document is signed but its contents do not follow the configuration format. Send the message to IT so they can correct and re-sign it.",
  },
  CONFIG_TOO_LARGE: {
    title: "The configuration is too large",
    hint: "Configurations are capped at 64 KiB. Check the address points at the configuration and not at some other file.",
  },
  CONFIG_FETCH_FAILED: {
    title: "The configuration could not be downloaded",
    hint: "Check the internet connection and that the address starts with https://. If the message says the certificate is not trusted, the configuration server's certificate must come from a public CA or from one in this computer's trust store. If it persists, give the message to the helpdesk.",
  },
  DNS_FAILED: {
    title: "The server's name does not resolve",
    hint: "Check the internet connection and the server name. A VPN or captive portal may be hiding the organisation's names.",
  },
  CONNECT_REFUSED: {
    title: "The server refused the connection",
    hint: "Nothing is listening on that port, or a firewall actively refuses it. Check the port; try the other submission port (465/587).",
  },
  CONNECT_TIMEOUT: {
    title: "No answer from the server",
    hint: "A firewall or the network provider is blocking the port. Try another network, or the other submission port (465/587).",
  },
  GREETING_TIMEOUT: {
    title: "Connected, but the server never greeted",
    hint: "Something on the path (a proxy or antivirus) holds the connection, or the server is overloaded. Try another network.",
  },
  TIMEOUT: {
    title: "The server stopped answering",
    hint: "A step took longer than its deadline. Try again; if it persists, send the report to the helpdesk.",
  },
  PROTOCOL_ERROR: {
    title: "The server sent a malformed or oversized reply",
    hint: "This is not a well-behaved mail server, or something on the path is altering the conversation. Send the report to the helpdesk.",
  },
  STARTTLS_NOT_OFFERED: {
    title: "The server does not offer encryption (STARTTLS)",
    hint: "The relay must offer STARTTLS on this port. Check you are connecting to the right host and port; the helpdesk should check the relay.",
  },
  STARTTLS_STRIPPED: {
    title: "Encryption was removed on the way (STARTTLS masked)",
    hint: "A firewall or antivirus is inspecting mail traffic and hid STARTTLS. Use another network or port 465; IT should disable SMTP inspection.",
  },
  STARTTLS_REFUSED: {
    title: "The server refused to start encryption",
    hint: "The relay answered STARTTLS with an error. The helpdesk should check the relay's TLS configuration.",
  },
  RESPONSE_INJECTION: {
    title: "Extra data was injected before encryption started",
    hint: "Something on the network tried to tamper with the session, or the relay is broken. Do not send mail from this network; report it to IT.",
  },
  TLS_HANDSHAKE_FAILED: {
    title: "The encrypted connection could not be set up",
    hint: "The TLS handshake failed. Send the report to the helpdesk; a proxy or antivirus may be interfering.",
  },
  TLS_VERSION_TOO_OLD: {
    title: "The server only offers an outdated TLS version",
    hint: "TLS 1.2 or newer is required. IT must update the relay's TLS settings.",
  },
  CERT_UNTRUSTED: {
    title: "The server's certificate is not from the organisation",
    hint: "The certificate does not chain to the organisation's root. If it names another issuer, the connection is being intercepted; use another network and tell IT.",
  },
  CERT_HOSTNAME_MISMATCH: {
    title: "The server's certificate is for another name",
    hint: "The certificate does not cover the configured server name. Check the host name; IT must fix the relay's certificate.",
  },
  CERT_EXPIRED: {
    title: "The server's certificate has expired",
    hint: "Check this computer's date and time; otherwise IT must renew the relay's certificate.",
  },
  CERT_EXPIRING: {
    title: "The server's certificate expires soon",
    hint: "Sending works today. IT should renew the relay's certificate before it expires (a warning, not a failure).",
  },
  LOGIN_NOT_TESTED: {
    title: "The login was not tested",
    hint: "Run the check with the user's login (--user with --password-env or --password-stdin) to know whether sending works; this run stopped after TLS (a warning, not a pass).",
  },
  CERT_NOT_YET_VALID: {
    title: "The server's certificate is not valid yet",
    hint: "Check this computer's date and time; otherwise IT issued the certificate with a future date.",
  },
  AUTH_NOT_OFFERED: {
    title: "The server does not offer login after encryption",
    hint: "This port does not accept logins. Check the host and port; the helpdesk should check the relay's submission settings.",
  },
  AUTH_MECHANISM_UNAVAILABLE: {
    title: "None of the allowed login methods is offered",
    hint: "The relay offers no login method the configuration allows. IT must align the relay and the configuration.",
  },
  AUTH_FAILED: {
    title: "The user name or password was rejected",
    hint: "Check the email address and password (caps lock, keyboard layout). If they are right, the helpdesk should check the account is allowed to send.",
  },
  SENDER_REJECTED: {
    title: "The server refused the sender address",
    hint: "The account may not send as this address. Check the email address; the helpdesk should check the account's sending rights.",
  },
  RELAY_DENIED: {
    title: "The server refuses to relay for this account",
    hint: "Logged in, but sending outside the organisation is refused. The helpdesk should check the account's relay permission.",
  },
  OPEN_RELAY: {
    title: "The inbound server relays mail for anyone",
    hint: "The MX accepted mail for an outside domain without a login. IT must restrict relaying on the inbound server at once.",
  },
  TLS_NOT_REQUIRED: {
    title: "The relay accepts logins or mail without encryption",
    hint: "The relay answered AUTH or MAIL before STARTTLS. IT must require TLS before authentication on the submission port.",
  },
  AUTH_NOT_REQUIRED: {
    title: "The relay relays mail without a login",
    hint: "The relay accepted an outside recipient from an anonymous sender. IT must require authentication on the submission port.",
  },
  CA_REJECTED: {
    title: "The certificate offered for install is not acceptable",
    hint: "It is not a CA certificate, is outside its validity period, or does not match the pinned fingerprint. Nothing was installed; tell IT.",
  },
  CA_INSTALL_FAILED: {
    title: "The organisation's root certificate could not be installed",
    hint: "The trust store refused it or the install was declined. Try again and accept the system prompt, or ask the helpdesk to install it.",
  },
  CLIENT_RUNNING: {
    title: "The mail app is open",
    hint: "Close the mail app completely, then try again.",
  },
  CLIENT_NOT_FOUND: {
    title: "The mail app or its profile was not found",
    hint: "The mail app is not installed on this computer, or has never been started. Start it once, close it, and try again.",
  },
  // Added by this tool beyond DESIGN.md's table: the command line itself was misused.
  USAGE: {
    title: "The command was not used correctly",
    hint: "Run the command with --help to see its options.",
  },
  KEYCHAIN_FAILED: {
    title: "The password could not be kept in the system keychain",
    hint: "The test still ran; the password was not saved anywhere. Unlock the keychain (or sign in again) and retry, or type the password in the mail app.",
  },
  ALREADY_RUNNING: {
    title: "Another onboarding is already running",
    hint: "Wait for the other run to finish (MDM may have started it), then try again.",
  },
  BAD_INPUT: {
    title: "An input file or value is not valid",
    hint: "Check the file named in the message; --help describes what each option expects.",
  },
  CLIENT_LOCKED_BY_POLICY: {
    title: "IT's deployment fixes a mail setting Relay Onboard must change",
    hint: "A policy or autoconfig file installed with the mail app locks or resets the setting named in the message. Give the message to IT: the policy must allow the relay's settings.",
  },
  CLIENT_WRITE_FAILED: {
    title: "The mail app's settings could not be written or handed over",
    hint: "The settings file was not written, or the mail app (or the OS) refused to import or open it. Nothing was half-changed; give the message to the helpdesk.",
  },
  STATE_WRITE_FAILED: {
    title: "Relay Onboard's own files could not be written",
    hint: "The folder named in the message (its state, lock, log or report folder) is full, read-only or not writable. Free some space or fix its permissions, then run it again; nothing was half-written.",
  },
  REPORT_SEND_FAILED: {
    title: "The report could not be sent to the helpdesk",
    hint: "The helpdesk's report address could not be reached or refused the report; it is still saved on this computer. Tell the helpdesk your reference, or send the saved file another way.",
  },
  NOT_ONBOARDED: {
    title: "This computer is not (fully) set up for the relay",
    hint: "The items marked missing say what is left: run `relay-onboard onboard --yes` (or the app) for this user, then check again.",
  },
  INTERNAL: {
    title: "Relay Onboard hit an unexpected error (a bug)",
    hint: "This is a fault in Relay Onboard, not in your input or your network. Send the message and the log it names to the helpdesk.",
  },
} as const satisfies Record<string, { title: string; hint: string }>;

export type FailureCode = keyof typeof FAILURE_CODES;

export function isFailureCode(value: string): value is FailureCode {
  return Object.hasOwn(FAILURE_CODES, value);
}

const ACTION_FAILED: ReadonlySet<FailureCode> = new Set<FailureCode>(["CA_INSTALL_FAILED", "CLIENT_RUNNING", "CLIENT_NOT_FOUND", "CLIENT_WRITE_FAILED", "CLIENT_LOCKED_BY_POLICY", "ALREADY_RUNNING", "KEYCHAIN_FAILED", "STATE_WRITE_FAILED", "REPORT_SEND_FAILED"]);

/**
 * Exit status for a failure code (DESIGN.md): 2 usage/bad input, 3 configuration rejected,
 * 4 an action failed, 5 a bug, 1 a check found a problem.
 */
export function exitStatusFor(code: FailureCode): 1 | 2 | 3 | 4 | 5 {
  if (code === "INTERNAL") return 5;
  if (code === "USAGE" || code === "BAD_INPUT") return 2;
  if (code.startsWith("CONFIG_") || code === "CA_REJECTED") return 3;
  if (ACTION_FAILED.has(code)) return 4;
  return 1;
}

/**
 * Facts about one occurrence, kept apart from the sentence so reports and the app can show them
 * their own way: the server's reply, the command it answered, the configuration claim at fault.
 */
export interface FailureDetails {
  /** The server's reply as received (code and last line), already made printable. */
  reply?: string;
  /** The protocol command or the operation that failed ("RCPT TO", "certutil -A", …). */
  command?: string;
  /** The configuration field or JWT claim at fault ("exp", "config.rootCa.sha256", …). */
  claim?: string;
  /** Where more is written (a log file). */
  log?: string;
}

/**
 * A failure with a stable code. `summary` is one plain sentence specific to this occurrence;
 * `details` holds the raw facts; `message` joins the two for one-line displays and logs.
 */
export class RelayError extends Error {
  override readonly name = "RelayError";
  readonly summary: string;
  readonly details: FailureDetails;
  constructor(
    readonly code: FailureCode,
    summary: string,
    options: FailureDetails & { cause?: unknown } = {},
  ) {
    const { cause, ...details } = options;
    super(details.reply === undefined ? summary : `${summary}: ${details.reply}`, cause === undefined ? undefined : { cause });
    this.summary = summary;
    this.details = details;
  }

  get hint(): string {
    return FAILURE_CODES[this.code].hint;
  }
}

/**
 * An exception that is not a RelayError is a bug: it becomes INTERNAL (exit 5), never a
 * complaint about the user's input. `log` names where the details (the stack) were written.
 */
export function asRelayError(err: unknown, log?: string): RelayError {
  if (err instanceof RelayError) return err;
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const where = log ? ` Details are in ${log}.` : "";
  return new RelayError("INTERNAL", `unexpected error, a bug in Relay Onboard (not your input): ${what}.${where}`, { cause: err, ...(log ? { log } : {}) });
}
