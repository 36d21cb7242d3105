// A write the disk refused (full, read-only, not permitted) is the machine's state, not a bug: it
// becomes a coded failure naming the folder and the cause in words — STATE_WRITE_FAILED for the
// tool's own state, lock, log and report folders, CLIENT_WRITE_FAILED for a mail app's files.
// Anything else is left to surface as what it is.
import { RelayError } from "../errors.js";

const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the disk is read-only",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted",
  EIO: "an input/output error (the disk may be failing)",
  EFBIG: "the file would be too large",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "a folder is in the way",
  ENAMETOOLONG: "the path is too long",
  // O_NOFOLLOW meeting a link (someone swapped one in), or a loop of links.
  ELOOP: "a link is where a file should be, which is refused",
  EMFILE: "too many files are open",
  ENFILE: "too many files are open",
};

/** The disk's refusal in words, or undefined for an error that is not one. */
export function writeCause(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && Object.hasOwn(CAUSES, code) ? `${CAUSES[code]} (${code})` : undefined;
}

export type WriteFailureCode = "STATE_WRITE_FAILED" | "CLIENT_WRITE_FAILED" | "CA_INSTALL_FAILED";

/** Runs `write`; a refusal by the disk becomes `code`, naming `what` and its folder. */
export async function guardWrite<T>(code: WriteFailureCode, folder: string, what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const cause = writeCause(err);
    if (err instanceof RelayError || cause === undefined) throw err;
    throw new RelayError(code, `${what} could not be written in ${folder}: ${cause}`, { cause: err });
  }
}
