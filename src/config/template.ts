// The user-name template of the configuration: {email}, {local}, {domain} and literal text.
import { requireEmailAddress } from "../address.js";

export function applyUsernameTemplate(template: string, email: string): string {
  requireEmailAddress(email, "email address");
  const at = email.lastIndexOf("@");
  const parts: Record<string, string> = { email, local: email.slice(0, at), domain: email.slice(at + 1) };
  return template.replace(/\{(email|local|domain)\}/g, (_, key: string) => parts[key]!);
}
