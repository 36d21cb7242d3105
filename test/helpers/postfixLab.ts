// A real Postfix + Dovecot SASL deployment on loopback, made for the tests: a private Postfix
// instance (its own config, queue and log under a temp dir) and an auth-only Dovecot. Services:
// the correctly configured inbound server and submission relay of the seed deployment, and
// deliberately misconfigured twins for the audit's negative cases. Needs root (Postfix's master).
import { execFileSync } from "node:child_process";
import { chmod, chown, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./net.js";
import { issueServerCert, tempDir, testCa } from "./org.js";

export const LAB_USER = "user@internal.test";
export const LAB_PASSWORD = "Lab-Secret-42";
/** A Windows domain login for NTLM: sent as domain CORP and user ntlmuser; Cyrus looks the password up in its own realm (the host name). */
export const LAB_DOMAIN_USER = "CORP\\ntlmuser";

export interface PostfixLab {
  dir: string;
  caPem: string;
  caFile: string;
  ports: { inbound: number; submission: number; cyrus: number; submissionTls: number; relayDenied: number; openRelay: number; tlsNotRequired: number; authNotRequired: number };
  log(): Promise<string>;
  stop(): void;
}

export const canRunPostfix = (): boolean => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync("postconf", ["-d", "mail_version"], { stdio: "ignore" });
    execFileSync("dovecot", ["--version"], { stdio: "ignore" });
    execFileSync("saslpasswd2", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};


const SERVICES = `pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export async function startPostfixLab(): Promise<PostfixLab> {
  const dir = await tempDir("ro-postfix-");
  const ca = await testCa();
  const cert = await issueServerCert(ca, ["127.0.0.1", "relay.internal.test", "mx.internal.test"]);
  const p = (...parts: string[]) => join(dir, ...parts);
  for (const d of ["postfix", "spool", "data", "dovecot-run", "dovecot-state"]) await mkdir(p(d), { recursive: true });
  await chown(p("data"), Number(execFileSync("id", ["-u", "postfix"]).toString().trim()), 0);
  await chmod(dir, 0o755);
  await writeFile(p("ca.pem"), ca.certPem);
  await writeFile(p("server.pem"), cert.certPem, { mode: 0o644 });
  await writeFile(p("server.key"), cert.keyPem, { mode: 0o600 });
  await writeFile(p("users"), `${LAB_USER}:{PLAIN}${LAB_PASSWORD}::::::\n`, { mode: 0o644 }); // read by Dovecot's auth process (user dovecot)

  const ports = {
    inbound: await freePort(),
    submission: await freePort(),
    cyrus: await freePort(),
    submissionTls: await freePort(),
    relayDenied: await freePort(),
    openRelay: await freePort(),
    tlsNotRequired: await freePort(),
    authNotRequired: await freePort(),
  };

  // A second SASL stack for what Debian's Dovecot does not build (NTLM): Cyrus SASL with its sasldb,
  // the mechanisms PLAIN, LOGIN, CRAM-MD5 and NTLM (NTLMv2 answers are checked by its ntlm plugin).
  // Debian's Postfix reads <config_directory>/sasl/smtpd.conf (cyrus_sasl_config_path is not consulted).
  await mkdir(p("sasl"));
  await mkdir(p("postfix", "sasl"), { recursive: true });
  execFileSync("saslpasswd2", ["-f", p("sasl", "sasldb2"), "-p", "-c", "-u", "internal.test", "user"], { input: LAB_PASSWORD });
  execFileSync("saslpasswd2", ["-f", p("sasl", "sasldb2"), "-p", "-c", "-u", "mx.internal.test", "ntlmuser"], { input: LAB_PASSWORD });
  await chown(p("sasl", "sasldb2"), Number(execFileSync("id", ["-u", "postfix"]).toString().trim()), 0);
  await writeFile(p("postfix", "sasl", "smtpd.conf"), `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: ${p("sasl", "sasldb2")}\nmech_list: PLAIN LOGIN CRAM-MD5 NTLM\n`);

  await writeFile(
    p("dovecot.conf"),
    `base_dir = ${p("dovecot-run")}
state_dir = ${p("dovecot-state")}
log_path = ${p("dovecot.log")}
protocols =
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${p("users")}
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener ${p("spool", "private", "auth")} {
    mode = 0660
    user = postfix
    group = postfix
  }
}
`,
  );

  await writeFile(
    p("postfix", "main.cf"),
    `compatibility_level = 3.6
