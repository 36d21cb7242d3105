#!/usr/bin/env node
// Makes sure the system packages the tests use are present (Debian/Ubuntu). As root it installs
// what is missing with apt-get; otherwise it prints the exact command and stops, so a new user and
// CI take the same path. The list grows as tests start using more real tools.
import { execFileSync, spawnSync } from "node:child_process";

export const PACKAGES = [
  "openssl",
  "ca-certificates",
  "postfix", // the real relay and inbound server of the integration tests
  "dovecot-core", // Postfix's SASL (login) backend
  "swaks", // the peer of the submission benchmark
  "libnet-ssleay-perl", // swaks: STARTTLS
  "libio-socket-ssl-perl",
  "libauthen-sasl-perl", // swaks: AUTH
  "libnss3-tools", // certutil: NSS databases (Thunderbird, Firefox, Chromium)
  "thunderbird", // reads back the profiles we write (headless, over Marionette)
  "thunderbird-l10n-de", // Thunderbird's own German and French field names: the oracle of the manual settings' words
  "thunderbird-l10n-fr",
  "unzip", // reads those strings out of Thunderbird's omni.ja and language packs
  "chromium", // the desktop app's UI tests (playwright-core drives it); trusts the org root after `ca install`
  "firefox-esr", // trusts the org root after `ca install` (profile database or enterprise policy), over Marionette
  "gnome-keyring", // a real Secret Service for the keychain test
  "dbus", // dbus-run-session: a private D-Bus session for gnome-keyring
  "sasl2-bin", // saslpasswd2: the Cyrus SASL users of the relay that speaks NTLM
  "libsasl2-modules", // Cyrus SASL mechanisms: PLAIN, LOGIN, CRAM-MD5, NTLM
  "wine", // the Windows command line, run under Wine (test/integration/windows-wine.test.ts)
  "wine64",
  "faketime", // the suite's second run with the clock a year ahead (.ci/run)
  "gcc", // builds the planted NSS module of the root-for-a-hostile-user test
  "python3", // a port that silently drops packets, in the UI and benchmark tests
];

function installed(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

if (spawnSync("dpkg-query", ["--version"]).error) {
  console.error("provision: not a Debian/Ubuntu system (no dpkg-query); install these packages yourself: " + PACKAGES.join(" "));
  process.exit(0);
}
const missing = PACKAGES.filter((p) => !installed(p));
if (missing.length === 0) process.exit(0);
const command = ["apt-get", "install", "-y", "--no-install-recommends", ...missing];
if (process.getuid?.() !== 0) {
  console.error(
    `provision: the tests need these system packages: ${missing.join(" ")}\nRun:\n` +
      `  echo "postfix postfix/main_mailer_type select No configuration" | sudo debconf-set-selections\n` +
      `  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${command.join(" ")}\n` +
      "(The Postfix tests also need root: they start a private Postfix instance on loopback.)",
  );
  process.exit(1);
}
console.error(`provision: installing ${missing.join(" ")}`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
// Postfix asks how to configure the machine's own mail system; the tests run private instances.
spawnSync("debconf-set-selections", { input: "postfix postfix/main_mailer_type select No configuration\n" });
execFileSync("apt-get", ["update"], { stdio: "inherit", env });
execFileSync(command[0], command.slice(1), { stdio: "inherit", env });
