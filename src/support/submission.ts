// What a report sent to the helpdesk looks like (DESIGN.md, "Helpdesk reports"): checked field by
// field, every string bounded, before anything is stored. What the receiver keeps is this, parsed —
// never the bytes as they came.
import { z } from "zod";
import { REFERENCE_PATTERN } from "./reference.js";

export const REPORT_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9A-HJKMNP-TV-Z]{4}$/;
/** The most a report may be: the contract's 256 KiB. */
export const MAX_REPORT_BYTES = 256 * 1024;

const text = (max: number) => z.string().max(max);
const check = z.object({
  id: text(80), title: text(200), status: z.enum(["pass", "warn", "fail", "skip"]), code: text(40),
  message: text(4000), hint: text(4000).optional(), startMs: z.number().int().min(0).max(86_400_000).optional(), durationMs: z.number().int().min(0).max(86_400_000).optional(),
});
const report = z.object({
  tool: z.object({ name: z.literal("relay-onboard"), version: text(40) }),
  reference: text(20).optional(),
  reportId: text(40).optional(),
  account: z.object({ email: text(254).optional(), login: text(254).optional() }).optional(),
  os: z.object({ platform: text(20), type: text(40), release: text(80), arch: text(20) }).optional(),
  startedAt: text(40), finishedAt: text(40),
  configuration: z.object({ issuer: text(200), version: z.number().int() }).optional(),
  trustAnchor: z.object({ subject: text(1000), sha256: text(64) }).optional(),
  target: z.object({ host: text(253), port: z.number().int().min(1).max(65535), security: z.enum(["starttls", "tls"]) }),
  verdict: z.enum(["pass", "warn", "fail"]),
  code: text(40),
  checks: z.array(check).max(200),
  tls: z.object({ protocol: text(20).optional(), cipher: text(100).optional(), chain: z.array(z.object({ subject: text(1000), issuer: text(1000), sha256: text(64), notAfter: text(60) })).max(10).optional() }).optional(),
  transcript: z.array(z.object({ t: z.number().int().min(0), dir: z.enum(["client", "server", "info"]), text: text(2000) })).max(2000),
});

export const submissionSchema = z.object({
  reference: z.string().regex(REFERENCE_PATTERN),
  reportId: z.string().regex(REPORT_ID_PATTERN),
  sentAt: z.iso.datetime({ offset: true }),
  tool: z.object({ name: z.literal("relay-onboard"), version: text(40) }),
  os: z.object({ platform: text(20), type: text(40), release: text(80), arch: text(20) }),
  report,
});

export type Submission = z.infer<typeof submissionSchema>;

/** What the receiver stores: the submission, and when and from where it came. */
export interface StoredReport extends Submission {
  received: string;
}
