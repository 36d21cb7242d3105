// offboard()'s own decisions, with stores, keychain and `profiles` given: what the record holds is
// what goes; a password the record holds that cannot be reached is a failure that keeps the record
// (and the state) for the next try, one merely named is not; Apple Mail's profile by its exact
// identifier on a Mac, else steps; classic Outlook always steps; a damaged record is said.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { profileIdentifier } from "../../src/clients/applemail/profile.js";
import { RelayError } from "../../src/errors.js";
import { InstallRecord, RECORD_FILE } from "../../src/installRecord.js";
import { offboard, type OffboardOptions } from "../../src/offboarding.js";
import type { Keychain } from "../../src/secrets/keychain.js";
import type { AcceptedCa, StoreResult, TrustStore } from "../../src/truststore/types.js";
import type { LoadedConfig } from "../../src/config/load.js";
import { tempDir, unsignedPayload } from "../helpers/org.js";

const NOW = new Date("2026-12-07T10:00:00Z");
const OTHER = "ef".repeat(32);

function store(ours: string[], theirs: string[] = []): TrustStore & { held: Set<string> } {
  const held = new Set(ours);
  const r = (changed: boolean): StoreResult => ({ store: "memory", location: "/mem", installed: false, changed });
  return {
    store: "memory", location: "/mem", held,
    status: () => Promise.resolve(r(false)),
    install: () => Promise.reject(new Error("offboard never installs")),
    remove: (ca: AcceptedCa) => Promise.resolve(r(held.delete(ca.sha256))),
    find: (sha256: string, organization: string) => Promise.resolve(held.has(sha256) ? ({ sha256, organization } as AcceptedCa) : undefined),
    trustedCopies: (sha256: string) => Promise.resolve([...(held.has(sha256) ? ["/mem/ours"] : []), ...(theirs.includes(sha256) ? ["/mem/admin.crt"] : [])]),
  };
}

function keychain(saved: string[], fails = false): Keychain & { saved: Set<string> } {
  const set = new Set(saved);
  const refuse = () => Promise.reject(new RelayError("KEYCHAIN_FAILED", "the system keychain refused: locked"));
  return { saved: set, save: () => Promise.resolve(), load: (a) => (fails ? refuse() : Promise.resolve(set.has(a) ? "pw" : undefined)), remove: (a) => (fails ? refuse() : Promise.resolve(set.delete(a))) };
}

async function loaded(): Promise<LoadedConfig> {
  const payload = await unsignedPayload();
  return { payload: { ...payload, iss: "internal.test", ver: 3, iat: 0, exp: 0 } } as unknown as LoadedConfig;
}

async function base(extra: Partial<OffboardOptions> = {}): Promise<OffboardOptions & { stateDir: string }> {
  const stateDir = await tempDir("ro-offboarding-");
  return { caStore: "auto", stateDir, clients: [], platform: "linux", now: NOW, ...extra };
}

