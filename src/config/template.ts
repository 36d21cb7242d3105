// The user-name template of the configuration: {email}, {local}, {domain} and literal text.
import { RelayError } from "../diagnostics/codes.js";

export function applyUsernameTemplate(template: string, email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1 || /[\s\r\n\0]/.test(email)) throw new RelayError("BAD_INPUT", `"${email}" is not an email address`);
  const parts: Record<string, string> = { email, local: email.slice(0, at), domain: email.slice(at + 1) };
  return template.replace(/\{(email|local|domain)\}/g, (_, key: string) => parts[key]!);
}
