// The UI's message catalogues (ICU MessageFormat, English the source, German and French complete)
// for what the core writes in the user's language — the saved HTML report. The renderer formats
// the same catalogues with react-intl; here FormatJS's intl-messageformat does it.
import { IntlMessageFormat } from "intl-messageformat";
import de from "./de.json" with { type: "json" };
import en from "./en.json" with { type: "json" };
import fr from "./fr.json" with { type: "json" };

export type MessageId = keyof typeof en;
export type Translate = (id: MessageId, values?: Record<string, string | number>) => string;

const CATALOGUES: Record<string, Record<string, string>> = { en, de, fr };

/** The language a locale tag falls back to: en, de or fr. */
export function catalogueLanguage(locale: string | undefined): "en" | "de" | "fr" {
  const lang = (locale ?? "en").toLowerCase().split(/[-_]/)[0];
  return lang === "de" || lang === "fr" ? lang : "en";
}

/** Messages in `locale`, an unknown id or language falling back to English. */
export function translator(locale: string | undefined): Translate {
  const lang = catalogueLanguage(locale);
  const cache = new Map<string, IntlMessageFormat>();
  return (id, values) => {
    let format = cache.get(id);
    if (!format) {
      format = new IntlMessageFormat(CATALOGUES[lang]![id] ?? en[id], lang);
      cache.set(id, format);
    }
    return String(format.format(values));
  };
}
