// The state folder of this process's run when --state-dir is not given: an elevated Windows run
// keeps it under %ProgramData% (paths.ts), so the process token is asked there — and only there.
import { stateDirFor } from "../paths.js";

export async function stateDirOfThisRun(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<string> {
  if (platform !== "win32") return stateDirFor(false, env, platform);
  const { isElevated } = await import("../truststore/select.js");
  return stateDirFor(await isElevated(platform), env, platform);
}
