// The Thunderbird preferences that make an account send through the relay, written as
// Thunderbird's own account setup writes them (CreateInBackend in Thunderbird 153, compared in
// test/integration/thunderbird-account-setup.test.ts): the outgoing server (mail.smtpserver.*),
// and — when the configuration names an incoming server — an account with its incoming server and
// an identity whose Sent, Drafts and Templates live on that server. An account the user already
// has is never rewritten: only the account whose incoming server is the configured one (same type,
// host and user) is reused; an account for the same address elsewhere stays as it is, and ours is
// added beside it. Without an incoming server nothing Thunderbird cannot load is made: the relay
// becomes the default outgoing server, and an existing account for the address sends through it.
// Entries of a previous run are recognised, so a second run changes nothing.
import type { OrgConfig } from "../../config/schema.js";
import { applyUsernameTemplate } from "../../config/template.js";
import type { PrefValue } from "./prefs.js";

/** mail.smtpserver.*.try_ssl / mail.server.*.socketType: 2 = STARTTLS, 3 = SSL/TLS. Never 0 or 1. */
export const SOCKET_TYPE = { starttls: 2, tls: 3 } as const;

/** mail.smtpserver.*.authMethod for the first allowed mechanism (nsMsgAuthMethod). */
export function authMethodFor(mechanisms: readonly string[]): number {
  const first = mechanisms[0];
  switch (first) {
    case "CRAM-MD5":
      return 4;
    case "NTLM":
      return 6;
    case "XOAUTH2":
      return 10;
    default:
      return 3; // PLAIN or LOGIN: "normal password", only ever over TLS here
  }
}

const list = (value: PrefValue | undefined): string[] =>
  typeof value === "string" && value.trim() !== "" ? value.split(",").map((s) => s.trim()).filter(Boolean) : [];

