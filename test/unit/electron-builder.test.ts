// electron-builder.yml against electron-builder's own JSON schema (app-builder-lib/scheme.json),
// offline: building the installers needs Electron's download, which CI cannot reach.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const schema = require("app-builder-lib/scheme.json") as object;
const config = parse(readFileSync(join(import.meta.dirname, "..", "..", "electron-builder.yml"), "utf8")) as Record<string, any>;

describe("electron-builder.yml", () => {
  it("validates against electron-builder's schema", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("a typo is caught by the same validation (the check can fail)", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate({ ...config, nsis: { ...config["nsis"], perMachin: true } })).toBe(false);
  });

  it("has the targets, fuses and fixed upgrade code IT needs", () => {
    expect(config["appId"]).toBe("org.relayonboard.app");
    expect(config["win"].target).toEqual(["nsis", "msi"]);
    expect(config["mac"].target).toEqual(["pkg", "dmg"]);
    expect(config["linux"].target).toEqual(["deb", "rpm", "AppImage"]);
    expect(config["nsis"]).toMatchObject({ perMachine: true });
    expect(config["msi"].upgradeCode).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(config["electronFuses"]).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true });
    expect(config["extraResources"]).toContainEqual({ from: "assets/org", to: "org", filter: ["org.json"] });
  });
});
