// The onboarding log for IT: one line per event, in the platform's usual place, rotated by size.
// Callers only ever pass step messages and codes, which never contain a password.
import { constants } from "node:fs";
import { lstat, open, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { RelayError } from "./errors.js";
import { ensurePrivateDir, type PrivateDirOptions } from "./fs/privateDir.js";
import { visible } from "./safeText.js";
import { guardWrite } from "./fs/writeFailure.js";

export const MAX_LOG_BYTES = 1024 * 1024;
export const KEEP_LOGS = 3;

export function defaultLogDir(elevated: boolean, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === "win32") return elevated ? join(env["ProgramData"] ?? "C:\\ProgramData", "RelayOnboard", "Logs") : join(env["LOCALAPPDATA"] ?? join(homedir(), "AppData", "Local"), "RelayOnboard", "Logs");
  if (platform === "darwin") return elevated ? "/Library/Logs/RelayOnboard" : join(homedir(), "Library", "Logs", "RelayOnboard");
  return elevated ? "/var/log/relay-onboard" : join(env["XDG_STATE_HOME"] ?? join(homedir(), ".local", "state"), "relay-onboard");
}

export class RunLog {
  readonly file: string;
  constructor(
    dir: string,
    name = "onboard.log",
    private readonly dirOptions: PrivateDirOptions = {},
  ) {
    this.file = join(dir, name);
  }

  /**
   * Makes sure the folder is one no other account can redirect (see fs/privateDir.ts) and the log
   * is a plain file, then rotates onboard.log → .1 → .2 … when it has grown past the limit.
   */
  async open(): Promise<void> {
    await guardWrite("STATE_WRITE_FAILED", dirname(this.file), "the log", () => this.rotate());
  }

  private async rotate(): Promise<void> {
    await ensurePrivateDir(dirname(this.file), this.dirOptions);
    const current = await lstat(this.file).catch(() => undefined);
    if (current && !current.isFile()) throw new RelayError("BAD_INPUT", `${this.file} is not a plain file (a link?); Relay Onboard will not write through it`);
    const size = current?.size ?? 0;
    if (size < MAX_LOG_BYTES) return;
    await rm(`${this.file}.${KEEP_LOGS}`, { force: true });
    for (let i = KEEP_LOGS - 1; i >= 1; i--) await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
    await rename(this.file, `${this.file}.1`);
  }

  async write(level: "info" | "warn" | "error", message: string, now = new Date()): Promise<void> {
    // One event, one line: line breaks and every other control character shown as escapes.
    const line = `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${visible(message)}\n`;
    // O_NOFOLLOW: a link put in place of the log since open() is refused, never written through.
    await guardWrite("STATE_WRITE_FAILED", dirname(this.file), "the log", async () => {
      const handle = await open(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o640);
      try {
        await handle.write(line);
      } finally {
        await handle.close();
      }
    });
  }
}
