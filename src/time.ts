// Times as reports and the helpdesk read them: one format for machines (ISO 8601 with the local
// UTC offset, "2026-11-30T14:02:11.123+01:00") and one for people ("2026-11-30 14:02:11
// UTC+01:00"), the same in the CLI, the reports and the app's support summary.

function offsetOf(date: Date): { minutes: number; text: string } {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return { minutes, text: `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}` };
}

/** ISO 8601 in local time with its offset (a zone a machine can parse, and a person can read). */
export function isoWithOffset(date: Date): string {
  const { minutes, text } = offsetOf(date);
  return new Date(date.getTime() + minutes * 60_000).toISOString().replace("Z", text);
}

/** "2026-11-30 14:02:11 UTC+01:00" */
export function formatTimestamp(date: Date): string {
  return readableIso(isoWithOffset(date));
}

/** An isoWithOffset string as people read it, keeping the offset it was written with. */
export function readableIso(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]} UTC${m[3] === "Z" ? "+00:00" : m[3]}`;
}
