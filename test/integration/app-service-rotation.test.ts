// The app follows a root rotation like `onboard` does: "Install the certificate" installs every
// current root (the next one too) and takes a retired root out, in a real NSS database through
// the real certutil; the Trust screen's view names the next root, and the store counts as trusted
// only once the retired root is gone.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AppService } from "../../src/app/service.js";
import { formatFingerprint } from "../../src/certs/fingerprint.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { acceptCa } from "../../src/truststore/accept.js";
import { NssStore } from "../../src/truststore/nss.js";
import type { Policy } from "../../src/policy/policy.js";
import { createRootCa, makeKey, signed, tempDir, trustOf, unsignedPayload } from "../helpers/org.js";

const hasCertutil = spawnSync("sh", ["-c", "command -v certutil"]).status === 0;
const services: AppService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.dispose();
});

const fp = (pem: string) => sha256Hex(singleCertificateDer(pem));

describe.skipIf(!hasCertutil)("the app during a root rotation", () => {
  it("installs the current and next roots, removes the retired one, and says so on the Trust screen", async () => {
    const dir = await tempDir("ro-app-rotation-");
    const [old, current, next] = await Promise.all([createRootCa("App Old Root"), createRootCa("App Current Root"), createRootCa("App Next Root")]);
    const base = await unsignedPayload();
    const payload = {
      ...base,
      config: {
        ...base.config,
        rootCa: { pem: current.certPem, sha256: fp(current.certPem) },
        additionalRoots: [{ pem: next.certPem, sha256: fp(next.certPem) }],
        retiredRoots: [{ sha256: fp(old.certPem) }],
      },
    };
    const key = await makeKey();
    await writeFile(join(dir, "config.jws"), await signed(key, { payload, now: new Date() }));
    // Managed policy names the configuration (a file dropped by MDM) and the keys.
    const policy = { source: "test", configUrl: join(dir, "config.jws"), trustedKeys: await trustOf([key]) } as unknown as Policy;

    // A Thunderbird-like NSS database that still trusts the old root (as an earlier run left it).
    const db = join(dir, "nssdb");
    await mkdir(db);
    const store = new NssStore(db, { create: true });
    await store.install(acceptCa(old.certPem, fp(old.certPem), base.config.organization.name));

    const s = new AppService({ version: "test", stateDir: join(dir, "state"), policy: () => Promise.resolve(policy), stores: () => Promise.resolve([store]), bundledOrgFile: join(dir, "none.json") });
    services.push(s);
    const state = await s.state();
    expect(state.problem, JSON.stringify(state.problem)).toBeUndefined();

    const before = await s.caDetails();
    expect(before.fingerprint).toBe(formatFingerprint(fp(current.certPem)));
    expect(before.additionalRoots).toEqual([{ subject: "CN=App Next Root", fingerprint: formatFingerprint(fp(next.certPem)) }]);
    expect(before.stores).toEqual([{ store: "nss", location: db, installed: false }]);

    const after = await s.installCa();
    expect(after.stores).toEqual([{ store: "nss", location: db, installed: true, changed: true }]);
    const listing = spawnSync("certutil", ["-L", "-d", `sql:${db}`], { encoding: "utf8" }).stdout;
    expect(listing).toContain(`root ${fp(current.certPem).slice(0, 8)} (Relay Onboard)`);
    expect(listing).toContain(`root ${fp(next.certPem).slice(0, 8)} (Relay Onboard)`);
    expect(listing).not.toContain(`root ${fp(old.certPem).slice(0, 8)} (Relay Onboard)`);
    expect((await s.caDetails()).stores).toEqual([{ store: "nss", location: db, installed: true }]);
    expect((await s.installCa()).stores).toEqual([{ store: "nss", location: db, installed: true, changed: false }]);
  });
});
