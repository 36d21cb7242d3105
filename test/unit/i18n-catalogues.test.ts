// The app's message catalogues: German and French complete and in step with English (same ids,
// same placeholders, valid ICU MessageFormat, no message left in English but names and technical
// tokens), a user message and next step for every failure code, and a pseudo-locale FormatJS can build.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { compile } from "@formatjs/cli-lib";
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { describe, expect, it } from "vitest";
import { FAILURE_CODES } from "../../src/errors.js";

const DIR = join(import.meta.dirname, "..", "..", "src", "i18n");
const load = async (locale: string) => JSON.parse(await readFile(join(DIR, `${locale}.json`), "utf8")) as Record<string, string>;

/** Argument names a message uses ({host}, {n, plural, …}, …), recursively. */
function argumentsOf(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.type === TYPE.argument || el.type === TYPE.number || el.type === TYPE.date || el.type === TYPE.time) into.add(el.value);
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      into.add(el.value);
      for (const option of Object.values(el.options)) argumentsOf(option.value, into);
    }
    if (el.type === TYPE.tag) argumentsOf(el.children, into);
  }
  return into;
}

/** Messages that are the same in every language: names, technical tokens, pure placeholders. */
const SAME_EVERYWHERE = new Set(["app.product", "security.starttls", "security.tls", "client.thunderbird", "client.outlook", "client.apple-mail", "check.ehlo", "diag.ms", "report.ms", "report.th.code"]);
const SAME_IN: Record<string, Set<string>> = {
  de: new Set(["app.helpdeskLabel", "app.helpdeskPhone", "steps.organisation", "org.name", "diag.th.port", "diag.th.details", "report.relay", "report.computer"]),
  fr: new Set(["steps.organisation", "org.name", "org.serverValue", "diag.verdict", "diag.th.port", "summary.code", "report.date", "report.relayValue", "report.configuration", "report.configurationValue"]),
};

describe("the app's catalogues", async () => {
  const en = await load("en");
  for (const locale of ["de", "fr"] as const) {
    const other = await load(locale);
    it(`${locale}: exactly the English ids, valid ICU, the same placeholders`, () => {
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const [id, message] of Object.entries(other)) {
        const theirs = argumentsOf(parse(message));
        expect([...theirs].sort(), `${locale} ${id}`).toEqual([...argumentsOf(parse(en[id]!))].sort());
      }
    });

    it(`${locale}: nothing left in English but names and technical tokens`, () => {
      const untranslated = Object.keys(en).filter((id) => other[id] === en[id] && !SAME_EVERYWHERE.has(id) && !SAME_IN[locale]!.has(id));
      expect(untranslated).toEqual([]);
    });
  }

  it("every failure code has the user's words and a next step in every language", async () => {
    for (const locale of ["en", "de", "fr"]) {
      const messages = await load(locale);
      for (const code of Object.keys(FAILURE_CODES)) {
        expect(messages[`code.${code}.user`], `${locale} ${code}`).toMatch(/\S/);
        expect(messages[`code.${code}.next`], `${locale} ${code}`).toMatch(/\S/);
      }
    }
  });

  it("plurals work in each language", async () => {
    const { IntlMessageFormat } = await import("intl-messageformat");
    const format = (locale: string, messages: Record<string, string>, n: number) => new IntlMessageFormat(messages["signIn.time"]!, locale).format({ elapsed: n, left: n });
    expect(format("en", en, 1)).toBe("1 second so far, at most 1 second left");
    expect(format("de", await load("de"), 2)).toBe("bisher 2 Sekunden, höchstens noch 2 Sekunden");
    expect(format("fr", await load("fr"), 1)).toBe("1 seconde écoulée, au plus 1 seconde restante");
  });

  it("FormatJS builds the pseudo-locale from English: every literal accented, placeholders kept", async () => {
    const pseudo = JSON.parse(await compile([join(DIR, "en.json")], { format: "simple", pseudoLocale: "en-XA", ast: true })) as Record<string, MessageFormatElement[]>;
    expect(Object.keys(pseudo).sort()).toEqual(Object.keys(en).sort());
    const literal = (pseudo["signIn.works"] ?? []).filter((e) => e.type === TYPE.literal).map((e) => (e as { value: string }).value).join("");
    expect(literal).not.toMatch(/[A-Za-z]{2}/);
    expect([...argumentsOf(pseudo["signIn.works"]!)]).toEqual(["host"]);
  });
});
