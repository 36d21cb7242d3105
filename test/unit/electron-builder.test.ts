// electron-builder.yml against electron-builder's own JSON schema (app-builder-lib/scheme.json),
// offline: building the installers needs Electron's download, which CI cannot reach.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const schema = require("app-builder-lib/scheme.json") as object;
const root = join(import.meta.dirname, "..", "..");
const config = parse(readFileSync(join(root, "electron-builder.yml"), "utf8")) as Record<string, any>;

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

  it("ships the command line in every installer and puts it on the PATH (issue 16)", () => {
    // beforePack builds dist/sea/<os>-<arch>/ for the target; extraResources carries it to resources/cli.
    expect(config["extraResources"]).toContainEqual({ from: "dist/sea/${os}-${arch}", to: "cli" });
    expect(config["files"]).toContain("!dist/sea/**");
    for (const hook of ["beforePack", "afterPack", "msiProjectCreated"]) expect(existsSync(join(root, config[hook]))).toBe(true);
    // The GUI and the CLI must not both be /usr/bin/relay-onboard.
    expect(config["linux"].executableName).toBe("relay-onboard-app");
    for (const target of ["deb", "rpm"]) {
      expect(config[target]).toEqual({ afterInstall: "assets/build/linux/after-install.sh", afterRemove: "assets/build/linux/after-remove.sh" });
    }
    const install = readFileSync(join(root, config["deb"].afterInstall), "utf8");
    expect(install).toContain('ln -sf "$app_dir/resources/cli/relay-onboard" /usr/bin/relay-onboard');
    // electron-builder treats every ${name} as a macro and fails the build on an unknown one.
    for (const file of [config["deb"].afterInstall, config["deb"].afterRemove]) {
      const macros = [...readFileSync(join(root, file), "utf8").matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1]);
      expect(new Set(macros)).toEqual(new Set(["sanitizedProductName", "executable"]));
    }
    expect(readFileSync(join(root, config["directories"].buildResources, config["pkg"].scripts, "postinstall"), "utf8")).toContain("/usr/local/bin/relay-onboard");
    expect(config["asarUnpack"]).toEqual(["node_modules/@napi-rs/keyring-*/**"]);
  });

  it("the signing and notarization keys documented in the IT guide are valid electron-builder configuration", () => {
    const guide = readFileSync(join(root, "docs", "it-guide.md"), "utf8");
    const block = /```yaml\n(# signing \(validated by test\/unit\/electron-builder\.test\.ts\)\n[\s\S]*?)```/.exec(guide)?.[1];
    expect(block).toBeDefined();
    const signing = parse(block!) as Record<string, Record<string, unknown>>;
    expect(Object.keys(signing).sort()).toEqual(["mac", "pkg", "win"]);
    const merged = { ...config, win: { ...config["win"], ...signing["win"] }, mac: { ...config["mac"], ...signing["mac"] }, pkg: { ...config["pkg"], ...signing["pkg"] } };
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(merged), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The files the block names exist.
    for (const file of [signing["mac"]!["entitlements"], signing["mac"]!["entitlementsInherit"]]) expect(existsSync(join(root, String(file)))).toBe(true);
    // A misspelt key in that block would be caught.
    expect(validate({ ...merged, mac: { ...merged.mac, notarise: true } })).toBe(false);
  });
});
