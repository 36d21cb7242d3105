// The one way a fingerprint is shown to people — app, diagnostics, CLI text, HTML report — so a
// helpdesk reading it out finds it character for character everywhere: uppercase hex pairs joined
// by colons, in groups of four bytes separated by a space ("57:9F:94:7E 91:B9:07:81 …"); a line
// may break only between groups. JSON keeps its machine form (lowercase hex, no separators).
// Pure (no imports), so the renderer may use it as well.

/** "579f94…" or "57:9F:94:…" → ["57:9F:94:7E", "91:B9:07:81", …]. */
export function fingerprintGroups(hex: string): string[] {
  const pairs = hex.replace(/[^0-9a-f]/gi, "").toUpperCase().match(/.{1,2}/g) ?? [];
  const groups: string[] = [];
  for (let i = 0; i < pairs.length; i += 4) groups.push(pairs.slice(i, i + 4).join(":"));
  return groups;
}

export function formatFingerprint(hex: string): string {
  return fingerprintGroups(hex).join(" ");
}
