// The account we write, measured against the one Thunderbird's own account setup makes: the same
// configuration given to Thunderbird 153's account-creation backend (CreateInBackend, headless,
// through Marionette) in one profile, and to `relay-onboard configure thunderbird` (the shipped
// executable) in another; then Thunderbird reads both and its own services (MailServices) report
// accounts, default account, identities, outgoing servers, folders, and check and login flags.
// Also with accounts the user already has, made by Thunderbird's setup: another address, the same
// address on older servers, the same address as POP3 — kept as they were, ours added beside them.
import { spawnSync } from "node:child_process";
import { cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AccountOutcome } from "../../src/clients/thunderbird/accounts.js";
import type { UnsignedPayload } from "../../src/config/schema.js";
import { Marionette } from "../helpers/marionette.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const hasThunderbird = spawnSync("sh", ["-c", "command -v thunderbird"]).status === 0;
if (!hasThunderbird) console.warn("thunderbird-account-setup.test.ts skipped: Thunderbird is not installed (npm test provisions it as root)");

const EMAIL = "alice@internal.test";
const running: Marionette[] = [];
afterEach(async () => {
  for (const m of running.splice(0)) await m.quit().catch(() => m.child.kill("SIGKILL"));
});

type Incoming = NonNullable<UnsignedPayload["config"]["incoming"]>;
interface Setup { incoming: { type: string; host: string; port: number; socketType: number; username: string }; outgoing: { host: string; port: number; socketType: number; username: string }; email: string; name: string; display: string }

/** Thunderbird's own account setup for `setup`, in the running Thunderbird. */
const createInBackend = (s: Setup) => `
  const done = arguments[arguments.length - 1];
  (async () => {
    const { AccountConfig } = ChromeUtils.importESModule("resource:///modules/accountcreation/AccountConfig.sys.mjs");
    const { CreateInBackend } = ChromeUtils.importESModule("resource:///modules/accountcreation/CreateInBackend.sys.mjs");
    const s = ${JSON.stringify(s)};
    const config = new AccountConfig();
    Object.assign(config.incoming, { type: s.incoming.type, hostname: s.incoming.host, port: s.incoming.port, socketType: s.incoming.socketType, username: s.incoming.username, auth: 3 });
    Object.assign(config.outgoing, { type: "smtp", hostname: s.outgoing.host, port: s.outgoing.port, socketType: s.outgoing.socketType, username: s.outgoing.username, auth: 3 });
    config.identity.realname = s.name;
    config.identity.emailAddress = s.email;
    config.displayName = s.display;
    return (await CreateInBackend.createAccountInBackend(config)).key;
  })().then(done, (e) => done("failed: " + e));
`;

/** What Thunderbird reads from a profile, through its own services: everything a user meets. */
const READ = `
  const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const out = MailServices.outgoingServer;
  const hostOf = (key) => { if (!key) return null; const s = out.servers.find((x) => x.key === key); return s ? s.QueryInterface(Ci.nsISmtpServer).hostname : "missing " + key; };
  const servers = out.servers.map((s) => { const x = s.QueryInterface(Ci.nsISmtpServer); return { host: x.hostname, port: x.port, socketType: s.socketType, authMethod: s.authMethod, username: s.username }; }).sort((a, b) => a.host.localeCompare(b.host));
  const def = out.defaultServer ? out.defaultServer.QueryInterface(Ci.nsISmtpServer).hostname : null;
  const accounts = MailServices.accounts.accounts.filter((a) => a.incomingServer.type !== "none").map((a) => {
    const s = a.incomingServer;
    const pop = s.type === "pop3" ? s.QueryInterface(Ci.nsIPop3IncomingServer) : null;
    return {
      key: s.key, type: s.type, host: s.hostName ?? s.hostname, port: s.port, socketType: s.socketType, authMethod: s.authMethod, username: s.username, name: s.prettyName,
      loginAtStartUp: s.loginAtStartUp, doBiff: s.doBiff, biffMinutes: s.biffMinutes,
      store: s.localPath.path.slice(s.localPath.path.lastIndexOf("/", s.localPath.path.lastIndexOf("/") - 1) + 1),
      pop3: pop ? { leave: pop.leaveMessagesOnServer, days: pop.numDaysToLeaveOnServer, deleteByAge: pop.deleteByAgeFromServer, deleteLeft: pop.deleteMailLeftOnServer, downloadOnBiff: s.downloadOnBiff } : null,
      identities: a.identities.map((i) => ({ email: i.email, fullName: i.fullName, smtp: hostOf(i.smtpServerKey), fcc: i.fccFolderURI, drafts: i.draftsFolderURI, templates: i.templatesFolderURI, doFcc: i.doFcc, valid: i.valid })),
      isDefault: MailServices.accounts.defaultAccount?.key === a.key,
    };
  }).sort((a, b) => (a.host + a.type + a.name).localeCompare(b.host + b.type + b.name));
  return { servers, defaultServer: def, accounts, identities: MailServices.accounts.allIdentities.length, localFolders: MailServices.accounts.accounts.some((a) => a.incomingServer.type === "none") };
`;
type View = { servers: unknown[]; defaultServer: string | null; accounts: Array<Record<string, unknown> & { name: string; type: string; host: string; identities: Array<Record<string, unknown>> }>; identities: number; localFolders: boolean };

