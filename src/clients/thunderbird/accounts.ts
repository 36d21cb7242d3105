// The Thunderbird preferences that make an account send through the relay: the outgoing server
// (mail.smtpserver.*), the identity pointing at it, and — when the configuration has an incoming
// section — the account and its incoming server. Existing entries for the same relay/user or the
// same address are reused, so a second run changes nothing.
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

export interface AccountPlan {
  updates: Map<string, PrefValue>;
  smtpKey: string;
  identityKey: string;
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

  // Identity: re-point an existing one for this address, otherwise a new one.
  const identityKeys = keysUnder(prefs, "mail.identity.");
  const identityKey = [...identityKeys].find((k) => str(`mail.identity.${k}.useremail`)?.toLowerCase() === email.toLowerCase()) ?? freeKey("id", identityKeys);
  const id = `mail.identity.${identityKey}`;
  updates.set(`${id}.useremail`, email);
  if (request.fullName) updates.set(`${id}.fullName`, request.fullName);
  else if (!str(`${id}.fullName`)) updates.set(`${id}.fullName`, email.slice(0, email.lastIndexOf("@")));
  updates.set(`${id}.smtpServer`, smtpKey);
  updates.set(`${id}.valid`, true);

  const plan: AccountPlan = { updates, smtpKey, identityKey };
  const accounts = list(prefs.get("mail.accountmanager.accounts"));
  // Listed accounts first, then one a killed run wrote whose listing user.js hides.
  const accountKeys = [...accounts, ...[...keysUnder(prefs, "mail.account.")].filter((k) => /^account\d+$/.test(k) && !accounts.includes(k))];
  const ownerOf = (identity: string) => accountKeys.find((a) => list(prefs.get(`mail.account.${a}.identities`)).includes(identity));
  const incoming = config.incoming;
  if (incoming) {
    const incomingUser = applyUsernameTemplate(incoming.username, email);
    let accountKey = ownerOf(identityKey);
    const serverKeys = keysUnder(prefs, "mail.server.");
    let serverKey = accountKey ? str(`mail.account.${accountKey}.server`) : undefined;
    if (accountKey && !accounts.includes(accountKey)) updates.set("mail.accountmanager.accounts", [...accounts, accountKey].join(","));
    if (!accountKey) {
      // As Thunderbird's account manager does: the next number after lastKey and every key in use.
      const used = [...accounts, ...keysUnder(prefs, "mail.account.")].map((k) => Number(/^account(\d+)$/.exec(k)?.[1] ?? 0));
      const lastKey = prefs.get("mail.account.lastKey");
      const n = Math.max(typeof lastKey === "number" ? lastKey : 0, ...used) + 1;
      accountKey = `account${n}`;
      updates.set("mail.accountmanager.accounts", [...accounts, accountKey].join(","));
      updates.set(`mail.account.${accountKey}.identities`, identityKey);
      updates.set("mail.account.lastKey", n);
    }
    serverKey ??= freeKey("server", serverKeys);
    updates.set(`mail.account.${accountKey}.server`, serverKey);
    const server = `mail.server.${serverKey}`;
    updates.set(`${server}.type`, incoming.protocol);
    updates.set(`${server}.hostname`, incoming.host);
    updates.set(`${server}.port`, incoming.port);
    updates.set(`${server}.socketType`, SOCKET_TYPE[incoming.security]);
    updates.set(`${server}.authMethod`, 3);
    updates.set(`${server}.userName`, incomingUser);
    updates.set(`${server}.name`, email);
    const defaultAccount = str("mail.accountmanager.defaultaccount");
    if (!defaultAccount || (defaultAccount !== accountKey && !accounts.includes(defaultAccount))) updates.set("mail.accountmanager.defaultaccount", accountKey);
    plan.accountKey = accountKey;
    plan.serverKey = serverKey;
  }
  return plan;
}
