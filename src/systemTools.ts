// System tools are run by absolute path (DESIGN.md, security invariants): never looked up on PATH
// or in the current folder, where a user or a download could plant a program of the same name that
// would then run with the tool's privileges (elevated, under MDM).
import { existsSync } from "node:fs";
import { posix, win32 } from "node:path";

export type WindowsTool = "certutil.exe" | "reg.exe" | "whoami.exe" | "powershell.exe" | "icacls.exe";

/** %SystemRoot%\System32\<tool> (PowerShell in its own folder there). */
export function windowsTool(name: WindowsTool, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env["SystemRoot"];
  const root = configured && win32.isAbsolute(configured) && !configured.startsWith("\\\\") ? configured : "C:\\Windows";
  return name === "powershell.exe" ? win32.join(root, "System32", "WindowsPowerShell", "v1.0", name) : win32.join(root, "System32", name);
}

/** The folders system tools live in on Linux and macOS, in the order they are searched. */
export const UNIX_TOOL_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] as const;

/** The tool's absolute path in the first system folder that has it (/usr/bin/<tool> if none does). */
export function unixTool(name: string, exists: (path: string) => boolean = existsSync): string {
  for (const dir of UNIX_TOOL_DIRS) {
    const path = posix.join(dir, name);
    if (exists(path)) return path;
  }
  return posix.join("/usr/bin", name);
}
