// electron-builder afterPack: before any installer is made, prove the packed app is what IT is
// told it is — the fuses really flipped in the packaged Electron binary (read back with
// @electron/fuses), the keychain's native module present for this installer's OS and
// architecture, and the command line executable built for that same target. A failed check fails
// the build. Where no Electron binary exists (our build machines cannot download it), the fuse
// read-back is skipped with a message saying so, never silently.
const { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } = require("node:fs");
const { join } = require("node:path");
const { getCurrentFuseWire, FuseV1Options } = require("@electron/fuses");

// A fuse's state byte in the wire: ASCII "0" disabled, "1" enabled (@electron/fuses' FuseState, not exported).
const FuseState = { DISABLE: 0x30, ENABLE: 0x31 };
const { cliFile, electronBinary, keyringPackage, resourcesDir, targetOf } = require("./targets.cjs");

/** electron-builder's electronFuses keys (runAsNode, …) → @electron/fuses option index and wanted state. */
function expectedFuses(config) {
  return Object.entries(config ?? {}).map(([key, enabled]) => {
    const name = key[0].toUpperCase() + key.slice(1);
    if (!(name in FuseV1Options)) throw new Error(`electronFuses.${key} is not a fuse @electron/fuses knows`);
    return { name, index: FuseV1Options[name], state: enabled ? FuseState.ENABLE : FuseState.DISABLE };
  });
}

/** The first bytes of a file: enough to tell ELF, PE and Mach-O apart. */
function magic(file) {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4);
    readSync(fd, buf, 0, 4, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

const FORMATS = {
  linux: (b) => b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])),
  win: (b) => b[0] === 0x4d && b[1] === 0x5a,
  mac: (b) => [0xcffaedfe, 0xcafebabe].includes(b.readUInt32BE(0)),
};

/** Whether a file holds a flipped SEA fuse (postject injected a blob). */
function isSeaExecutable(file) {
  return readFileSync(file).includes("NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1");
}

/**
 * The checks, on a packed app folder. Returns what was checked (and what skipped, with why);
 * throws with every problem found.
 */
async function verifyPackage({ appOutDir, os, arch, productFilename, executableName, fuses, log = console.log }) {
  const problems = [];
  const done = [];
  const binary = electronBinary(appOutDir, os, productFilename, executableName);
  if (!existsSync(binary)) {
    done.push(`fuses: SKIPPED — no Electron binary at ${binary} (nothing to read back on this build machine)`);
  } else {
    const wire = await getCurrentFuseWire(binary);
    for (const fuse of expectedFuses(fuses)) {
      const actual = wire[fuse.index];
      if (actual !== fuse.state) problems.push(`fuse ${fuse.name} is ${actual === FuseState.ENABLE ? "enabled" : actual === FuseState.DISABLE ? "disabled" : `in state ${actual}`} in ${binary}; electron-builder.yml asks for ${fuse.state === FuseState.ENABLE ? "enabled" : "disabled"}`);
    }
    done.push(`fuses: ${expectedFuses(fuses).length} read back from ${binary}`);
  }

  const resources = resourcesDir(appOutDir, os, productFilename);
  const pkg = keyringPackage(os, arch);
  const pkgDir = join(resources, "app.asar.unpacked", "node_modules", ...pkg.split("/"));
  const nodeFiles = existsSync(pkgDir) ? readdirSync(pkgDir).filter((f) => f.endsWith(".node")) : [];
  if (nodeFiles.length === 0) problems.push(`the keychain's native module for ${os}-${arch} (${pkg}) is not in ${pkgDir}: the app could not store passwords`);
  else done.push(`native module: ${pkg}/${nodeFiles[0]}`);

  const cli = join(resources, "cli", cliFile(os));
  if (!existsSync(cli) || statSync(cli).size === 0) problems.push(`the command line is missing: ${cli}`);
  else if (!FORMATS[os](magic(cli))) problems.push(`${cli} is not a ${os} executable`);
  else if (!isSeaExecutable(cli)) problems.push(`${cli} is a plain Node binary: the CLI was not injected`);
  else done.push(`command line: ${cli}`);

  if (problems.length > 0) throw new Error(`the packed app failed its checks:\n  - ${problems.join("\n  - ")}`);
  for (const line of done) log(`  • ${line}`);
  return done;
}

async function afterPack(context) {
  const { os, arch } = targetOf(context);
  const { packager } = context;
  await verifyPackage({
    appOutDir: context.appOutDir, os, arch,
    productFilename: packager.appInfo.productFilename,
    executableName: packager.executableName,
    fuses: packager.config.electronFuses,
  });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.verifyPackage = verifyPackage;
module.exports.expectedFuses = expectedFuses;
