// The UI's languages: ICU MessageFormat catalogues (FormatJS / react-intl), English as the source,
// German and French complete (a test keeps their keys and placeholders in step with English).
// Plurals, dates and numbers go through Intl in the UI language. The language is the user's
// menu choice, else managed policy's `language`, else the OS's — main decides (AppState.language).
import type { MessageFormatElement } from "react-intl";
import { useIntl } from "react-intl";
import de from "../../src/i18n/de.json";
import en from "../../src/i18n/en.json";
import fr from "../../src/i18n/fr.json";

export type MessageId = keyof typeof en;
export type Values = Record<string, string | number>;

export const LANGUAGES = { en: "English", de: "Deutsch", fr: "Français" } as const;
export type Language = keyof typeof LANGUAGES;

/**
 * en-XA is the pseudo-locale of the tests and translators: every message accented and longer, so
 * text that is not from a catalogue, and boxes too small for longer languages, stand out. Its
 * messages are compiled by FormatJS at test time and handed in through `relayOnboardPseudoMessages`.
 */
export const PSEUDO = "en-XA";

export function messagesFor(locale: string): Record<string, string> | Record<string, MessageFormatElement[]> {
  if (locale === PSEUDO) return (globalThis as { relayOnboardPseudoMessages?: Record<string, MessageFormatElement[]> }).relayOnboardPseudoMessages ?? en;
  return { de, fr }[locale as "de" | "fr"] ?? en;
}

/** The message function every component uses; ids are checked against the English catalogue. */
export function useT(): (id: MessageId, values?: Values) => string {
  const intl = useIntl();
  return (id, values) => intl.formatMessage({ id }, values);
}

export function useDates() {
  const intl = useIntl();
  return {
    date: (iso: string) => intl.formatDate(iso, { dateStyle: "medium" }),
    dateTime: (iso: string) => intl.formatDate(iso, { dateStyle: "medium", timeStyle: "short" }),
  };
}
