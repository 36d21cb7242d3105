// Who is intercepting? A certificate that does not chain to the organisation's root is either a
// program on this computer scanning encrypted mail (an antivirus or firewall, whose root it
// installed in this computer's own store) or someone on the network. Advice never trusts the
// network's word: the issuer's name alone is whatever the interceptor chose to write, so a product
// is named only when a root with that name — and, where both say it, that key — is in this
// computer's own store (Linux: the system bundle; Windows: the user's and the machine's Root
// stores; macOS: the login and System keychains). Otherwise there is no local explanation, and
// the generic CERT_UNTRUSTED advice stands: the network is intercepting, do not continue on it.
import { X509Certificate } from "node:crypto";
import { homedir } from "node:os";
import { pemBlocksDer } from "../certs/pem.js";
import { readLinuxCaBundle } from "../certs/systemBundle.js";
import { runCommand, type Runner } from "../processRunner.js";
import { chainName } from "../smtp/tlsCheck.js";
import { loginKeychain, SYSTEM_KEYCHAIN } from "../truststore/macos.js";
import { windowsTool } from "../systemTools.js";

const PRODUCTS: ReadonlyArray<[RegExp, string]> = [
  [/\bavast\b/i, "Avast"],
  [/\bAVG\b/, "AVG"],
  [/kaspersky/i, "Kaspersky"],
  [/\bESET\b/, "ESET"], // the vendor writes it in capitals; "Eset-Trading" is someone else
  [/bitdefender/i, "Bitdefender"],
  [/norton|symantec/i, "Norton"],
  [/mcafee/i, "McAfee"],
  [/sophos/i, "Sophos"],
  [/trend ?micro/i, "Trend Micro"],
  [/f-secure|withsecure/i, "F-Secure"],
  [/g ?data/i, "G DATA"],
  [/malwarebytes/i, "Malwarebytes"],
  [/webroot/i, "Webroot"],
  [/fortinet|fortigate/i, "Fortinet"],
  [/zscaler/i, "Zscaler"],
  [/netskope/i, "Netskope"],
];

export interface Interception {
  /** The foreign issuer as the server's chain named it. */
  issuer: string;
  /** A known antivirus/firewall product the issuer names (only ever with `local`). */
  product?: string;
  /** The foreign root is in this computer's own trust store: a local program put it there. */
  local: true;
}

export function productNamedIn(issuer: string): string | undefined {
  return PRODUCTS.find(([pattern]) => pattern.test(issuer))?.[1];
}

/** The commands that list this computer's own roots (Windows: base64 DER per line; macOS: PEM). */
export const LOCAL_ROOTS_COMMANDS = {
  win32: () => [windowsTool("powershell.exe"), ["-NoProfile", "-NonInteractive", "-Command", "Get-ChildItem -Path Cert:\\CurrentUser\\Root, Cert:\\LocalMachine\\Root | ForEach-Object { [Convert]::ToBase64String($_.RawData) }"]] as const,
  darwin: (home = homedir()) => ["/usr/bin/security", ["find-certificate", "-a", "-p", loginKeychain(home), SYSTEM_KEYCHAIN]] as const,
};

/** This computer's own roots, as DER: the bundle file (Linux) or what the OS store lists. */
async function localRootsDer(platform: NodeJS.Platform, options: { bundle?: string; runner?: Runner }): Promise<Buffer[]> {
  if (platform === "linux") return pemBlocksDer((await readLinuxCaBundle(options.bundle)) ?? "");
  if (platform !== "win32" && platform !== "darwin") return [];
  const [command, args] = LOCAL_ROOTS_COMMANDS[platform]();
  const listed = await (options.runner ?? runCommand)(command, args, { timeoutMs: 30_000 });
  if (listed.code !== 0) return [];
  if (platform === "darwin") return pemBlocksDer(listed.stdout);
  return listed.stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^[A-Za-z0-9+/]+={0,2}$/.test(l)).map((l) => Buffer.from(l, "base64"));
}

/**
 * The interception explained by this computer, or undefined when nothing on it explains the
 * foreign chain. `top` is the chain's last certificate as the report describes it.
 */
export async function interceptionBy(top: { issuer: string; issuerKeyId?: string }, options: { platform?: NodeJS.Platform; bundle?: string; runner?: Runner } = {}): Promise<Interception | undefined> {
  const platform = options.platform ?? process.platform;
  let keyIdOf: ((der: Uint8Array) => string | undefined) | undefined;
  for (const der of await localRootsDer(platform, options)) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch {
      continue; // not a certificate we can read: irrelevant here
    }
    if (chainName(cert) !== top.issuer) continue;
    if (top.issuerKeyId) {
      keyIdOf ??= (await import("../certs/keyIds.js")).subjectKeyId;
      const own = keyIdOf(der);
      // The same name with another key is a namesake, not this computer's root.
      if (own && own !== top.issuerKeyId) continue;
    }
    const product = productNamedIn(top.issuer);
    return { issuer: top.issuer, local: true, ...(product ? { product } : {}) };
  }
  return undefined;
}