/** Runs `script` in a headless Thunderbird on `profile` (start-up logins off for the session: helpers/marionette.ts). */
async function thunderbird<T>(profile: string, script: string, async = false): Promise<{ value: T; atStartup: Map<string, unknown> }> {
  const m = await Marionette.start(profile);
  running.push(m);
  const value = async
    ? ((await m.send("WebDriver:ExecuteAsyncScript", { script, args: [] })) as { value: T }).value
    : await m.execute<T>(script);
  await m.quit();
  running.splice(running.indexOf(m), 1);
  return { value, atStartup: m.startupLogins };
}

/** Thunderbird's view of a profile, with the start-up login flag as prefs.js has it. */
async function readProfile(profile: string): Promise<View> {
  const { value: view, atStartup } = await thunderbird<View>(profile, READ);
  for (const account of view.accounts) {
    account["loginAtStartUp"] = atStartup.get(`mail.server.${String(account["key"])}.login_at_startup`) === true;
    delete account["key"];
  }
  return comparable(view, profile);
}

/** A profile with an account made by Thunderbird's own setup. */
async function thunderbirdsOwn(profile: string, setup: Setup): Promise<void> {
  const { value: key } = await thunderbird<string>(profile, createInBackend(setup), true);
  expect(key, "Thunderbird's setup made the account").toMatch(/^account\d+$/);
}

async function orgWith(incoming: Incoming | undefined) {
  const dir = await tempDir("ro-tb-setup-org-");
  const key = await makeKey();
  const payload = await unsignedPayload();
  if (incoming) payload.config.incoming = incoming;
  else delete payload.config.incoming;
  const files = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json"), state: join(dir, "state") };
  await writeFile(files.config, await signed(key, { payload, now: new Date() }));
  await writeFile(files.trust, jwksText([key]));
  const setup = (email = EMAIL): Setup => ({
    incoming: { type: incoming?.protocol ?? "imap", host: incoming?.host ?? "", port: incoming?.port ?? 0, socketType: incoming?.security === "starttls" ? 2 : 3, username: email },
    outgoing: { host: payload.config.submission.host, port: payload.config.submission.port, socketType: 2, username: email },
    email, name: "Alice Example", display: `${payload.config.organization.name} (secure relay)`,
  });
  const configure = async (profile: string) => {
    const ran = await runShipped(["configure", "thunderbird", "--config", files.config, "--trust", files.trust, "--state-dir", files.state, "--email", EMAIL, "--name", "Alice Example", "--profile", profile, "--no-ca", "--json"]);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    return JSON.parse(ran.stdout) as { changed: boolean; needsAccount?: boolean; account: AccountOutcome };
  };
  /** What the dry run tells the user, as text. */
  const dryRun = async (profile: string) => {
    const ran = await runShipped(["configure", "thunderbird", "--config", files.config, "--trust", files.trust, "--state-dir", files.state, "--email", EMAIL, "--profile", profile, "--no-ca", "--dry-run"]);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    return ran.stdout;
  };
  return { payload, setup, configure, dryRun };
}

/** The two views, keyed by profile, with the profile paths and random ids out of the way. */
const comparable = (view: View, profile: string) => JSON.parse(JSON.stringify(view).replaceAll(profile, "<profile>")) as View;

const IMAP: Incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
const POP3: Incoming = { protocol: "pop3", host: "pop.internal.test", port: 995, security: "tls", username: "{email}" };

