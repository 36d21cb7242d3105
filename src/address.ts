// The user's email address as typed into the tool: one @, a dotted domain, and nothing that could
// break a command line or an SMTP command (spaces, CR/LF, angle brackets, NUL).
export const USER_EMAIL = /^[^\s<>@\0]+@[^\s<>@\0]+\.[^\s<>@\0]+$/;

export function isUserEmail(text: string): boolean {
  return USER_EMAIL.test(text);
}
