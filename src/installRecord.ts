// What the tool installed (DESIGN.md, "What the tool installed"): per store, each root's SHA-256 and
// its handle there; per Thunderbird profile, the servers, identity and account it created and every
// preference it changed with the value before. Removal (a retired root, `ca remove`, `offboard`)
// takes back only what this record or the tool's own naming shows. Unknown fields are kept, so a
// record written by a newer version survives a run of an older one; a damaged record is set aside
// (never guessed at) and the tool falls back to its own naming.
import { readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./fs/atomic.js";
import { guardWrite } from "./fs/writeFailure.js";

export const RECORD_FILE = "installed.json";

const prefValue = z.union([z.string(), z.number(), z.boolean()]);

const rootSchema = z.looseObject({
  store: z.string(),
  location: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The anchor file, the NSS nickname, the Windows thumbprint, the macOS keychain label. */
  handle: z.string(),
  installedAt: z.string(),
});

const prefSchema = z.looseObject({
  file: z.enum(["prefs.js", "user.js"]),
  name: z.string(),
  /** Absent: the preference was not set before. */
  before: prefValue.optional(),
  after: prefValue,
});

const profileSchema = z.looseObject({
  profile: z.string(),
  email: z.string(),
  installedAt: z.string(),
  /** Keys the tool created (not reused): smtp server, identity, account, incoming server. */
  created: z.looseObject({ smtp: z.string().optional(), identity: z.string().optional(), account: z.string().optional(), server: z.string().optional() }),
  prefs: z.array(prefSchema),
});

const secretSchema = z.looseObject({ service: z.string(), account: z.string() });

const recordSchema = z.looseObject({
  format: z.int().min(1),
  roots: z.array(rootSchema).default([]),
  thunderbird: z.array(profileSchema).default([]),
  secrets: z.array(secretSchema).default([]),
});

export type RecordedRoot = z.infer<typeof rootSchema>;
export type RecordedPref = z.infer<typeof prefSchema>;
export type RecordedProfile = z.infer<typeof profileSchema>;
export type RecordedSecret = z.infer<typeof secretSchema>;
type RecordData = z.infer<typeof recordSchema>;
export interface RootInput {
  store: string;
  location: string;
  sha256: string;
  handle: string;
}
export interface ProfileInput {
  profile: string;
  email: string;
  created: { smtp?: string; identity?: string; account?: string; server?: string };
  prefs: RecordedPref[];
}

export class InstallRecord {
  private changed = false;

  private constructor(
    readonly file: string,
    private readonly data: RecordData,
    /** Where a damaged record was moved, to report it. */
    readonly setAside?: string,
  ) {}

  static empty(file: string): InstallRecord {
    return new InstallRecord(file, { format: 1, roots: [], thunderbird: [], secrets: [] });
  }

  /**
   * The record in `stateDir`. Missing: empty. Damaged (not JSON, or not this shape): moved aside to
   * `installed.json.damaged-<time>` when `readOnly` is false, and an empty record used instead.
   */
  static async load(stateDir: string, options: { readOnly?: boolean; now?: Date } = {}): Promise<InstallRecord> {
    const file = join(stateDir, RECORD_FILE);
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
      throw err;
    });
    if (text === undefined) return InstallRecord.empty(file);
    let parsed: z.ZodSafeParseResult<RecordData> | undefined;
    try {
      parsed = recordSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) return new InstallRecord(file, parsed.data);
    if (options.readOnly) return new InstallRecord(file, InstallRecord.empty(file).data, file);
    const aside = `${file}.damaged-${(options.now ?? new Date()).toISOString().replace(/[-:.]/g, "")}`;
    await guardWrite("STATE_WRITE_FAILED", stateDir, "the damaged install record's new name", () => rename(file, aside));
    const fresh = new InstallRecord(file, InstallRecord.empty(file).data, aside);
    fresh.changed = true;
    return fresh;
  }

  get roots(): readonly RecordedRoot[] {
    return this.data.roots;
  }

  get profiles(): readonly RecordedProfile[] {
    return this.data.thunderbird;
  }

  get secrets(): readonly RecordedSecret[] {
    return this.data.secrets;
  }

  get dirty(): boolean {
    return this.changed;
  }

  root(store: string, location: string, sha256: string): RecordedRoot | undefined {
    return this.data.roots.find((r) => r.store === store && r.location === location && r.sha256 === sha256);
  }

  addRoot(entry: RootInput, now: Date): void {
    this.dropRoot(entry.store, entry.location, entry.sha256);
    this.data.roots.push({ ...entry, installedAt: now.toISOString() });
    this.changed = true;
  }

  dropRoot(store: string, location: string, sha256: string): void {
    const before = this.data.roots.length;
    this.data.roots = this.data.roots.filter((r) => !(r.store === store && r.location === location && r.sha256 === sha256));
    if (this.data.roots.length !== before) this.changed = true;
  }

  profile(profile: string): RecordedProfile | undefined {
    return this.data.thunderbird.find((p) => p.profile === profile);
  }

  /**
   * Adds a run's changes to a profile's entry. A preference changed before keeps its first `before`
   * (the value the user had before the tool ever touched it); keys created earlier stay created.
   */
  addProfileChanges(entry: ProfileInput, now: Date): void {
    const old = this.profile(entry.profile);
    if (!old) {
      this.data.thunderbird.push({ ...entry, installedAt: now.toISOString() });
    } else {
      old.email = entry.email;
      old.created = { ...entry.created, ...Object.fromEntries(Object.entries(old.created).filter(([, v]) => v !== undefined)) };
      for (const p of entry.prefs) {
        const known = old.prefs.find((q) => q.file === p.file && q.name === p.name);
        if (known) known.after = p.after;
        else old.prefs.push(p);
      }
    }
    this.changed = true;
  }

  dropProfile(profile: string): void {
    const before = this.data.thunderbird.length;
    this.data.thunderbird = this.data.thunderbird.filter((p) => p.profile !== profile);
    if (this.data.thunderbird.length !== before) this.changed = true;
  }

  addSecret(entry: RecordedSecret): void {
    if (this.data.secrets.some((s) => s.service === entry.service && s.account === entry.account)) return;
    this.data.secrets.push(entry);
    this.changed = true;
  }

  dropSecret(entry: RecordedSecret): void {
    const before = this.data.secrets.length;
    this.data.secrets = this.data.secrets.filter((s) => !(s.service === entry.service && s.account === entry.account));
    if (this.data.secrets.length !== before) this.changed = true;
  }

  /** Writes the record when something changed (atomically, readable only by its owner). */
  async save(): Promise<void> {
    if (!this.changed) return;
    await guardWrite("STATE_WRITE_FAILED", dirname(this.file), "the install record", () => writeFileAtomic(this.file, JSON.stringify(this.data, null, 2) + "\n", { mode: 0o600 }));
    this.changed = false;
  }
}
