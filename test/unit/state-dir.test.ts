// Where a run keeps its state (paths.ts): the user's own folder for their run; root acting for a user
// keeps it in root's /var/lib (the user could rewrite anything in their home); an elevated Windows run
// under %ProgramData%, never in a user's profile.
import { chown, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stateDirFor, userStateDir } from "../../src/paths.js";
import { tempDir } from "../helpers/org.js";

describe("the state folder", () => {
  it("a user's run: XDG_STATE_HOME when absolute, else ~/.local/state; Windows: LOCALAPPDATA; macOS: Application Support", () => {
    expect(userStateDir({ XDG_STATE_HOME: "/x/state" }, "linux", 1000, "/home/alice")).toBe("/x/state/relay-onboard");
    expect(userStateDir({ XDG_STATE_HOME: "relative" }, "linux", 1000, "/home/alice")).toBe("/home/alice/.local/state/relay-onboard");
    expect(userStateDir({ LOCALAPPDATA: "C:\\Users\\alice\\AppData\\Local" }, "win32", undefined, "/home/alice")).toBe(join("C:\\Users\\alice\\AppData\\Local", "RelayOnboard"));
    expect(userStateDir({}, "win32", undefined, "/home/alice")).toBe(join("/home/alice", "AppData", "Local", "RelayOnboard"));
    expect(userStateDir({}, "darwin", 501, "/home/alice")).toBe("/home/alice/Library/Application Support/RelayOnboard");
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
    expect(userStateDir({}, "linux", 0, home)).toBe("/var/lib/relay-onboard/users/65534");
    expect(userStateDir({}, "darwin", 0, home)).toBe("/Library/Application Support/RelayOnboard/Users/65534");
    // Root in its own home, or the user themself: the usual folder.
    expect(userStateDir({}, "linux", 65534, home)).toBe(join(home, ".local", "state", "relay-onboard"));
    const rootsHome = await tempDir("ro-state-roots-");
    expect(userStateDir({}, "linux", 0, rootsHome)).toBe(join(rootsHome, ".local", "state", "relay-onboard"));
  });
});
