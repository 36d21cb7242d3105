// electron-builder beforePack: what each installer needs for its own OS and architecture, made
// before the app is packed — the command line as one executable (resources/cli/), and the
// keychain library's prebuilt native package, which npm installed only for the build machine.
const { execFileSync } = require("node:child_process");
const { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { unpackFromRegistry } = require("./registry.cjs");
const { keyringPackage, targetOf } = require("./targets.cjs");

const root = join(__dirname, "..", "..");

/** Puts `name@version` into `into`/node_modules from the registry when it is not there (npm pack + tar). */
function ensurePackage(name, version, into = root) {
  const dest = join(into, "node_modules", ...name.split("/"));
  if (existsSync(join(dest, "package.json")) && JSON.parse(readFileSync(join(dest, "package.json"), "utf8")).version === version) return false;
  const dir = mkdtempSync(join(tmpdir(), "relay-onboard-pkg-"));
  try {
    const unpacked = unpackFromRegistry(`${name}@${version}`, dir);
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(join(dest, ".."), { recursive: true });
    renameSync(unpacked, dest);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function beforePack(context) {
  const { os, arch } = targetOf(context);
  execFileSync(process.execPath, [join(root, "scripts", "build-cli-sea.mjs"), "--os", os, "--arch", arch], { stdio: "inherit" });
  const version = JSON.parse(readFileSync(join(root, "node_modules", "@napi-rs", "keyring", "package.json"), "utf8")).version;
  const pkg = keyringPackage(os, arch);
  if (ensurePackage(pkg, version)) console.log(`  • added ${pkg}@${version} for the ${os}-${arch} installer`);
}

module.exports = beforePack;
module.exports.default = beforePack;
module.exports.ensurePackage = ensurePackage;
