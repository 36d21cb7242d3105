// The onboarding log for IT: one line per event, in the platform's usual place, rotated by size.
// Callers only ever pass step messages and codes, which never contain a password.
import { visible } from "./safeText.js";
import { appendFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export const MAX_LOG_BYTES = 1024 * 1024;
export const KEEP_LOGS = 3;

export function defaultLogDir(elevated: boolean, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === "win32") return elevated ? join(env["ProgramData"] ?? "C:\\ProgramData", "RelayOnboard", "Logs") : join(env["LOCALAPPDATA"] ?? join(homedir(), "AppData", "Local"), "RelayOnboard", "Logs");
  if (platform === "darwin") return elevated ? "/Library/Logs/RelayOnboard" : join(homedir(), "Library", "Logs", "RelayOnboard");
  return elevated ? "/var/log/relay-onboard" : join(env["XDG_STATE_HOME"] ?? join(homedir(), ".local", "state"), "relay-onboard");
}

export class RunLog {
  readonly file: string;
  constructor(dir: string, name = "onboard.log") {
    this.file = join(dir, name);
  }

  /** Rotates onboard.log → .1 → .2 … when it has grown past the limit. */
  async open(): Promise<void> {
    await mkdir(join(this.file, ".."), { recursive: true, mode: 0o750 });
    const size = await stat(this.file).then((s) => s.size, () => 0);
    if (size < MAX_LOG_BYTES) return;
    await rm(`${this.file}.${KEEP_LOGS}`, { force: true });
    for (let i = KEEP_LOGS - 1; i >= 1; i--) await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
    await rename(this.file, `${this.file}.1`);
  }

  async write(level: "info" | "warn" | "error", message: string, now = new Date()): Promise<void> {
    // One event, one line: line breaks and every other control character shown as escapes.
    const line = `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${visible(message)}\n`;
    await appendFile(this.file, line, { mode: 0o640 });
  }
}
