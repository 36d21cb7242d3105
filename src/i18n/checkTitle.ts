// A check's title in the UI language, from its stable id (DESIGN.md): the window and the saved HTML
// report word the steps alike. Ids with no message (the audit's) keep the English title main gave.
// Pure (no catalogue, no formatter): the renderer imports it too.
type Translate<Id extends string> = (id: Id, values?: Record<string, string | number>) => string;

const TITLED = new Set(["dns", "connect", "greeting", "ehlo", "starttls", "tls", "certificate", "ehlo-tls", "auth", "auth-offered", "mail-from", "rcpt-internal", "rcpt-external", "quit", "session"]);

export function checkTitle<Id extends string>(t: Translate<Id>, check: { id: string; title: string }, target: { host: string; port: number }): string {
  const port = /port-(\d+)-(ipv[46])$/.exec(check.id);
  if (port) return t("check.port" as Id, { port: port[1]!, family: port[2] === "ipv6" ? "IPv6" : "IPv4" });
  return TITLED.has(check.id) ? t(`check.${check.id}` as Id, target) : check.title;
}
