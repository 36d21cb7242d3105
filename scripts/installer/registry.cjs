// One package from the npm registry, unpacked (npm pack + tar): the keychain's native package for
// another platform (before-pack.cjs) and the official Node binary for another platform
// (build-cli-sea.mjs). Returns the unpacked folder ("package" inside `dir`).
const { execFileSync } = require("node:child_process");
const { join } = require("node:path");

function unpackFromRegistry(spec, dir) {
  const tarball = execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").pop();
  execFileSync("tar", ["-xzf", join(dir, tarball), "-C", dir]);
  return join(dir, "package");
}

module.exports = { unpackFromRegistry };