describe("offboard", () => {
  it("takes out the roots the configuration and the record name, leaves another's copy and says where; the state goes, the rollback record stays", async () => {
    const config = await loaded();
    const root = config.payload.config.rootCa.sha256;
    const memory = store([root], [OTHER]);
    const options = await base({ loaded: config, stores: () => Promise.resolve([memory]) });
    const record = await InstallRecord.load(options.stateDir);
    record.addRoot({ store: "memory", location: "/mem", sha256: OTHER, handle: "gone-already" }, NOW);
    await record.save();
    await writeFile(join(options.stateDir, "config-state.json"), "{}");
    await writeFile(join(options.stateDir, "relay-onboard.prf"), "x");

    const plan = await offboard({ ...options, dryRun: true });
    expect(plan.steps.find((s) => s.id === "ca:memory:/mem")).toMatchObject({ status: "planned", message: `would remove ${root.slice(0, 8)}… from /mem; ${OTHER.slice(0, 8)}… installed by someone else: would be left in place` });
    expect(memory.held.has(root)).toBe(true);
    expect((await readdir(options.stateDir)).sort()).toEqual(["config-state.json", RECORD_FILE, "relay-onboard.prf"]);

    const out = await offboard(options);
    expect(out.exitStatus).toBe(0);
    expect(memory.held.size).toBe(0);
    expect(out.steps.find((s) => s.id === "ca:memory:/mem")?.message).toMatch(/also installed by someone else: left in place \(\/mem\/admin\.crt\)/);
    expect(out.steps.find((s) => s.id === "state")).toMatchObject({ status: "done", message: expect.stringContaining("the rollback record stays") });
    expect(await readdir(options.stateDir)).toEqual(["config-state.json"]);
    const again = await offboard(options);
    expect([again.changed, again.steps.filter((s) => s.status !== "unchanged")]).toEqual([false, []]);
  });

  it("--keep-ca and --ca-store none leave every store alone", async () => {
    const config = await loaded();
    const memory = store([config.payload.config.rootCa.sha256]);
    for (const extra of [{ keepCa: true }, { caStore: "none" as const }]) {
      const out = await offboard(await base({ loaded: config, stores: () => Promise.resolve([memory]), ...extra }));
      expect(out.steps.map((s) => [s.id, s.status])).toEqual([["ca", "skipped"], ["state", "unchanged"]]);
      expect(memory.held.size).toBe(1);
    }
  });

  it("a recorded password the keychain will not give up fails (exit 4) and keeps the record and state; one only named is said", async () => {
    const options = await base({ keychain: () => Promise.resolve(keychain(["a@b.test"], true)) });
    const record = await InstallRecord.load(options.stateDir);
    record.addSecret({ service: "Relay Onboard", account: "a@b.test" });
    await record.save();
    const out = await offboard(options);
    expect(out.exitStatus).toBe(4);
    expect(out.steps.find((s) => s.id === "keychain")).toMatchObject({ status: "failed", code: "KEYCHAIN_FAILED" });
    expect(out.steps.find((s) => s.id === "state")).toMatchObject({ status: "skipped" });
    expect((await InstallRecord.load(options.stateDir)).secrets).toEqual([{ service: "Relay Onboard", account: "a@b.test" }]);

    const named = await offboard(await base({ email: "x@b.test", keychain: () => Promise.resolve(keychain([], true)) }));
    expect(named.exitStatus).toBe(0);
    expect(named.steps.find((s) => s.id === "keychain")).toMatchObject({ status: "unchanged", message: "no keychain to look in for x@b.test (none was saved by Relay Onboard)" });

    const chain = keychain(["a@b.test"]);
    const ok = await offboard({ ...options, keychain: () => Promise.resolve(chain) });
    expect([ok.exitStatus, chain.saved.size, ok.steps.find((s) => s.id === "keychain")?.message]).toEqual([0, 0, "deleted the saved password of a@b.test"]);
  });

  it("Apple Mail: on a Mac the profile goes by its exact identifier (only when listed); elsewhere, and when macOS refuses, the steps", async () => {
    const config = await loaded();
    const id = profileIdentifier("internal.test", "a@b.test");
    const calls: string[][] = [];
    const mac = (listed: string, removeCode = 0) => base({
      loaded: config, email: "a@b.test", clients: ["apple-mail"], platform: "darwin", caStore: "none",
      run: (command, args) => {
        calls.push([command, ...args]);
        return Promise.resolve(args[0] === "list" ? { code: 0, stdout: listed, stderr: "" } : { code: removeCode, stdout: "", stderr: removeCode ? "profiles: not permitted" : "" });
      },
    });
    const removed = await offboard(await mac(`<string>${id}</string>`));
    expect(calls).toEqual([["/usr/bin/profiles", "list", "-o", "stdout-xml"], ["/usr/bin/profiles", "remove", "-identifier", id]]);
    expect(removed.steps.find((s) => s.id === "client:apple-mail")).toMatchObject({ status: "done", message: `removed the profile ${id}` });
    calls.length = 0;
    const absent = await offboard(await mac("<array/>"));
    expect(calls).toEqual([["/usr/bin/profiles", "list", "-o", "stdout-xml"]]);
    expect(absent.steps.find((s) => s.id === "client:apple-mail")?.status).toBe("unchanged");
    const refused = await offboard(await mac(`<string>${id}</string>`, 1));
    expect(refused.steps.find((s) => s.id === "client:apple-mail")).toMatchObject({ status: "skipped", instructions: [expect.stringContaining("Device Management")] });
    const linux = await offboard(await base({ loaded: config, email: "a@b.test", clients: ["apple-mail", "outlook"], caStore: "none" }));
    expect(linux.steps.find((s) => s.id === "client:apple-mail")).toMatchObject({ status: "skipped", message: expect.stringContaining(`"${config.payload.config.organization.name}: secure mail"`) });
    expect(linux.steps.find((s) => s.id === "client:outlook")).toMatchObject({ status: "skipped", instructions: [expect.stringContaining("select a@b.test on the Email tab and click Remove")] });
  });

  it.skipIf(process.getuid?.() !== 0)("as root for a user: a recorded profile of another home is left alone, a vanished one is dropped from the record", async () => {
    const home = await tempDir("ro-offboarding-home-");
    const { chown } = await import("node:fs/promises");
    await chown(home, 65534, 65534);
    const options = await base({ home, clients: ["thunderbird"], caStore: "none" });
    const record = await InstallRecord.load(options.stateDir);
    const elsewhere = await tempDir("ro-offboarding-elsewhere-");
    record.addProfileChanges({ profile: elsewhere, email: "a@b.test", created: { smtp: "smtp1" }, prefs: [] }, NOW);
    record.addProfileChanges({ profile: join(home, "gone.default"), email: "a@b.test", created: { smtp: "smtp1" }, prefs: [] }, NOW);
    await record.save();
    const out = await offboard({ ...options, dryRun: true });
    expect(out.steps.find((st) => st.id === `client:thunderbird:${elsewhere}`)).toMatchObject({ status: "skipped", message: `recorded in a home other than this user's (${home}): left alone` });
    expect(out.steps.find((st) => st.id === `client:thunderbird:${join(home, "gone.default")}`)).toMatchObject({ status: "unchanged", message: "the profile no longer exists: nothing left to take back" });
    expect(out.exitStatus).toBe(0);
  });

  it("a damaged record is set aside and said; removal falls back to the tool's own naming", async () => {
    const options = await base();
    await mkdir(options.stateDir, { recursive: true });
    await writeFile(join(options.stateDir, RECORD_FILE), "{not json");
    const out = await offboard(options);
    expect(out.steps[0]).toMatchObject({ id: "record", status: "skipped", message: expect.stringContaining("was damaged and was set aside") });
    const aside = (await readdir(options.stateDir)).find((f) => f.startsWith(`${RECORD_FILE}.damaged-`));
    expect(await readFile(join(options.stateDir, aside!), "utf8")).toBe("{not json");
  });
});