/** The lowest key "<prefix>N" (N >= 1) not used in `taken`. */
function freeKey(prefix: string, taken: Set<string>): string {
  for (let n = 1; ; n++) if (!taken.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

/** Keys appearing in pref names like mail.identity.<key>.something. */
function keysUnder(prefs: ReadonlyMap<string, PrefValue>, branch: string): Set<string> {
  const keys = new Set<string>();
  for (const name of prefs.keys()) {
    if (name.startsWith(branch)) {
      const key = name.slice(branch.length).split(".")[0];
      if (key) keys.add(key);
    }
  }
  return keys;
}

export interface AccountRequest {
  config: OrgConfig;
  email: string;
  fullName?: string;
}

/** An account the user already has, by what Thunderbird shows of it. */
export interface ExistingAccount {
  /** The account's name in Thunderbird's folder pane (its server's name). */
  name: string;
  protocol: string;
  host: string;
}

/**
 * What happens to the user's accounts, for the dry run and the app's plan to say: ours "added"
 * (beside the address's other accounts, which stay as they are), the configured server's own
 * account "updated" in place, the address's existing account "sends" through the relay (no
 * incoming server), or "none" — no account to make or use: the user adds it in Thunderbird.
 */
export type AccountOutcome =
  | { action: "added"; protocol: "imap" | "pop3"; host: string; beside: ExistingAccount[] }
  | { action: "updated"; account: ExistingAccount }
  | { action: "sends"; account: ExistingAccount }
  | { action: "none" };

export interface AccountPlan {
  updates: Map<string, PrefValue>;
  account: AccountOutcome;
  smtpKey: string;
  /** Absent when there is no incoming server and no account of the address to attach to. */
  identityKey?: string;
  accountKey?: string;
  serverKey?: string;
}

export function planThunderbirdAccount(prefs: ReadonlyMap<string, PrefValue>, request: AccountRequest): AccountPlan {
  const { config, email } = request;
  const sub = config.submission;
  const username = applyUsernameTemplate(sub.username, email);
  const updates = new Map<string, PrefValue>();
  const str = (name: string) => (typeof prefs.get(name) === "string" ? (prefs.get(name) as string) : undefined);

  // Outgoing server: reuse one for the same host and user — a listed one first, else one a run
  // killed between prefs.js and user.js wrote but user.js's list hides — otherwise a new key.
  const smtpKeys = list(prefs.get("mail.smtpservers"));
  const allSmtp = new Set([...smtpKeys, ...keysUnder(prefs, "mail.smtpserver.")]);
  const relayServer = (k: string) => str(`mail.smtpserver.${k}.hostname`)?.toLowerCase() === sub.host.toLowerCase() && str(`mail.smtpserver.${k}.username`) === username;
  const smtpKey = smtpKeys.find(relayServer) ?? [...allSmtp].find(relayServer) ?? freeKey("smtp", allSmtp);
  if (!smtpKeys.includes(smtpKey)) updates.set("mail.smtpservers", [...smtpKeys, smtpKey].join(","));
  const smtp = `mail.smtpserver.${smtpKey}`;
  updates.set(`${smtp}.type`, "smtp");
  updates.set(`${smtp}.hostname`, sub.host);
  updates.set(`${smtp}.port`, sub.port);
  updates.set(`${smtp}.try_ssl`, SOCKET_TYPE[sub.security]);
  updates.set(`${smtp}.authMethod`, authMethodFor(sub.auth));
  updates.set(`${smtp}.username`, username);
  updates.set(`${smtp}.description`, `${config.organization.name} (secure relay)`);
  // A default naming no listed server is no default (Thunderbird cannot use it): ours becomes it.
  const defaultServer = str("mail.smtp.defaultserver");
  if (!defaultServer || (defaultServer !== smtpKey && !smtpKeys.includes(defaultServer))) updates.set("mail.smtp.defaultserver", smtpKey);

  const accounts = list(prefs.get("mail.accountmanager.accounts"));
  // Listed accounts first, then one a killed run wrote whose listing user.js hides.
  const accountKeys = [...accounts, ...[...keysUnder(prefs, "mail.account.")].filter((k) => /^account\d+$/.test(k) && !accounts.includes(k))];
  const identitiesOf = (account: string) => list(prefs.get(`mail.account.${account}.identities`));
  const shown = (account: string): ExistingAccount => {
    const server = str(`mail.account.${account}.server`);
    const host = str(`mail.server.${server}.hostname`) ?? "";
    return { name: str(`mail.server.${server}.name`) ?? host, protocol: str(`mail.server.${server}.type`) ?? "", host };
  };
  const forAddress = (identity: string) => str(`mail.identity.${identity}.useremail`)?.toLowerCase() === email.toLowerCase();
  // Keys in use: those with preferences, and those an account names (which may have none yet).
  const identityKeys = new Set([...keysUnder(prefs, "mail.identity."), ...accountKeys.flatMap(identitiesOf)]);
  const identity = (key: string) => {
    const id = `mail.identity.${key}`;
    updates.set(`${id}.useremail`, email);
    if (request.fullName) updates.set(`${id}.fullName`, request.fullName);
    else if (!str(`${id}.fullName`)) updates.set(`${id}.fullName`, email.slice(0, email.lastIndexOf("@")));
    updates.set(`${id}.smtpServer`, smtpKey);
    updates.set(`${id}.valid`, true);
  };

  const incoming = config.incoming;
  if (!incoming) {
    // Nothing to make an account of: the relay is the default outgoing server, and the address's
    // identity in an account Thunderbird loads (a listed one) sends through it. No identity is made
    // for no account — Thunderbird would load neither.
    if (str("mail.smtp.defaultserver") !== smtpKey) updates.set("mail.smtp.defaultserver", smtpKey);
    const owner = accounts.find((a) => identitiesOf(a).some(forAddress));
    const identityKey = owner ? identitiesOf(owner).find(forAddress) : undefined;
    if (!owner || !identityKey) return { updates, account: { action: "none" }, smtpKey };
    identity(identityKey);
    return { updates, account: { action: "sends", account: shown(owner) }, smtpKey, identityKey, accountKey: owner };
  }

  const incomingUser = applyUsernameTemplate(incoming.username, email);
  const serverKeys = new Set([...keysUnder(prefs, "mail.server."), ...accountKeys.map((a) => str(`mail.account.${a}.server`)).filter((k): k is string => k !== undefined)]);
  // The configured incoming server is an account's when type, host and user all match: Thunderbird's
  // own account for it, or ours from an earlier run. Same address on another server is another account.
  const isConfigured = (server: string | undefined) =>
    server !== undefined && str(`mail.server.${server}.type`) === incoming.protocol && str(`mail.server.${server}.hostname`)?.toLowerCase() === incoming.host.toLowerCase() && str(`mail.server.${server}.userName`) === incomingUser;
  let accountKey = accountKeys.find((a) => isConfigured(str(`mail.account.${a}.server`)));
  const account: AccountOutcome = accountKey
    ? { action: "updated", account: shown(accountKey) }
    : { action: "added", protocol: incoming.protocol, host: incoming.host, beside: accounts.filter((a) => identitiesOf(a).some(forAddress)).map(shown) };
  let serverKey: string;
  let identityKey: string;
  const setIfUnset = (name: string, value: PrefValue) => {
    if (prefs.get(name) === undefined) updates.set(name, value);
  };
  if (accountKey) {
    // That account is updated in place: its type, host, user and local mail store stay as they are.
    if (!accounts.includes(accountKey)) updates.set("mail.accountmanager.accounts", [...accounts, accountKey].join(","));
    serverKey = str(`mail.account.${accountKey}.server`)!;
    const held = identitiesOf(accountKey);
    identityKey = held.find(forAddress) ?? freeKey("id", identityKeys);
    if (!held.includes(identityKey)) updates.set(`mail.account.${accountKey}.identities`, [...held, identityKey].join(","));
  } else {
    // A new account beside any other, numbered as Thunderbird's account manager numbers it.
    const used = [...accounts, ...keysUnder(prefs, "mail.account.")].map((k) => Number(/^account(\d+)$/.exec(k)?.[1] ?? 0));
    const lastKey = prefs.get("mail.account.lastKey");
    const n = Math.max(typeof lastKey === "number" ? lastKey : 0, ...used) + 1;
    accountKey = `account${n}`;
    serverKey = freeKey("server", serverKeys);
    identityKey = freeKey("id", identityKeys);
    updates.set("mail.accountmanager.accounts", [...accounts, accountKey].join(","));
    updates.set(`mail.account.${accountKey}.identities`, identityKey);
    updates.set(`mail.account.${accountKey}.server`, serverKey);
    updates.set("mail.account.lastKey", n);
  }
  const server = `mail.server.${serverKey}`;
  if (!str(`${server}.type`)) {
    updates.set(`${server}.type`, incoming.protocol);
    updates.set(`${server}.hostname`, incoming.host);
    updates.set(`${server}.userName`, incomingUser);
  }
  updates.set(`${server}.port`, incoming.port);
  updates.set(`${server}.socketType`, SOCKET_TYPE[incoming.security]);
  updates.set(`${server}.authMethod`, 3);
  // As Thunderbird's setup makes a new account: it logs in at start-up and checks for new mail;
  // POP3 leaves mail on the server for 14 days (Thunderbird's own default would delete it).
  // Settings the user already has on an existing account are theirs.
  setIfUnset(`${server}.name`, uniqueName(prefs, serverKeys, email, incoming.protocol));
  setIfUnset(`${server}.login_at_startup`, true);
  setIfUnset(`${server}.check_new_mail`, true);
  if (incoming.protocol === "pop3") {
    setIfUnset(`${server}.leave_on_server`, true);
    setIfUnset(`${server}.num_days_to_leave_on_server`, 14);
    setIfUnset(`${server}.delete_by_age_from_server`, true);
    setIfUnset(`${server}.delete_mail_left_on_server`, true);
    setIfUnset(`${server}.download_on_biff`, true);
  }
  identity(identityKey);
  // Sent, Drafts and Templates on the server, not in Local Folders on this computer.
  const id = `mail.identity.${identityKey}`;
  const serverUri = `${incoming.protocol === "imap" ? "imap" : "mailbox"}://${escapeUser(str(`${server}.userName`) ?? incomingUser)}@${str(`${server}.hostname`) ?? incoming.host}`;
  for (const [folder, picker, name] of [["fcc_folder", "fcc_folder_picker_mode", "Sent"], ["draft_folder", "drafts_folder_picker_mode", "Drafts"], ["stationery_folder", "tmpl_folder_picker_mode", "Templates"]] as const) {
    if (prefs.get(`${id}.${folder}`) === undefined) {
      updates.set(`${id}.${folder}`, `${serverUri}/${name}`);
      updates.set(`${id}.${picker}`, "0");
    }
  }
  const defaultAccount = str("mail.accountmanager.defaultaccount");
  if (!defaultAccount || (defaultAccount !== accountKey && !accounts.includes(defaultAccount))) updates.set("mail.accountmanager.defaultaccount", accountKey);
  return { updates, account, smtpKey, identityKey, accountKey, serverKey };
}

/** The account's name as Thunderbird's setup picks it: the address, or "address (IMAP)" when taken. */
function uniqueName(prefs: ReadonlyMap<string, PrefValue>, serverKeys: Set<string>, email: string, protocol: string): string {
  const taken = new Set([...serverKeys].map((k) => prefs.get(`mail.server.${k}.name`)));
  if (!taken.has(email)) return email;
  const name = `${email} (${protocol.toUpperCase()})`;
  if (!taken.has(name)) return name;
  let n = 2;
  while (taken.has(`${name}_${n}`)) n++;
  return `${name}_${n}`;
}

/** The user name in a folder URI, escaped as Thunderbird escapes it there ("@" → "%40"). */
function escapeUser(user: string): string {
  return encodeURIComponent(user);
}

/** What happens to the user's accounts, in one English sentence (the dry run, onboard's step, the helpdesk). */
export function describeAccountOutcome(outcome: AccountOutcome, email: string, dryRun: boolean): string {
  const named = (a: ExistingAccount) => `"${a.name}" (${a.protocol.toUpperCase()}, ${a.host})`;
  switch (outcome.action) {
    case "added": {
      const made = `${dryRun ? "a new account would be added" : "a new account was added"} for ${email} (${outcome.protocol.toUpperCase()}, ${outcome.host})`;
      if (outcome.beside.length === 0) return made;
      return `${made} beside your ${outcome.beside.length === 1 ? "account" : "accounts"} ${outcome.beside.map(named).join(", ")}, which ${dryRun ? "would stay" : outcome.beside.length === 1 ? "stays" : "stay"} as ${outcome.beside.length === 1 ? "it is" : "they are"}`;
    }
    case "updated":
      return `your account ${named(outcome.account)} ${dryRun ? "would be" : "was"} updated in place (its server, user name and mail on this computer kept)`;
    case "sends":
      return `your account ${named(outcome.account)} ${dryRun ? "would send" : "now sends"} through the relay (no account is made: the organisation names no incoming server)`;
    case "none":
      return `Thunderbird has no account for ${email}, and the organisation names no incoming server to make one`;
  }
}
