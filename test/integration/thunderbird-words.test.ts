// The words of "Set up by hand" against Thunderbird's own: every field name the window shows for
// Thunderbird is read out of the installed Thunderbird (English, in omni.ja) and its German and
// French language packs (Debian's thunderbird-l10n-de/-fr), so a user finds the field by the very
// words on their screen. Classic Outlook's names cannot be checked here (no Outlook on Linux).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const OMNI = "/usr/lib/thunderbird/omni.ja";
const packOf = (lang: string) => `/usr/lib/thunderbird/extensions/langpack-${lang}@thunderbird.mozilla.org.xpi`;
const LOCALES = [
  { lang: "en", archive: OMNI, chrome: "chrome/en-US/locale/en-US", l10n: "localization/en-US" },
  { lang: "de", archive: packOf("de"), chrome: "chrome/de/locale/de", l10n: "localization/de" },
  { lang: "fr", archive: packOf("fr"), chrome: "chrome/fr/locale/fr", l10n: "localization/fr" },
] as const;
const ready = existsSync("/usr/bin/unzip") && LOCALES.every((l) => existsSync(l.archive));
if (!ready) console.warn("Thunderbird words test skipped: needs thunderbird, thunderbird-l10n-de, thunderbird-l10n-fr and unzip (npm test provisions them)");

const member = (archive: string, path: string) => execFileSync("unzip", ["-p", archive, path], { encoding: "utf8", maxBuffer: 8 << 20 });
const entity = (dtd: string, name: string) => new RegExp(`<!ENTITY ${name.replace(/\./g, "\\.")} "([^"]*)">`).exec(dtd)?.[1];
const keyed = (text: string, key: string) => new RegExp(`^${key}\\s*=\\s*(.*)$`, "m").exec(text)?.[1]?.trim();
/** A label as a field name: without its colon (French puts a space before it). */
const field = (label: string | undefined) => label?.replace(/[\s\u00a0\u202f]*:$/, "");

describe.skipIf(!ready)("Set up by hand names Thunderbird's fields as Thunderbird does", () => {
  for (const { lang, archive, chrome, l10n } of LOCALES) {
    it(`in ${lang}`, async () => {
      const ours = JSON.parse(await readFile(join(import.meta.dirname, "..", "..", "src", "i18n", `${lang}.json`), "utf8")) as Record<string, string>;
      const smtp = member(archive, `${chrome}/messenger/smtpEditOverlay.dtd`);
      const server = member(archive, `${chrome}/messenger/am-server-top.dtd`);
      const messenger = member(archive, `${chrome}/messenger/messenger.properties`);
      const setup = member(archive, `${l10n}/messenger/accountcreation/accountSetup.ftl`);
      const manager = member(archive, `${l10n}/messenger/accountManager.ftl`);
      const outgoing = keyed(manager, "outgoing-server-section-name");
      const incoming = keyed(setup, "account-setup-incoming-server-legend");
      expect([outgoing, incoming].every(Boolean), "Thunderbird's section names were found").toBe(true);
      expect({
        host: ours["manual.smtpHost"], port: ours["manual.smtpPort"], security: ours["manual.smtpSecurity"], auth: ours["manual.smtpAuth"], authValue: ours["manual.smtpAuthValue"], user: ours["manual.smtpUser"],
        inHost: ours["manual.inHost"], inPort: ours["manual.inPort"], inSecurity: ours["manual.inSecurity"], inUser: ours["manual.inUser"],
      }).toEqual({
        host: `${outgoing} — ${field(entity(smtp, "serverName.label"))}`,
        port: `${outgoing} — ${field(entity(smtp, "serverPort.label"))}`,
        security: `${outgoing} — ${field(entity(smtp, "connectionSecurity.label"))}`,
        auth: `${outgoing} — ${field(entity(smtp, "authMethod.label"))}`,
        authValue: keyed(messenger, "authPasswordCleartextViaSSL"),
        user: `${outgoing} — ${field(entity(smtp, "userName.label"))}`,
        inHost: `${incoming} ({protocol}) — ${field(entity(server, "serverName.label"))}`,
        inPort: `${incoming} — ${field(entity(smtp, "serverPort.label"))}`,
        inSecurity: `${incoming} — ${field(entity(server, "connectionSecurity.label"))}`,
        inUser: `${incoming} — ${field(entity(server, "userName.label"))}`,
      });
      // Where Thunderbird asks for the password, the box to tick is named as Thunderbird names it.
      const remember = keyed(member(archive, `${l10n}/messenger/msgAuthPrompt.ftl`), "remember-password-checkbox-label");
      expect(remember).toBeTruthy();
      expect(ours["mail.tbAsksPassword"]).toContain(remember!.replace(/\.$/, ""));
      // The security values are Thunderbird's menu items too.
      for (const value of [ours["security.starttls"], ours["security.tls"]]) expect(smtp + server).toContain(`"${value}"`);
    });
  }
});
