// Thunderbird's enterprise policies as IT's second channel for the root: `policies.json` with
// Certificates → Install makes every profile on the machine, including ones created later, trust
// the organisation's roots. Thunderbird reads one file: on Linux /etc/thunderbird/policies/ when it
// exists (it then shadows the installation's), else `distribution/policies.json` beside the
// program. We merge into the file in force and keep every other policy IT has there; a file that
// does not parse is refused and left byte-identical. Certificates are written next to it (in
// `certificates/`, where Thunderbird also looks by name) and listed by absolute path.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { OrgConfig } from "../../config/schema.js";
import { currentRoots } from "../../config/roots.js";
import { RelayError } from "../../errors.js";
import { writeFileAtomic } from "../../fs/atomic.js";
import { cleanLeftovers } from "../../fs/leftovers.js";
import { keepBackup } from "../../fs/backup.js";
import { extraPolicyFiles, installDirs } from "./locks.js";
import { mergePolicies } from "../../truststore/policiesJson.js";

export { mergePolicies };
import { guardWrite } from "../../fs/writeFailure.js";

/** The file names this tool owns in the certificates folder. */
const OURS = /^relay-onboard-root-[0-9a-f]{16}\.pem$/;
const MAX_POLICIES_BYTES = 4 * 1024 * 1024;

export const LINUX_SYSTEM_POLICIES = extraPolicyFiles("linux")[0]!;

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * The policies.json Thunderbird will read. On Linux the system file wins whenever it exists; else
 * an installation's existing distribution file; else a new system file (Linux: survives package
 * upgrades) or the installation's distribution file (Windows, macOS).
 */
export async function policiesFileInForce(options: { platform?: NodeJS.Platform; installDir?: string; env?: NodeJS.ProcessEnv; systemFile?: string } = {}): Promise<string> {
  const platform = options.platform ?? process.platform;
  const systemFile = options.systemFile ?? LINUX_SYSTEM_POLICIES;
  if (platform === "linux" && (await exists(systemFile))) return systemFile;
  const dirs = options.installDir ? [options.installDir] : installDirs(platform, options.env);
  for (const dir of dirs) {
    const file = join(dir, "distribution", "policies.json");
    if (await exists(file)) return file;
  }
  if (platform === "linux" && !options.installDir) return systemFile;
  for (const dir of dirs) if (await exists(dir)) return join(dir, "distribution", "policies.json");
  throw new RelayError("CLIENT_NOT_FOUND", `Thunderbird's installation was not found (looked in ${dirs.join(", ")}); give --install-dir or --out`);
}


export interface PolicyPlan {
  file: string;
  certDir: string;
  /** The file's text now (undefined: it does not exist). */
  before: string | undefined;
  after: string;
  /** Certificate files to write (absent or different). */
  write: Array<{ path: string; pem: string }>;
  /** Our certificate files of retired roots, to delete. */
  remove: string[];
  changed: boolean;
}

export async function planThunderbirdPolicy(file: string, config: OrgConfig): Promise<PolicyPlan> {
  const info = await stat(file).catch(() => undefined);
  if (info && !info.isFile()) throw new RelayError("BAD_INPUT", `${file} is not a regular file`);
  if (info && info.size > MAX_POLICIES_BYTES) throw new RelayError("BAD_INPUT", `${file} is larger than ${MAX_POLICIES_BYTES} bytes`);
  const before = info ? await readFile(file, "utf8") : undefined;
  const certDir = join(dirname(file), "certificates");
  const roots = currentRoots(config).map((r) => ({ path: join(certDir, `relay-onboard-root-${r.sha256.slice(0, 16)}.pem`), pem: `${r.pem.trim()}\n` }));
  const ours = new Set(roots.map((r) => r.path));
  const after = mergePolicies(before, roots.map((r) => r.path), (entry) => dirname(entry) === certDir && OURS.test(basename(entry)), file);
  const write: PolicyPlan["write"] = [];
  for (const root of roots) {
    const current = await readFile(root.path, "utf8").catch(() => undefined);
    if (current !== root.pem) write.push(root);
  }
  const remove = (await readdir(certDir).catch(() => [] as string[])).filter((n) => OURS.test(n)).map((n) => join(certDir, n)).filter((p) => !ours.has(p));
  // Unchanged policies keep their bytes: the file is rewritten only when the certificate list changes.
  const sameList = before !== undefined && after === mergePolicies(before, [], () => false, file);
  const changed = !sameList || write.length > 0 || remove.length > 0;
  return { file, certDir, before, after: sameList ? before : after, write, remove, changed };
}

/**
 * Certificates first (Thunderbird must find every file it is told to install), then the policies
 * file — IT's previous one kept as a backup beside it. Returns the backup's path, if one was made.
 */
export async function applyThunderbirdPolicy(plan: PolicyPlan, now = new Date()): Promise<string | undefined> {
  for (const dir of [plan.certDir, dirname(plan.file)]) await cleanLeftovers(dir); // a killed run's temporary files
  for (const cert of plan.write) await guardWrite("CLIENT_WRITE_FAILED", dirname(cert.path), "the root certificate for Thunderbird's policies", () => writeFileAtomic(cert.path, cert.pem, { mode: 0o644 }));
  let backup: string | undefined;
  if (plan.after !== plan.before) {
    backup = await guardWrite("CLIENT_WRITE_FAILED", dirname(plan.file), "Thunderbird's policies.json", async () => {
      const kept = plan.before !== undefined ? await keepBackup(plan.file, now.toISOString().replace(/[:.]/g, "-")) : undefined;
      await writeFileAtomic(plan.file, plan.after, { mode: 0o644 });
      return kept;
    });
  }
  for (const old of plan.remove) await rm(old, { force: true });
  return backup;
}
