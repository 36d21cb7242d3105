// Clean-up of the browsers' machine-wide policies after a root test, done with plain file edits
// (never the code under test): the test roots' entries out of Firefox's policies.json and
// Chromium's managed policy file, whatever the test left.
import { readFile, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";

const FIREFOX = "/etc/firefox/policies/policies.json";
const CHROMIUM = "/etc/chromium/policies/managed/relay-onboard.json";

export async function removeTestRootsFromBrowserPolicies(sha256s: string[]): Promise<void> {
  const ours = sha256s.map((s) => `/etc/firefox/policies/certificates/relay-onboard-root-${s.slice(0, 16)}.pem`);
  for (const file of ours) await rm(file, { force: true });
  const firefox = await readFile(FIREFOX, "utf8").catch(() => undefined);
  if (firefox !== undefined) {
    const doc = JSON.parse(firefox) as { policies?: { Certificates?: { Install?: string[] } } };
    const install = doc.policies?.Certificates?.Install;
    if (install) {
      doc.policies!.Certificates!.Install = install.filter((e) => !ours.includes(e));
      if (JSON.stringify(doc) === JSON.stringify({ policies: { Certificates: { Install: [] } } })) await rm(FIREFOX, { force: true });
      else await writeFile(FIREFOX, JSON.stringify(doc, null, 2));
    }
  }
  const chromium = await readFile(CHROMIUM, "utf8").catch(() => undefined);
  if (chromium !== undefined) {
    const doc = JSON.parse(chromium) as { CACertificates?: string[] };
    const kept = (doc.CACertificates ?? []).filter((b64) => !sha256s.includes(createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex")));
    if (kept.length === 0) await rm(CHROMIUM, { force: true });
    else await writeFile(CHROMIUM, JSON.stringify({ ...doc, CACertificates: kept }, null, 2));
  }
}
