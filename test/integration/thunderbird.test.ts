// `relay-onboard configure thunderbird`, verified by the real Thunderbird: started headless on the
// profile we wrote, asked through Marionette what its own services (MailServices) read.
import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { prefsMap } from "../../src/clients/thunderbird/prefs.js";
import { Marionette, READ_ACCOUNTS, type ThunderbirdView } from "../helpers/marionette.js";
import { jwksText, makeKey, signed, tempDir, unsignedPayload } from "../helpers/org.js";
import { runShipped } from "../helpers/shipped.js";

const hasThunderbird = spawnSync("sh", ["-c", "command -v thunderbird"]).status === 0;
if (!hasThunderbird) console.warn("thunderbird.test.ts skipped: Thunderbird is not installed (npm test provisions it as root)");

const EMAIL = "alice@internal.test";
let files: { config: string; trust: string; state: string };
const running: Marionette[] = [];

beforeAll(async () => {
  const dir = await tempDir("ro-tb-org-");
  const key = await makeKey();
  const payload = await unsignedPayload();
  payload.config.incoming = { protocol: "imap", host: "imap.internal.test", port: 993, security: "tls", username: "{email}" };
  files = { config: join(dir, "config.jws"), trust: join(dir, "trusted-keys.json"), state: join(dir, "state") };
  await writeFile(files.config, await signed(key, { payload, now: new Date() }));
  await writeFile(files.trust, jwksText([key]));
});

afterEach(async () => {
  for (const m of running.splice(0)) await m.quit().catch(() => m.child.kill("SIGKILL"));
});

async function configure(profile: string, extra: string[] = []) {
  // The command line as it ships (the installers' executable).
  const ran = await runShipped(["configure", "thunderbird", "--config", files.config, "--trust", files.trust, "--state-dir", files.state, "--email", EMAIL, "--name", "Alice Example", "--profile", profile, "--json", ...extra]);
  return { status: ran.status, report: JSON.parse(ran.stdout) as { changed: boolean; smtpKey: string; identityKey: string; changes: unknown[]; code: string; ca?: { installed: boolean } } };
}

async function thunderbirdView(profile: string): Promise<ThunderbirdView> {
  const m = await Marionette.start(profile);
  running.push(m);
  const view = await m.execute<ThunderbirdView>(READ_ACCOUNTS);
  await m.quit();
  running.splice(running.indexOf(m), 1);
  return view;
}

function expectRelayAccount(view: ThunderbirdView) {
  const relays = view.servers.filter((s) => s.host === "relay.internal.test");
  expect(relays).toHaveLength(1);
  expect(relays[0]).toMatchObject({ port: 587, socketType: 2, authMethod: 3, username: EMAIL });
  const identity = view.identities.find((i) => i.email === EMAIL);
  expect(identity).toMatchObject({ fullName: "Alice Example", smtpServerKey: relays[0]!.key });
  const account = view.accounts.find((a) => a.identities.includes(identity!.key));
  expect(account?.server).toMatchObject({ type: "imap", host: "imap.internal.test", port: 993, socketType: 3, authMethod: 3, username: EMAIL });
}

