// Where a run keeps its state (paths.ts): the user's own folder for their run; root acting for a user
// keeps it in root's /var/lib (the user could rewrite anything in their home); an elevated Windows run
// under %ProgramData%, never in a user's profile.
import { chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stateDirFor, userStateDir } from "../../src/paths.js";
import { tempDir } from "../helpers/org.js";

const savedHome = process.env["HOME"];
afterEach(() => {
  process.env["HOME"] = savedHome;
});

describe("the state folder", () => {
  it("a user's run: XDG_STATE_HOME when absolute, else ~/.local/state; Windows: LOCALAPPDATA; macOS: Application Support", () => {
    process.env["HOME"] = "/home/alice";
    expect(userStateDir({ XDG_STATE_HOME: "/x/state" }, "linux", 1000)).toBe("/x/state/relay-onboard");
    expect(userStateDir({ XDG_STATE_HOME: "relative" }, "linux", 1000)).toBe("/home/alice/.local/state/relay-onboard");
    expect(userStateDir({ LOCALAPPDATA: "C:\\Users\\alice\\AppData\\Local" }, "win32")).toBe(join("C:\\Users\\alice\\AppData\\Local", "RelayOnboard"));
    expect(userStateDir({}, "darwin", 501)).toBe("/home/alice/Library/Application Support/RelayOnboard");
  });

  it("an elevated Windows run keeps its state under %ProgramData%, a run that is not elevated in the user's profile", () => {
    const env = { ProgramData: "D:\\ProgramData", LOCALAPPDATA: "C:\\Users\\alice\\AppData\\Local" };
    expect(stateDirFor(true, env, "win32")).toBe("D:\\ProgramData\\RelayOnboard\\State");
    expect(stateDirFor(true, {}, "win32")).toBe("C:\\ProgramData\\RelayOnboard\\State");
    expect(stateDirFor(false, env, "win32")).toBe(join("C:\\Users\\alice\\AppData\\Local", "RelayOnboard"));
  });

  it.skipIf(process.getuid?.() !== 0)("root acting for a user keeps that user's state in root's own folder, one per uid", async () => {
    const home = join(await tempDir("ro-state-home-"), "alice");
    await mkdir(home);
    await chown(home, 65534, 65534);
    process.env["HOME"] = home;
    expect(userStateDir({}, "linux", 0)).toBe("/var/lib/relay-onboard/users/65534");
    expect(userStateDir({}, "darwin", 0)).toBe("/Library/Application Support/RelayOnboard/Users/65534");
    // Root in its own home, or the user themself: the usual folder.
    expect(userStateDir({}, "linux", 65534)).toBe(join(home, ".local", "state", "relay-onboard"));
    process.env["HOME"] = await tempDir("ro-state-roots-");
    expect(userStateDir({}, "linux", 0)).toBe(join(process.env["HOME"], ".local", "state", "relay-onboard"));
  });
});
