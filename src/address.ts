// The one email-address check, for every address the tool is given (typed by the user, from a
// flag, from managed policy) before it goes into a login template, an SMTP envelope, a profile or
// a command line: one @, a non-empty local part, a domain with a dot (or an address literal), and
// nothing that could break a command or a protocol line (spaces, CR/LF, angle brackets, NUL, other
// control characters).
import { RelayError, type FailureCode } from "./errors.js";
import { UNSAFE_TEXT } from "./safeText.js";

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const EMAIL = /^[^\s<>@\u0000-\u001f\u007f]+@(?:[^\s<>@\u0000-\u001f\u007f.]+\.)+[^\s<>@\u0000-\u001f\u007f.]+$/;

export function isEmailAddress(text: string): boolean {
  return text.length <= 254 && EMAIL.test(text);
}


/** The user's display name as written into mail-app settings: 1–200 characters, no control characters. */
export function isDisplayName(text: string): boolean {
  return text.trim().length > 0 && text.length <= 200 && !UNSAFE_TEXT.test(text);
}

export function requireDisplayName(text: string, code: FailureCode = "BAD_INPUT"): string {
  if (!isDisplayName(text)) throw new RelayError(code, "the name must be 1 to 200 characters without line breaks or other control characters");
  return text;
}

/** Returns the address, or throws `code` (BAD_INPUT unless told) naming what it was. */
export function requireEmailAddress(text: string, what: string, code: FailureCode = "BAD_INPUT"): string {
  if (/[\r\n\0]/.test(text)) throw new RelayError(code, `the ${what} contains a line break or NUL character`);
  if (!isEmailAddress(text)) throw new RelayError(code, `the ${what} "${text}" is not an email address`);
  return text;
}