describe.skipIf(!hasThunderbird)("configure thunderbird, read back by the real Thunderbird", () => {
  it("a fresh profile: Thunderbird reports the relay with host, port, STARTTLS, auth and user, linked to the identity", { timeout: 180_000 }, async () => {
    const profile = await tempDir("ro-tb-fresh-");
    const first = await configure(profile);
    expect(first.status).toBe(0);
    expect(first.report.changed).toBe(true);
    expect(first.report.ca?.installed).toBe(true);
    expectRelayAccount(await thunderbirdView(profile));

    // Thunderbird rewrote prefs.js on exit: our settings survived, and a second run changes nothing.
    const after = prefsMap(await readFile(join(profile, "prefs.js"), "utf8"));
    expect(after.get(`mail.smtpserver.${first.report.smtpKey}.hostname`)).toBe("relay.internal.test");
    expect(after.get(`mail.smtpserver.${first.report.smtpKey}.try_ssl`)).toBe(2);
    const second = await configure(profile);
    expect(second.report.changed).toBe(false);
    expect(second.report.changes).toEqual([]);
    expectRelayAccount(await thunderbirdView(profile));
  });

  it("a profile with existing accounts keeps them, and running twice leaves one relay server", { timeout: 180_000 }, async () => {
    const profile = await tempDir("ro-tb-existing-");
    await writeFile(
      join(profile, "prefs.js"),
      [
        "// Mozilla User Preferences",
        "/* Existing accounts: Local Folders and a personal IMAP account with its own SMTP server. */",
        'user_pref("mail.account.account1.server", "server1");',
        'user_pref("mail.account.account2.identities", "id1");',
        'user_pref("mail.account.account2.server", "server2");',
        'user_pref("mail.account.lastKey", 2);',
        'user_pref("mail.accountmanager.accounts", "account2,account1");',
        'user_pref("mail.accountmanager.defaultaccount", "account2");',
        'user_pref("mail.accountmanager.localfoldersserver", "server1");',
        'user_pref("mail.identity.id1.fullName", "Alice Private");',
        'user_pref("mail.identity.id1.useremail", "alice@example.net");',
        'user_pref("mail.identity.id1.smtpServer", "smtp1");',
        'user_pref("mail.identity.id1.valid", true);',
        'user_pref("mail.server.server1.hostname", "Local Folders");',
        'user_pref("mail.server.server1.name", "Local Folders");',
        'user_pref("mail.server.server1.type", "none");',
        'user_pref("mail.server.server1.userName", "nobody");',
        'user_pref("mail.server.server2.hostname", "imap.example.net");',
        'user_pref("mail.server.server2.port", 993);',
        'user_pref("mail.server.server2.socketType", 3);',
        'user_pref("mail.server.server2.type", "imap");',
        'user_pref("mail.server.server2.userName", "alice");',
        'user_pref("mail.smtpserver.smtp1.hostname", "smtp.example.net");',
        'user_pref("mail.smtpserver.smtp1.port", 465);',
        'user_pref("mail.smtpserver.smtp1.try_ssl", 3);',
        'user_pref("mail.smtpserver.smtp1.username", "alice");',
        'user_pref("mail.smtpservers", "smtp1");',
        "",
      ].join("\n"),
    );
    const first = await configure(profile);
    expect(first.status).toBe(0);
    expect(first.report).toMatchObject({ smtpKey: "smtp2", identityKey: "id2" });
    const again = await configure(profile);
    expect(again.report.changed).toBe(false);
    const view = await thunderbirdView(profile);
    expectRelayAccount(view);
    expect(view.servers.find((s) => s.host === "smtp.example.net")).toMatchObject({ port: 465, socketType: 3 });
    expect(view.identities.find((i) => i.email === "alice@example.net")).toMatchObject({ smtpServerKey: "smtp1" });
    expect(view.accounts.find((a) => a.server?.host === "imap.example.net")).toBeTruthy();
  });

  it("a stale user.js that switches the relay's TLS off: configure fixes it there, and Thunderbird really uses STARTTLS", { timeout: 180_000 }, async () => {
    const profile = await tempDir("ro-tb-userjs-");
    await writeFile(join(profile, "prefs.js"), [
      'user_pref("mail.smtpservers", "smtp1");',
      'user_pref("mail.smtpserver.smtp1.hostname", "relay.internal.test");',
      'user_pref("mail.smtpserver.smtp1.username", "alice@internal.test");',
      'user_pref("mail.smtpserver.smtp1.try_ssl", 2);',
      "",
    ].join("\n"));
    await writeFile(join(profile, "user.js"), 'user_pref("mail.smtpserver.smtp1.try_ssl", 0);\nuser_pref("mail.smtpserver.smtp1.port", 25);\n');
    // What Thunderbird does with this profile as it stands: the password would go in clear text.
    const before = await thunderbirdView(profile);
    expect(before.servers.find((s) => s.host === "relay.internal.test")).toMatchObject({ socketType: 0, port: 25 });
    const result = await configure(profile);
    expect(result.status).toBe(0);
    expect((result.report as unknown as { userJsChanges: Array<{ name: string }> }).userJsChanges.map((c) => c.name).sort()).toEqual(["mail.smtpserver.smtp1.port", "mail.smtpserver.smtp1.try_ssl"]);
    expectRelayAccount(await thunderbirdView(profile));
  });

  it("refuses with CLIENT_RUNNING while Thunderbird holds the profile, and writes nothing", { timeout: 120_000 }, async () => {
    const profile = await tempDir("ro-tb-running-");
    await mkdir(profile, { recursive: true });
    const m = await Marionette.start(profile);
    running.push(m);
    const result = await configure(profile);
    expect(result.status).toBe(4);
    expect(result.report.code).toBe("CLIENT_RUNNING");
    // Thunderbird itself may rewrite prefs.js while it runs; what matters is that we wrote nothing.
    expect(await readFile(join(profile, "prefs.js"), "utf8").catch(() => "")).not.toContain("relay.internal.test");
    const { readdir } = await import("node:fs/promises");
    expect((await readdir(profile)).filter((f) => f.includes("relay-onboard"))).toEqual([]);
  });
});
