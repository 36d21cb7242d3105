// fs/systemPath.ts: root writes a system file only along real, root-owned folders that not every
// user may change. Run as root (the tests make the folders and their owners); not root, no check.
import { chmod, chown, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireRootOwnedPath } from "../../src/fs/systemPath.js";
import { tempDir } from "../helpers/org.js";

describe.skipIf(process.getuid?.() !== 0)("requireRootOwnedPath, as root", () => {
  it("passes root's own folders, also where the file and its folders do not exist yet", async () => {
    const dir = await tempDir("ro-sys-");
    await requireRootOwnedPath(join(dir, "distribution", "policies.json"), "the file");
    await mkdir(join(dir, "distribution"));
    await requireRootOwnedPath(join(dir, "distribution", "policies.json"), "the file");
    // A world-writable folder with the sticky bit (like /tmp) cannot have our entries replaced.
    await chmod(dir, 0o1777);
    await requireRootOwnedPath(join(dir, "distribution", "policies.json"), "the file");
  });

  it("refuses a link, a folder of another account's and one every user may change, naming it", async () => {
    const dir = await tempDir("ro-sys-");
    await mkdir(join(dir, "real"));
    await symlink(join(dir, "real"), join(dir, "link"));
    await expect(requireRootOwnedPath(join(dir, "link", "x.pem"), "the anchor")).rejects.toMatchObject({
      code: "BAD_INPUT", message: `the anchor ${join(dir, "link", "x.pem")} is refused: ${join(dir, "link")} is a link, and a system file is written only along real folders`,
    });
    await mkdir(join(dir, "users"));
    await chown(join(dir, "users"), 65534, 65534);
    await expect(requireRootOwnedPath(join(dir, "users", "x.pem"), "the anchor")).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining(`${join(dir, "users")} belongs to another account (uid 65534), not to root`) as unknown });
    await mkdir(join(dir, "open"));
    await chmod(join(dir, "open"), 0o777);
    await expect(requireRootOwnedPath(join(dir, "open", "x.pem"), "the anchor")).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringContaining(`every user may change ${join(dir, "open")}`) as unknown });
    // A file that is itself a link is refused too (the last component counts).
    await symlink("/etc/passwd", join(dir, "real", "x.pem"));
    await expect(requireRootOwnedPath(join(dir, "real", "x.pem"), "the anchor")).rejects.toMatchObject({ code: "BAD_INPUT" });
  });

  it("checks nothing for a process that is not root: the kernel holds it to its rights", async () => {
    const dir = await tempDir("ro-sys-");
    await symlink("/", join(dir, "link"));
    await expect(requireRootOwnedPath(join(dir, "link", "x"), "the file", 1000)).resolves.toBeUndefined();
  });
});
