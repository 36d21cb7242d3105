// The OS keychain through @napi-rs/keyring against a real Secret Service: gnome-keyring in its own
// D-Bus session (dbus-run-session), unlocked for the test.
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/org.js";

const available = ["dbus-run-session", "gnome-keyring-daemon"].every((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
if (!available) console.warn("keychain.test.ts skipped: needs dbus-run-session and gnome-keyring (npm test provisions them as root)");

describe.skipIf(!available)("the keychain on a real Secret Service (gnome-keyring)", () => {
  it("saves, reads back and deletes the password, and keeps accounts apart", async () => {
    const dir = await tempDir("ro-keyring-");
    const script = join(dir, "keychain.mts");
    const module = join(import.meta.dirname, "..", "..", "src", "secrets", "keychain.ts");
    await writeFile(
      script,
      `import { osKeychain } from ${JSON.stringify(module)};
const k = await osKeychain("Relay Onboard test ${Date.now()}");
const out = {};
await k.save("alice@internal.test", "Alice-Secret-1");
await k.save("bob@internal.test", "Bob-Secret-2");
out.alice = await k.load("alice@internal.test");
out.bob = await k.load("bob@internal.test");
out.removed = await k.remove("alice@internal.test");
out.afterRemove = (await k.load("alice@internal.test")) ?? null;
out.removedAgain = await k.remove("alice@internal.test");
await k.remove("bob@internal.test");
try { await k.save("bad\\nname", "x"); out.badName = "accepted"; } catch (e) { out.badName = e.code; }
console.log(JSON.stringify(out));
`,
    );
    const tsx = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "tsx");
    const r = spawnSync("dbus-run-session", ["--", "sh", "-c", `printf keyring-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "${tsx}" "${script}"`], { encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"], HOME: dir } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    expect(out).toEqual({ alice: "Alice-Secret-1", bob: "Bob-Secret-2", removed: true, afterRemove: null, removedAgain: false, badName: "BAD_INPUT" });
  });
});