describe.skipIf(!hasThunderbird)("the account we write is the one Thunderbird's own setup makes", () => {
  for (const incoming of [IMAP, POP3]) {
    it(`${incoming.protocol.toUpperCase()}: a fresh profile — same account, default account, identity, outgoing server, folders on the server, check and login flags`, { timeout: 180_000 }, async () => {
      const org = await orgWith(incoming);
      const theirs = await tempDir("ro-tb-own-");
      await thunderbirdsOwn(theirs, org.setup());
      const ours = await tempDir("ro-tb-ours-");
      expect((await org.configure(ours)).changed).toBe(true);
      const [a, b] = [await readProfile(theirs), await readProfile(ours)];
      expect(b).toEqual(a);
      // What that means for the user, said outright:
      const account = b.accounts[0]!;
      expect(account).toMatchObject({ type: incoming.protocol, host: incoming.host, port: incoming.port, username: EMAIL, loginAtStartUp: true, doBiff: true, isDefault: true });
      expect(account.identities[0]).toMatchObject({ smtp: org.payload.config.submission.host, fcc: expect.stringMatching(/\/Sent$/) as unknown, drafts: expect.stringMatching(/\/Drafts$/) as unknown });
      if (incoming.protocol === "pop3") expect(account["pop3"]).toEqual({ leave: true, days: 14, deleteByAge: true, deleteLeft: true, downloadOnBiff: true });
    });
  }

  const OLD: Setup["incoming"] = { type: "imap", host: "imap.old.test", port: 993, socketType: 3, username: EMAIL };
  const cases: Array<[string, (s: Setup) => Setup]> = [
    ["another address", (s) => ({ ...s, email: "bob@example.net", name: "Bob", incoming: { ...s.incoming, host: "imap.example.net", username: "bob@example.net" }, outgoing: { ...s.outgoing, host: "smtp.example.net", username: "bob@example.net" } })],
    ["the same address on older servers", (s) => ({ ...s, incoming: OLD, outgoing: { ...s.outgoing, host: "smtp.old.test" } })],
    ["the same address as POP3", (s) => ({ ...s, incoming: { ...s.incoming, type: "pop3", host: "pop.old.test", port: 995 }, outgoing: { ...s.outgoing, host: "smtp.old.test" } })],
  ];
  for (const [name, existing] of cases) {
    it(`a profile whose account has ${name}: that account stays exactly as it was, ours is added beside it as Thunderbird's setup adds it`, { timeout: 240_000 }, async () => {
      const org = await orgWith(IMAP);
      const base = await tempDir("ro-tb-base-");
      await thunderbirdsOwn(base, existing(org.setup()));
      const before = await readProfile(base);
      const [theirs, ours] = [await tempDir("ro-tb-own-"), await tempDir("ro-tb-ours-")];
      // A copy of the profile as it sits on disk after Thunderbird quit (its lock belongs to the original).
      for (const copy of [theirs, ours]) await cp(base, copy, { recursive: true, filter: (from) => !/\/(lock|\.parentlock)$/.test(from) });
      await thunderbirdsOwn(theirs, org.setup());
      // The dry run says which: added beside the user's account of this address, named as Thunderbird shows it.
      const sameAddress = before.accounts.filter((x) => x.identities.some((i) => i.email === EMAIL));
      const told = await org.dryRun(ours);
      const beside = sameAddress.map((x) => `"${x.name}" (${x.type.toUpperCase()}, ${x.host})`).join(", ");
      expect(told).toContain(`  account: a new account would be added for ${EMAIL} (IMAP, ${IMAP.host})${sameAddress.length ? ` beside your account ${beside}, which would stay as it is` : "\n"}`);
      const result = await org.configure(ours);
      expect(result.account).toEqual({ action: "added", protocol: "imap", host: IMAP.host, beside: sameAddress.map((x) => ({ name: x.name, protocol: x.type, host: x.host })) });
      const [a, b] = [await readProfile(theirs), await readProfile(ours)];
      // The user's account is untouched: same type, server, store, identity, folders and outgoing server.
      for (const old of before.accounts) expect(b.accounts).toContainEqual({ ...old, isDefault: expect.any(Boolean) as unknown });
      expect(b.accounts).toHaveLength(before.accounts.length + 1);
      // Ours is what Thunderbird's setup would have added — default account aside: Thunderbird's
      // setup leaves a working default alone, and so do we.
      expect(b).toEqual(a);
    });
  }

  it("without an incoming server: nothing Thunderbird cannot load — the relay is the default outgoing server, and an existing account of the address sends through it", { timeout: 240_000 }, async () => {
    const org = await orgWith(undefined);
    // No account of the address: no identity is made; configure says the user adds the account.
    const empty = await tempDir("ro-tb-noin-");
    expect(await org.configure(empty)).toMatchObject({ changed: true, needsAccount: true });
    const view = await readProfile(empty);
    expect(view).toMatchObject({ defaultServer: org.payload.config.submission.host, accounts: [], identities: 0 });
    // The address's own account (made by Thunderbird's setup) now sends through the relay; nothing else of it changed.
    const withAccount = await tempDir("ro-tb-noin-acc-");
    await thunderbirdsOwn(withAccount, { ...org.setup(), incoming: OLD, outgoing: { ...org.setup().outgoing, host: "smtp.old.test" } });
    const before = await readProfile(withAccount);
    expect(await org.dryRun(withAccount)).toContain(`  account: your account "${before.accounts[0]!.name}" (IMAP, imap.old.test) would send through the relay`);
    const result = await org.configure(withAccount);
    expect(result.needsAccount).toBeUndefined();
    const after = await readProfile(withAccount);
    expect(after.accounts).toEqual(before.accounts.map((a) => ({ ...a, identities: a.identities.map((i) => ({ ...i, smtp: org.payload.config.submission.host })) })));
    expect(after.defaultServer).toBe(org.payload.config.submission.host);
  });
});
