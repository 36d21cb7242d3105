// The child's side of forUser.ts: `relay-onboard __user-job` reads one request on stdin, does it as
// the user it runs as, and answers on stdout. Each request refuses a profile or database that leads
// outside the home or belongs to another account, before anything is read or written there.
import { configSchema, type OrgConfig } from "../config/schema.js";
import { asRelayError, RelayError } from "../errors.js";
import type { ProfileJob } from "../clients/thunderbird/asOwner.js";
import type { ThunderbirdProfile } from "../clients/thunderbird/profiles.js";
import { requireInHome } from "./forUser.js";
import type { RecordedProfile } from "../installRecord.js";
import { join } from "node:path";

export type UserRequest =
  | { kind: "profile"; home: string; job: ProfileJob }
  | { kind: "find"; home: string; thunderbirdRoots: string[]; nssDbs?: string[] }
  | { kind: "pending"; home: string; profile: string; config: OrgConfig; email?: string; enterpriseRoots: boolean }
  | { kind: "offboard"; home: string; profile: string; config?: OrgConfig; entry?: RecordedProfile; dryRun?: boolean; now?: string };

/** What the user's home holds: Thunderbird's profiles and the NSS databases, each refused or not. */
export interface FoundForUser {
  thunderbird: ThunderbirdProfile[];
  nss: Array<{ dir: string; refused?: string }>;
}

async function handle(request: UserRequest): Promise<unknown> {
  const home = String(request.home);
  switch (request.kind) {
    case "profile": {
      const job: ProfileJob = { ...request.job, config: configSchema.parse(request.job.config), profile: join(String(request.job.profile)) };
      await requireInHome(job.profile, home, "the Thunderbird profile");
      const { runProfileJob } = await import("../clients/thunderbird/asOwner.js");
      return runProfileJob(job);
    }
    case "find": {
      const { findThunderbirdProfiles } = await import("../clients/thunderbird/profiles.js");
      const { findNssDatabases } = await import("../truststore/nss.js");
      const dirs = request.nssDbs ?? (await findNssDatabases(home));
      const nss: FoundForUser["nss"] = [];
      for (const dir of dirs) {
        const refused = await requireInHome(dir, home, "the NSS database").then(() => undefined, (e: unknown) => asRelayError(e).message);
        nss.push({ dir, ...(refused ? { refused } : {}) });
      }
      return { thunderbird: await findThunderbirdProfiles(request.thunderbirdRoots.map(String)), nss } satisfies FoundForUser;
    }
    case "pending": {
      await requireInHome(String(request.profile), home, "the Thunderbird profile");
      const { thunderbirdPending } = await import("../clients/thunderbird/configure.js");
      return thunderbirdPending(String(request.profile), configSchema.parse(request.config), request.email, { enterpriseRoots: request.enterpriseRoots === true });
    }
    case "offboard": {
      await requireInHome(String(request.profile), home, "the Thunderbird profile");
      const { offboardThunderbird } = await import("../clients/thunderbird/offboard.js");
      return offboardThunderbird({
        profile: String(request.profile), ...(request.config ? { config: configSchema.parse(request.config) } : {}), ...(request.entry ? { entry: request.entry } : {}),
        ...(request.dryRun ? { dryRun: true } : {}), ...(request.now ? { now: new Date(request.now) } : {}),
      });
    }
    default:
      throw new RelayError("USAGE", "unknown user job");
  }
}

/** Reads the request (at most 1 MiB), answers `{ ok, outcome }` or `{ ok: false, code, message }`. */
export async function userJobFromStdin(stdin: AsyncIterable<Buffer | string>, write: (text: string) => void): Promise<number> {
  let text = "";
  for await (const chunk of stdin) {
    text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (text.length > 1024 * 1024) break;
  }
  try {
    write(JSON.stringify({ ok: true, outcome: await handle(JSON.parse(text) as UserRequest) }));
    return 0;
  } catch (e) {
    const failure = asRelayError(e);
    write(JSON.stringify({ ok: false, code: failure.code, message: failure.message }));
    return 1;
  }
}
