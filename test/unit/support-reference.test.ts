// The helpdesk reference (src/support/reference.ts): one per installation and user, kept in the
// state folder; read back however a person typed it; each report has its own sortable id.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { installationReference, newReference, newReportId, normaliseReference, REFERENCE_FILE, REFERENCE_PATTERN } from "../../src/support/reference.js";
import { tempDir } from "../helpers/org.js";

describe("the reference", () => {
  it("is RO-XXXX-XXXX in Crockford's base32 (no I, L, O, U), every character reachable", () => {
    const seen = new Set<string>();
    for (let b = 0; b < 256; b++) {
      const ref = newReference((n) => Buffer.alloc(n, b));
      expect(ref).toMatch(REFERENCE_PATTERN);
      seen.add(ref[3]!);
    }
    expect([...seen].sort().join("")).toBe("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    expect(newReference((n) => Buffer.from([0, 1, 2, 3, 28, 29, 30, 31].slice(0, n)))).toBe("RO-0123-WXYZ");
  });

  it("is read back as people type or read it: case, spaces, O for 0, I or L for 1; anything else is no reference", () => {
    expect(normaliseReference("ro-0123-wxyz")).toBe("RO-0123-WXYZ");
    expect(normaliseReference(" RO 0I23 WXYZ ")).toBe("RO-0123-WXYZ");
    expect(normaliseReference("RO-OL23-WXYZ")).toBe("RO-0123-WXYZ");
    expect(normaliseReference("0123WXYZ")).toBe("RO-0123-WXYZ");
    for (const bad of ["", "RO-0123-WXY", "RO-0123-WXYZ0", "RO-0123-WXYU", "RO-01/3-WXYZ", "RO-0123-WXYZ\n<b>"]) expect(normaliseReference(bad), bad).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
      const ref = newReference((n) => Buffer.from(Array.from({ length: n }, (_, i) => (seed >> i) & 0xff)));
      return normaliseReference(ref) === ref && normaliseReference(ref.toLowerCase()) === ref;
    }));
  });

  it("is made once per state folder and kept: every later start reads the same one; a damaged file is replaced", async () => {
    const dir = join(await tempDir("ro-ref-"), "state");
    const first = installationReference(dir, new Date("2026-12-07T10:00:00Z"));
    expect(first).toMatch(REFERENCE_PATTERN);
    expect(installationReference(dir)).toBe(first);
    expect(JSON.parse(await readFile(join(dir, REFERENCE_FILE), "utf8"))).toEqual({ reference: first, createdAt: "2026-12-07T10:00:00.000Z" });
    expect(await readdir(dir)).toEqual([REFERENCE_FILE]); // no temporary file left
    await writeFile(join(dir, REFERENCE_FILE), '{"reference": "RO-<script>"}');
    const fresh = installationReference(dir);
    expect(fresh).toMatch(REFERENCE_PATTERN);
    expect(installationReference(dir)).toBe(fresh);
  });

  it("still gives a reference for this run when the state folder cannot be made (a file in the way), and keeps nothing", async () => {
    const dir = await tempDir("ro-ref-blocked-");
    await writeFile(join(dir, "state"), "a file, not a folder");
    const ref = installationReference(join(dir, "state", "inner"));
    expect(ref).toMatch(REFERENCE_PATTERN);
    expect(await readdir(dir)).toEqual(["state"]);
  });
});

describe("the report id", () => {
  it("sorts by time, and two reports of one second differ", () => {
    const at = new Date("2026-12-07T10:15:00.123Z");
    expect(newReportId(at, (n) => Buffer.alloc(n, 31))).toBe("20261207T101500Z-ZZZZ");
    expect(newReportId(at) < newReportId(new Date("2026-12-07T10:15:01Z"))).toBe(true);
    const ids = new Set(Array.from({ length: 50 }, () => newReportId(at)));
    expect(ids.size).toBeGreaterThan(45);
  });
});
