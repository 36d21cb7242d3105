// Where the stack of an unexpected error (a bug: INTERNAL, exit 5) is kept, so the one-line message
// the user sees can name a file the helpdesk asks for. Best effort: failing to write it never
// hides the original error. Only the error's own text and stack are written — never arguments or
// state, so no secret can reach it.
import { constants } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";

export const INTERNAL_LOG = "internal-errors.log";

export async function recordInternalError(err: unknown, dir: string, now = new Date()): Promise<string | undefined> {
  const file = join(dir, INTERNAL_LOG);
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // O_NOFOLLOW: a link planted in the folder must not redirect our write.
    const handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      await handle.write(`${now.toISOString()} ${text.replace(/\r/g, "")}\n`);
    } finally {
      await handle.close();
    }
    return file;
  } catch {
    return undefined;
  }
}
