// Rollback protection: the highest `ver` accepted per issuer, kept in a small JSON file.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { RelayError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import { parseJsonStrict } from "./json.js";
import { guardWrite } from "../fs/writeFailure.js";
import { cleanLeftovers } from "../fs/leftovers.js";

// Issuers are kept as a list, not as object keys, so no issuer name can collide with a property name.
const stateSchema = z.strictObject({
  issuers: z.array(z.strictObject({ iss: z.string().min(1), ver: z.int().min(1), acceptedAt: z.string() })),
});

export const STATE_FILE = "config-state.json";

export class RollbackState {
  /** readOnly: rollback is still enforced, but nothing is recorded (`status` never writes). */
  constructor(
    readonly file: string,
    private readonly readOnly = false,
  ) {}

  static inDir(dir: string, readOnly = false): RollbackState {
    return new RollbackState(join(dir, STATE_FILE), readOnly);
  }

  /** The highest ver accepted for `iss`, or undefined. A corrupt file is an error, never "no state". */
  async highest(iss: string): Promise<number | undefined> {
    const issuers = await this.read();
    return issuers.get(iss)?.ver;
  }

  /** Records `ver` for `iss` if it is higher than what is stored. Returns whether the file changed. */
  async record(iss: string, ver: number, now: Date): Promise<boolean> {
    const issuers = await this.read();
    const current = issuers.get(iss)?.ver;
    if ((current !== undefined && current >= ver) || this.readOnly) return false;
    issuers.set(iss, { ver, acceptedAt: now.toISOString() });
    const list = [...issuers].sort(([a], [b]) => a.localeCompare(b)).map(([name, entry]) => ({ iss: name, ...entry }));
    const out = { issuers: list };
    await cleanLeftovers(dirname(this.file)); // a killed run's temporary files (fs/leftovers.ts)
    await guardWrite("STATE_WRITE_FAILED", dirname(this.file), "the record of accepted configurations", () => writeFileAtomic(this.file, JSON.stringify(out, null, 2) + "\n", { mode: 0o600 }));
    return true;
  }

  private async read(): Promise<Map<string, { ver: number; acceptedAt: string }>> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new Map();
      throw new RelayError("BAD_INPUT", `cannot read the rollback state ${this.file}: ${(err as Error).message}`);
    }
    let parsed;
    try {
      parsed = stateSchema.safeParse(parseJsonStrict(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      throw new RelayError("BAD_INPUT", `the rollback state ${this.file} is damaged; restore it from backup or ask IT (deleting it weakens rollback protection)`);
    }
    return new Map(parsed.data.issuers.map(({ iss, ver, acceptedAt }) => [iss, { ver, acceptedAt }]));
  }
}