queue_directory = ${p("spool")}
data_directory = ${p("data")}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.internal.test
mydomain = internal.test
mydestination = internal.test
local_recipient_maps =
alias_maps =
alias_database =
# Nobody is trusted by address: loopback must not get relay rights.
mynetworks = 192.0.2.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = ${p("postfix.log")}
maillog_file_prefixes = ${dir}
smtpd_banner = $myhostname ESMTP
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_tls_cert_file = ${p("server.pem")}
smtpd_tls_key_file = ${p("server.key")}
smtpd_tls_security_level = may
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtputf8_enable = no
biff = no
`,
  );

  const submission = (port: number, name: string, opts: string[]) =>
    `127.0.0.1:${port} inet n - n - - smtpd\n  -o syslog_name=postfix/${name}\n${opts.map((o) => `  -o ${o}\n`).join("")}`;
  const secure = ["smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=yes", "smtpd_relay_restrictions=permit_sasl_authenticated,reject", "smtpd_recipient_restrictions=permit_sasl_authenticated,reject"];
  await writeFile(
    p("postfix", "master.cf"),
    [
      `127.0.0.1:${ports.inbound} inet n - n - - smtpd\n`,
      submission(ports.submission, "submission", ["smtpd_tls_security_level=encrypt", ...secure]),
      submission(ports.cyrus, "cyrus", ["smtpd_tls_security_level=encrypt", ...secure, "smtpd_sasl_type=cyrus", "smtpd_sasl_path=smtpd"]),
      submission(ports.submissionTls, "submissions", ["smtpd_tls_wrappermode=yes", ...secure]),
      // Logged-in users may send only inside the organisation: relaying outside is denied.
      submission(ports.relayDenied, "relaydenied", ["smtpd_tls_security_level=encrypt", "smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=yes", "smtpd_relay_restrictions=reject_unauth_destination", "smtpd_recipient_restrictions=reject_unauth_destination"]),
      // The classic mistakes: trusting "the local network" by address.
      submission(ports.openRelay, "openrelay", ["mynetworks=127.0.0.0/8", "smtpd_relay_restrictions=permit_mynetworks,reject_unauth_destination"]),
      submission(ports.tlsNotRequired, "tlsoptional", ["smtpd_tls_security_level=may", "smtpd_sasl_auth_enable=yes", "smtpd_tls_auth_only=no", "smtpd_relay_restrictions=permit_sasl_authenticated,reject"]),
      submission(ports.authNotRequired, "noauth", ["smtpd_tls_security_level=encrypt", "smtpd_sasl_auth_enable=yes", "mynetworks=127.0.0.0/8", "smtpd_relay_restrictions=permit_mynetworks,permit_sasl_authenticated,reject"]),
      SERVICES,
    ].join(""),
  );

  // The daemons outlive these commands and would hold a pipe open: give them no pipes.
  execFileSync("postfix", ["-c", p("postfix"), "start"], { stdio: "ignore" });
  execFileSync("dovecot", ["-c", p("dovecot.conf")], { stdio: "ignore" });
  // Wait until every service accepts connections and the SASL socket exists.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await Promise.all(Object.values(ports).map((port) => canConnect(port)));
    const auth = await stat(p("spool", "private", "auth")).then((st) => st.isSocket(), () => false);
    if (ready.every(Boolean) && auth) break;
    if (Date.now() > deadline) throw new Error(`the Postfix lab did not start:\n${await readFile(p("postfix.log"), "utf8").catch(() => "")}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    dir,
    caPem: ca.certPem,
    caFile: p("ca.pem"),
    ports,
    log: () => readFile(p("postfix.log"), "utf8"),
    stop: () => {
      try {
        execFileSync("postfix", ["-c", p("postfix"), "stop"], { stdio: "ignore" });
      } finally {
        execFileSync("doveadm", ["-c", p("dovecot.conf"), "stop"], { stdio: "ignore" });
      }
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
