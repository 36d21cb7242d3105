// What the app remembers between runs, in its state folder: the email, name, outcome of each step
// and the last reference — never a password. A file that is missing, unreadable or not in this
// shape starts a fresh journey (it is a convenience, not a record to trust).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { isDisplayName, isEmailAddress } from "../address.js";
import { isFailureCode } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic.js";
import type { Journey } from "./api.js";
import { guardWrite } from "../fs/writeFailure.js";

export const JOURNEY_FILE = "app-journey.json";

const when = z.iso.datetime();
const code = z.string().refine(isFailureCode);
const problem = z.strictObject({ code, message: z.string().max(2000), hint: z.string().max(2000), details: z.string().max(4000).optional() });
const journeySchema = z.strictObject({
  startedAt: when,
  updatedAt: when,
  email: z.string().max(254).refine(isEmailAddress).optional(),
  name: z.string().max(200).refine(isDisplayName).optional(),
  trust: z.strictObject({ status: z.enum(["done", "skipped"]), at: when }).optional(),
  test: z
    .strictObject({
      verdict: z.enum(["pass", "warn", "fail"]),
      code: z.union([z.literal("OK"), code]),
      port: z.int().min(1).max(65535),
      security: z.enum(["starttls", "tls"]),
      at: when,
      reference: z.string().max(40),
    })
    .optional(),
  clients: z
    .array(
      z.strictObject({
        client: z.enum(["thunderbird", "outlook", "apple-mail"]),
        status: z.enum(["done", "unchanged", "failed", "manual"]),
        message: z.string().max(4000),
        problem: problem.optional(),
      }),
    )
    .max(3)
    .optional(),
  finishedAt: when.optional(),
  reference: z.string().max(40).optional(),
  language: z.enum(["en", "de", "fr"]).optional(),
});

export async function loadJourney(stateDir: string, now: Date): Promise<Journey> {
  try {
    const parsed = journeySchema.safeParse(JSON.parse(await readFile(join(stateDir, JOURNEY_FILE), "utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or unreadable: a fresh start
  }
  return freshJourney(now);
}

export function freshJourney(now: Date): Journey {
  return { startedAt: now.toISOString(), updatedAt: now.toISOString() };
}

export async function saveJourney(stateDir: string, journey: Journey): Promise<void> {
  await guardWrite("STATE_WRITE_FAILED", stateDir, "this computer's progress", () => writeFileAtomic(join(stateDir, JOURNEY_FILE), JSON.stringify(journeySchema.parse(journey), null, 2) + "\n", { mode: 0o600 }));
}
