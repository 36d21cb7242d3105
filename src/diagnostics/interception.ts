// Who is intercepting? A certificate that does not chain to the organisation's root is usually a
// local antivirus or firewall scanning encrypted mail — the fix is in that product's settings, not
// "use another network". Two signs: the foreign issuer names a known product, or the foreign root
// was installed in this computer's own trust store (Linux: the system bundle; other platforms are
// not inspected).
import { X509Certificate } from "node:crypto";
import { readLinuxCaBundle } from "../certs/systemBundle.js";

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
  /** A known antivirus/firewall product the issuer names. */
  product?: string;
  /** The foreign root is in this computer's own trust store: a local program put it there. */
  local: boolean;
}

export function productNamedIn(issuer: string): string | undefined {
  return PRODUCTS.find(([pattern]) => pattern.test(issuer))?.[1];
}

/** Subjects of the certificates in a PEM bundle (unreadable blocks are skipped). */
async function bundleSubjects(bundle: string | undefined): Promise<Set<string>> {
  const text = (await readLinuxCaBundle(bundle)) ?? "";
  const subjects = new Set<string>();
  for (const block of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
    try {
      subjects.add(new X509Certificate(block).subject.replace(/\n/g, ", "));
    } catch {
      // not a certificate we can read: irrelevant here
    }
  }
  return subjects;
}

/** Undefined when the issuer names no product and is not in this computer's store. */
export async function interceptionBy(issuer: string, options: { platform?: NodeJS.Platform; bundle?: string } = {}): Promise<Interception | undefined> {
  const product = productNamedIn(issuer);
  const platform = options.platform ?? process.platform;
  const local = platform === "linux" ? (await bundleSubjects(options.bundle)).has(issuer) : false;
  if (!product && !local) return undefined;
  return { issuer, ...(product ? { product } : {}), local };
}
