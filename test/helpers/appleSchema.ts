// Validates a profile against Apple's own device-management schema files (read-only copies in
// ../shared/reference/apple-device-management): required keys, no unknown keys, types, allowed values.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

// ../shared is the reference; a copy (with Apple's licence) travels with the tests for machines
// where the repository is checked out on its own.
const SHARED = join(import.meta.dirname, "..", "..", "..", "shared", "reference", "apple-device-management");
const DIR = existsSync(SHARED) ? SHARED : join(import.meta.dirname, "..", "fixtures", "apple-device-management");

interface KeySpec {
  key: string;
  type: string;
  presence?: string;
  rangelist?: unknown[];
}

function specs(file: string): KeySpec[] {
  const doc = parseYaml(readFileSync(join(DIR, file), "utf8")) as { payloadkeys: KeySpec[] };
  return doc.payloadkeys;
}

export const SCHEMAS: Record<string, KeySpec[]> = {
  Configuration: specs("TopLevel.yaml"),
  "com.apple.mail.managed": [...specs("CommonPayloadKeys.yaml"), ...specs("com.apple.mail.managed.yaml")],
  "com.apple.security.root": [...specs("CommonPayloadKeys.yaml"), ...specs("com.apple.security.root.yaml")],
};

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case "<string>":
      return typeof value === "string";
    case "<integer>":
      return Number.isInteger(value);
    case "<real>":
      return typeof value === "number";
    case "<boolean>":
      return typeof value === "boolean";
    case "<data>":
      return Buffer.isBuffer(value) || value instanceof Uint8Array || value instanceof ArrayBuffer;
    case "<date>":
      return value instanceof Date;
    case "<array>":
      return Array.isArray(value);
    case "<dictionary>":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "<any>":
      return true;
    default:
      return false;
  }
}

/** Problems found in one payload dictionary (empty when valid). */
export function validatePayload(payload: Record<string, unknown>, schemaName?: string): string[] {
  const name = schemaName ?? String(payload["PayloadType"]);
  const keys = SCHEMAS[name];
  if (!keys) return [`no schema for ${name}`];
  const problems: string[] = [];
  for (const spec of keys) {
    const value = payload[spec.key];
    if (value === undefined) {
      if (spec.presence === "required") problems.push(`${name}: ${spec.key} is required`);
      continue;
    }
    if (!typeOk(spec.type, value)) problems.push(`${name}: ${spec.key} should be ${spec.type}`);
    if (spec.rangelist && !spec.rangelist.includes(value)) problems.push(`${name}: ${spec.key}=${JSON.stringify(value)} is not one of ${spec.rangelist.join(", ")}`);
  }
  for (const key of Object.keys(payload)) if (!keys.some((s) => s.key === key)) problems.push(`${name}: unknown key ${key}`);
  return problems;
}
