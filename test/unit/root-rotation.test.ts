// Root rotation's building blocks on their own: the configuration's roots, the plan per store (which
// roots must be acceptable to install, and which only identified), what a store lacks or still
// holds, and the sentence each store's outcome becomes. End to end: test/integration/root-rotation.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { anchorsPem, currentRoots, retiredFingerprints } from "../../src/config/roots.js";
import type { OrgConfig } from "../../src/config/schema.js";
import { sha256Hex, singleCertificateDer } from "../../src/certs/pem.js";
import { applyRoots, describeRoots, planRoots, removeRoots, rootsInPlace, rootsState, type RootsOutcome } from "../../src/truststore/rotation.js";
import type { AcceptedCa, StoreResult, TrustStore } from "../../src/truststore/types.js";
import { createRootCa, unsignedPayload } from "../helpers/org.js";

let config: OrgConfig;
let next: { pem: string; sha256: string };
let expired: { pem: string; sha256: string };
const entry = (pem: string) => ({ pem, sha256: sha256Hex(singleCertificateDer(pem)) });

beforeAll(async () => {
  config = (await unsignedPayload()).config;
  next = entry((await createRootCa("Rotation Unit Next")).certPem);
  expired = entry((await createRootCa("Rotation Unit Expired", { notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z") })).certPem);
});

describe("the configuration's roots", () => {
  it("current roots: the primary first, then the additional ones; retired: their fingerprints", () => {
    expect(currentRoots(config)).toEqual([config.rootCa]);
    expect(retiredFingerprints(config)).toEqual([]);
    const rotating = { ...config, additionalRoots: [next], retiredRoots: [{ sha256: "ab".repeat(32), subject: "CN=Old" }, { sha256: "cd".repeat(32) }] };
    expect(currentRoots(rotating)).toEqual([config.rootCa, next]);
    expect(retiredFingerprints(rotating)).toEqual(["ab".repeat(32), "cd".repeat(32)]);
  });

  it("the relay's anchors are every current root's PEM, one after the other", () => {
    expect(anchorsPem(config)).toBe(`${config.rootCa.pem.trim()}\n`);
    expect(anchorsPem({ ...config, additionalRoots: [next] })).toBe(`${config.rootCa.pem.trim()}\n${next.pem.trim()}\n`);
    // Whatever whitespace the configuration's PEMs carry, one newline between and after them.
    expect(anchorsPem({ ...config, rootCa: { ...config.rootCa, pem: `${config.rootCa.pem.trim()}\n\n` }, additionalRoots: [{ ...next, pem: `\n${next.pem.trim()}\n` }] })).toBe(`${config.rootCa.pem.trim()}\n${next.pem.trim()}\n`);
  });
});

describe("planRoots", () => {
  it("for installing, every current root must be acceptable (an expired next root is CA_REJECTED)", () => {
    const plan = planRoots({ ...config, additionalRoots: [next] }, { now: new Date() });
    expect(plan.install.map((c) => c.sha256)).toEqual([config.rootCa.sha256, next.sha256]);
    expect(plan.organization).toBe(config.organization.name);
    expect(plan.install.every((c) => c.organization === config.organization.name)).toBe(true);
    expect(() => planRoots({ ...config, additionalRoots: [expired] }, { now: new Date() })).toThrow(expect.objectContaining({ code: "CA_REJECTED", message: expect.stringMatching(/expired/) as unknown }));
  });

  it("for status and removal, roots are only identified by their pin (an expired one can still be looked for)", () => {
    const plan = planRoots({ ...config, additionalRoots: [expired], retiredRoots: [{ sha256: "ab".repeat(32) }] }, { forInstall: false });
    expect(plan.install.map((c) => c.sha256)).toEqual([config.rootCa.sha256, expired.sha256]);
    expect(plan.retire).toEqual(["ab".repeat(32)]);
  });
});

/** A store in memory that holds fingerprints, answering as the real backends do. */
function memoryStore(held: string[], others: string[] = []): TrustStore & { held: Set<string>; calls: string[] } {
  const set = new Set(held);
  const theirs = new Set(others);
  const calls: string[] = [];
  const result = (installed: boolean, changed: boolean): StoreResult => ({ store: "memory", location: "/mem", installed, changed });
  return {
    store: "memory", location: "/mem", held: set, calls,
    status: (ca: AcceptedCa) => Promise.resolve(result(set.has(ca.sha256), false)),
    install: (ca: AcceptedCa) => {
      calls.push(`install ${ca.sha256.slice(0, 4)}`);
      const changed = !set.has(ca.sha256);
      set.add(ca.sha256);
      return Promise.resolve(result(true, changed));
    },
    remove: (ca: AcceptedCa) => {
      calls.push(`remove ${ca.sha256.slice(0, 4)}`);
      const changed = set.delete(ca.sha256);
      return Promise.resolve(result(false, changed));
    },
    find: (sha256: string, organization: string) => Promise.resolve(set.has(sha256) ? ({ sha256, organization } as AcceptedCa) : undefined),
    trustedCopies: (sha256: string) => Promise.resolve([...(set.has(sha256) ? ["/mem/ours"] : []), ...(theirs.has(sha256) ? ["/mem/admin.crt"] : [])]),
  };
}

describe("rootsState and applyRoots", () => {
  it("reads what a store lacks and what it still holds, without changing it", async () => {
    const plan = planRoots({ ...config, additionalRoots: [next], retiredRoots: [{ sha256: "ab".repeat(32) }, { sha256: "cd".repeat(32) }] }, { forInstall: false });
    const store = memoryStore([config.rootCa.sha256, "cd".repeat(32)]);
    expect(await rootsState(store, plan)).toEqual({ store: "memory", location: "/mem", missing: [next.sha256], retiredPresent: ["cd".repeat(32)], retiredWhere: [{ sha256: "cd".repeat(32), where: ["/mem/ours"] }] });
    expect(store.calls).toEqual([]);
    expect(await rootsState(memoryStore([config.rootCa.sha256, next.sha256]), plan)).toEqual({ store: "memory", location: "/mem", missing: [], retiredPresent: [], retiredWhere: [] });
    // A retired root someone else installed counts too: the store still trusts it.
    expect(await rootsState(memoryStore([config.rootCa.sha256, next.sha256], ["ab".repeat(32)]), plan)).toMatchObject({ retiredPresent: ["ab".repeat(32)], retiredWhere: [{ sha256: "ab".repeat(32), where: ["/mem/admin.crt"] }] });
  });

  it("installs every current root before removing the retired ones it finds; a second run changes nothing", async () => {
    const old = "ab".repeat(32);
    const plan = planRoots({ ...config, additionalRoots: [next], retiredRoots: [{ sha256: old }, { sha256: "ef".repeat(32) }] });
    const store = memoryStore([config.rootCa.sha256, old]);
    const first = await applyRoots(store, plan);
    expect(store.calls).toEqual([`install ${config.rootCa.sha256.slice(0, 4)}`, `install ${next.sha256.slice(0, 4)}`, "remove abab"]);
    expect(first).toEqual({ store: "memory", location: "/mem", installed: [next.sha256], present: [config.rootCa.sha256], removed: [old], leftInPlace: [], changed: true });
    expect([...store.held].sort()).toEqual([config.rootCa.sha256, next.sha256].sort());
    const again = await applyRoots(store, plan);
    expect(again).toEqual({ store: "memory", location: "/mem", installed: [], present: [config.rootCa.sha256, next.sha256], removed: [], leftInPlace: [], changed: false });
  });

  it("a retired root someone else installed is left in place and reported, never removed", async () => {
    const old = "ab".repeat(32);
    const store = memoryStore([config.rootCa.sha256], [old]);
    const outcome = await applyRoots(store, { ...planRoots(config), retire: [old] });
    expect(store.calls.filter((c) => c.startsWith("remove"))).toEqual([]);
    expect(outcome).toMatchObject({ removed: [], leftInPlace: [{ sha256: old, where: ["/mem/admin.crt"] }], changed: false });
    expect(describeRoots(outcome)).toBe(`memory: already there, retired root abababab… also installed by someone else: left in place (/mem/admin.crt)`);
  });

  it("keeps the install record: roots installed are added with their handle, retired ones taken out are dropped", async () => {
    const old = "ab".repeat(32);
    const added: string[] = [];
    const dropped: string[] = [];
    const asked: Array<string | undefined> = [];
    const store = memoryStore([old]);
    const find = store.find.bind(store);
    store.find = (sha256: string, organization: string, recorded?: string) => (asked.push(recorded), find(sha256, organization));
    store.install = (ca: AcceptedCa) => (store.held.add(ca.sha256), Promise.resolve({ store: "memory", location: "/mem", installed: true, changed: true, handle: `/mem/${ca.sha256.slice(0, 4)}` }));
    const keeper = {
      root: (s: string, l: string, sha: string) => (s === "memory" && l === "/mem" && sha === old ? { handle: "/mem/old-handle" } : undefined),
      addRoot: (e: { store: string; location: string; sha256: string; handle: string }) => void added.push(`${e.store} ${e.location} ${e.sha256.slice(0, 4)} ${e.handle}`),
      dropRoot: (s: string, l: string, sha: string) => void dropped.push(`${s} ${l} ${sha.slice(0, 4)}`),
    };
    await applyRoots(store, { ...planRoots(config), retire: [old] }, keeper);
    expect(added).toEqual([`memory /mem ${config.rootCa.sha256.slice(0, 4)} /mem/${config.rootCa.sha256.slice(0, 4)}`]);
    expect(asked).toEqual(["/mem/old-handle"]);
    expect(dropped).toEqual(["memory /mem abab"]);
  });

  it("a removal that changed nothing is not reported as removed", async () => {
    const store = memoryStore([config.rootCa.sha256]);
    store.find = (sha256: string) => Promise.resolve({ sha256 } as AcceptedCa); // found, but remove() has nothing to delete
    const outcome = await applyRoots(store, { ...planRoots(config), retire: ["ab".repeat(32)] });
    expect(outcome).toMatchObject({ removed: [], changed: false });
  });
});

describe("removeRoots and rootsInPlace", () => {
  it("removal takes out the current roots and every retired one still held, and says whether anything changed", async () => {
    const old = "ab".repeat(32);
    const plan = planRoots({ ...config, additionalRoots: [next], retiredRoots: [{ sha256: old }, { sha256: "ef".repeat(32) }] }, { forInstall: false });
    const store = memoryStore([config.rootCa.sha256, old, "99".repeat(32)]);
    expect(await removeRoots(store, plan)).toMatchObject({ changed: true, removed: [config.rootCa.sha256, old], leftInPlace: [] });
    expect([...store.held]).toEqual(["99".repeat(32)]);
    expect(store.calls).toEqual([`remove ${config.rootCa.sha256.slice(0, 4)}`, "remove abab"]);
    expect(await removeRoots(store, plan)).toMatchObject({ changed: false, removed: [] });
    // An equal root someone else installed stays, and is named.
    const shared = memoryStore([], [config.rootCa.sha256]);
    expect(await removeRoots(shared, plan)).toEqual({ store: "memory", location: "/mem", removed: [], leftInPlace: [{ sha256: config.rootCa.sha256, where: ["/mem/admin.crt"] }], changed: false });
    expect(shared.calls).toEqual([]);
  });

  it("a store is in place only with nothing missing and nothing retired left", () => {
    const state = { store: "s", location: "l", missing: [] as string[], retiredPresent: [] as string[], retiredWhere: [] };
    expect(rootsInPlace(state)).toBe(true);
    expect(rootsInPlace({ ...state, missing: ["a"] })).toBe(false);
    expect(rootsInPlace({ ...state, retiredPresent: ["b"] })).toBe(false);
  });
});

describe("describeRoots", () => {
  const o = (installed: number, present: number, removed: string[] = []): RootsOutcome => ({
    store: "nss", location: "/db", installed: Array(installed).fill("x") as string[], present: Array(present).fill("y") as string[], removed, leftInPlace: [], changed: installed + removed.length > 0,
  });
  it("says what happened in a store in one line", () => {
    expect(describeRoots(o(1, 0))).toBe("nss: installed");
    expect(describeRoots(o(0, 1))).toBe("nss: already there");
    expect(describeRoots(o(2, 0))).toBe("nss: 2 root(s) installed");
    expect(describeRoots(o(1, 1))).toBe("nss: 1 root(s) installed, 1 already there");
    expect(describeRoots(o(0, 2))).toBe("nss: 2 already there");
    expect(describeRoots(o(0, 1, ["0123456789abcdef"]))).toBe("nss: already there, retired root 01234567… removed");
    expect(describeRoots(o(0, 0, ["aaaaaaaa00", "bbbbbbbb00"]))).toBe("nss: retired root aaaaaaaa… removed, retired root bbbbbbbb… removed");
  });
});
