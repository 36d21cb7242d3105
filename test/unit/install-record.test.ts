// The install record (DESIGN.md, "What the tool installed"): kept atomically and privately, read by
// a newer version without losing what it does not know, and a damaged one set aside — never
// guessed at — so that removal falls back to the tool's own naming.
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InstallRecord, RECORD_FILE } from "../../src/installRecord.js";
import { tempDir } from "../helpers/org.js";

const SHA = "a".repeat(64);
const NOW = new Date("2026-12-07T10:00:00Z");

describe("InstallRecord", () => {
  it("missing: empty and clean, and saving writes nothing", async () => {
    const dir = await tempDir("ro-record-");
    const record = await InstallRecord.load(dir);
    expect([record.roots, record.profiles, record.secrets, record.dirty, record.setAside]).toEqual([[], [], [], false, undefined]);
    await record.save();
    expect(await readdir(dir)).toEqual([]);
  });

  it("saves only its owner can read it, and reads back what it saved", async () => {
    const dir = await tempDir("ro-record-");
    const record = await InstallRecord.load(dir);
    record.addRoot({ store: "nss", location: "/p", sha256: SHA, handle: "Org root aaaaaaaa (Relay Onboard)" }, NOW);
    record.addSecret({ service: "Relay Onboard", account: "a@b.test" });
    record.addSecret({ service: "Relay Onboard", account: "a@b.test" });
    record.addProfileChanges({ profile: "/p", email: "a@b.test", created: { smtp: "smtp2" }, prefs: [{ file: "prefs.js", name: "mail.smtp.defaultserver", before: "smtp1", after: "smtp2" }] }, NOW);
    expect(record.dirty).toBe(true);
    await record.save();
    expect(record.dirty).toBe(false);
    expect((await stat(join(dir, RECORD_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([RECORD_FILE]);
    const again = await InstallRecord.load(dir);
    expect(again.root("nss", "/p", SHA)).toMatchObject({ handle: "Org root aaaaaaaa (Relay Onboard)", installedAt: NOW.toISOString() });
    expect(again.root("nss", "/other", SHA)).toBeUndefined();
    expect(again.secrets).toEqual([{ service: "Relay Onboard", account: "a@b.test" }]);
    expect(again.profile("/p")).toMatchObject({ created: { smtp: "smtp2" }, prefs: [{ name: "mail.smtp.defaultserver", before: "smtp1", after: "smtp2" }] });
  });

  it("a second run keeps the value the user had before the first, and what the first created", async () => {
    const record = await InstallRecord.load(await tempDir("ro-record-"));
    record.addProfileChanges({ profile: "/p", email: "a@b.test", created: { smtp: "smtp2", identity: "id2" }, prefs: [{ file: "prefs.js", name: "mail.smtp.defaultserver", before: "smtp1", after: "smtp2" }] }, NOW);
    record.addProfileChanges({ profile: "/p", email: "a@b.test", created: {}, prefs: [{ file: "prefs.js", name: "mail.smtp.defaultserver", before: "smtp9", after: "smtp2" }, { file: "user.js", name: "x", after: 1 }] }, NOW);
    expect(record.profile("/p")).toMatchObject({ created: { smtp: "smtp2", identity: "id2" }, prefs: [{ name: "mail.smtp.defaultserver", before: "smtp1" }, { file: "user.js", name: "x", after: 1 }] });
    record.dropProfile("/p");
    expect(record.profiles).toEqual([]);
  });

  it("a record from a newer version: what this one does not know survives a change and a save", async () => {
    const dir = await tempDir("ro-record-");
    const newer = { format: 2, futureTopLevel: { keep: true }, roots: [{ store: "system", location: "/a", sha256: SHA, handle: "relay-onboard-aaaa.crt", installedAt: "x", newField: 7 }], thunderbird: [], secrets: [], outlook: [{ account: "kept" }] };
    await writeFile(join(dir, RECORD_FILE), JSON.stringify(newer));
    const record = await InstallRecord.load(dir);
    expect(record.setAside).toBeUndefined();
    record.addSecret({ service: "Relay Onboard", account: "a@b.test" });
    await record.save();
    const saved = JSON.parse(await readFile(join(dir, RECORD_FILE), "utf8")) as Record<string, unknown>;
    expect(saved).toMatchObject({ format: 2, futureTopLevel: { keep: true }, outlook: [{ account: "kept" }], roots: [{ newField: 7 }] });
  });

  for (const [what, text] of [["not JSON", "{\"format\": 1, \"roots\": ["], ["not its shape", JSON.stringify({ format: 1, roots: [{ store: "nss", sha256: "not-hex" }] })], ["empty", ""]] as const) {
    it(`damaged (${what}): set aside with its bytes, an empty record instead; read only leaves it where it is`, async () => {
      const dir = await tempDir("ro-record-");
      await writeFile(join(dir, RECORD_FILE), text);
      const peek = await InstallRecord.load(dir, { readOnly: true, now: NOW });
      expect([peek.roots, peek.setAside]).toEqual([[], join(dir, RECORD_FILE)]);
      expect(await readdir(dir)).toEqual([RECORD_FILE]);

      const record = await InstallRecord.load(dir, { now: NOW });
      expect(record.roots).toEqual([]);
      expect(record.setAside).toBe(join(dir, `${RECORD_FILE}.damaged-20261207T100000000Z`));
      expect(await readFile(record.setAside!, "utf8")).toBe(text);
      expect(record.dirty).toBe(true);
      await record.save();
      expect(JSON.parse(await readFile(join(dir, RECORD_FILE), "utf8"))).toEqual({ format: 1, roots: [], thunderbird: [], secrets: [] });
    });
  }
});
