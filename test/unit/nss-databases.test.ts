// Which NSS databases `ca install` finds in a home: every place Thunderbird, Firefox and Chromium
// keep one — classic, XDG (~/.config, where Firefox 153 ESR makes new profiles), snap (through its
// `current` link) and flatpak — and only folders that hold a database.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findNssDatabases } from "../../src/truststore/nss.js";
import { tempDir } from "../helpers/org.js";

describe("findNssDatabases", () => {
  it("finds every browser's and mail app's database, and nothing that holds none", async () => {
    const home = await tempDir("ro-nss-home-");
    const withDb = [
      ".thunderbird/a.default-release",
      ".config/thunderbird/b.default",
      "snap/thunderbird/common/.thunderbird/c.default",
      ".var/app/org.mozilla.Thunderbird/.thunderbird/d.default",
      ".mozilla/firefox/e.default-release",
      ".config/mozilla/firefox/f.default-release",
      "snap/firefox/common/.mozilla/firefox/g.default",
      ".var/app/org.mozilla.firefox/.mozilla/firefox/h.default",
      ".var/app/org.mozilla.firefox/.config/mozilla/firefox/i.default",
      ".pki/nssdb",
      ".local/share/pki/nssdb",
      "snap/chromium/2999/.pki/nssdb",
      ".var/app/org.chromium.Chromium/.pki/nssdb",
    ];
    for (const dir of withDb) {
      await mkdir(join(home, dir), { recursive: true });
      await writeFile(join(home, dir, "cert9.db"), "");
    }
    await symlink("2999", join(home, "snap/chromium/current")); // snap's link to the live revision
    await mkdir(join(home, ".config/mozilla/firefox/no-db.profile"), { recursive: true }); // a profile never started
    await writeFile(join(home, ".config/mozilla/firefox/profiles.ini"), "[General]\n");
    const found = await findNssDatabases(home);
    expect(found.sort()).toEqual(withDb.map((d) => join(home, d.replace("snap/chromium/2999", "snap/chromium/current"))).sort());
  });
});
