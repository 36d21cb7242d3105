// One time format for machines and one for people, with the zone, everywhere.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatTimestamp, isoWithOffset, readableIso } from "../../src/time.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** The functions in a process with another zone (the zone is fixed at start-up). */
function inZone(tz: string, iso: string): string[] {
  const code = `import("./src/time.ts").then((t) => { const d = new Date(${JSON.stringify(iso)}); console.log(JSON.stringify([t.isoWithOffset(d), t.formatTimestamp(d), t.readableIso(t.isoWithOffset(d))])); })`;
  return JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: ROOT, env: { ...process.env, TZ: tz }, encoding: "utf8" })) as string[];
}

describe("times", () => {
  it("ISO 8601 with the local offset, and the same instant", () => {
    const d = new Date("2026-11-30T13:02:11.123Z");
    const iso = isoWithOffset(d);
    expect(iso).toMatch(/^2026-11-30T\d\d:\d\d:11\.123[+-]\d\d:\d\d$/);
    expect(Date.parse(iso)).toBe(d.getTime());
    expect(formatTimestamp(d)).toBe(readableIso(iso));
  });

  it("in zones east, west and on a half hour", () => {
    expect(inZone("Asia/Kolkata", "2026-11-30T13:02:11.123Z")).toEqual(["2026-11-30T18:32:11.123+05:30", "2026-11-30 18:32:11 UTC+05:30", "2026-11-30 18:32:11 UTC+05:30"]);
    expect(inZone("America/New_York", "2026-11-30T03:02:11.000Z")).toEqual(["2026-11-29T22:02:11.000-05:00", "2026-11-29 22:02:11 UTC-05:00", "2026-11-29 22:02:11 UTC-05:00"]);
    expect(inZone("UTC", "2026-06-01T00:00:00.000Z")[1]).toBe("2026-06-01 00:00:00 UTC+00:00");
  });

  it("reads back what it wrote, and leaves anything else alone", () => {
    expect(readableIso("2026-11-30T14:02:11.123+01:00")).toBe("2026-11-30 14:02:11 UTC+01:00");
    expect(readableIso("2026-11-30T14:02:11Z")).toBe("2026-11-30 14:02:11 UTC+00:00");
    expect(readableIso("yesterday")).toBe("yesterday");
  });
});
