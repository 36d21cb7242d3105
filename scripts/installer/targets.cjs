// Where things are in a packed app, per target OS, for the electron-builder hooks beside this file.
// CommonJS: electron-builder loads hooks with require().
const { join } = require("node:path");

/** electron-builder's platform name and Arch enum (0 ia32, 1 x64, 2 armv7l, 3 arm64, 4 universal) → ours. */
function targetOf(context) {
  const os = { linux: "linux", darwin: "mac", mas: "mac", win32: "win" }[context.electronPlatformName];
  const arch = { 1: "x64", 3: "arm64" }[context.arch];
  if (!os || !arch) throw new Error(`Relay Onboard builds installers for x64 and arm64 on linux, mac and win, not ${context.electronPlatformName} arch ${context.arch}`);
  return { os, arch };
}

/** The keychain library's prebuilt package for a target (Electron on Linux is glibc, never musl). */
function keyringPackage(os, arch) {
  return { linux: `@napi-rs/keyring-linux-${arch}-gnu`, mac: `@napi-rs/keyring-darwin-${arch}`, win: `@napi-rs/keyring-win32-${arch}-msvc` }[os];
}

function resourcesDir(appOutDir, os, productFilename) {
  return os === "mac" ? join(appOutDir, `${productFilename}.app`, "Contents", "Resources") : join(appOutDir, "resources");
}

/** What @electron/fuses reads: the .app on macOS, else the executable. */
function electronBinary(appOutDir, os, productFilename, executableName) {
  if (os === "mac") return join(appOutDir, `${productFilename}.app`);
  return join(appOutDir, os === "win" ? `${productFilename}.exe` : executableName);
}

function cliFile(os) {
  return os === "win" ? "relay-onboard.exe" : "relay-onboard";
}

module.exports = { targetOf, keyringPackage, resourcesDir, electronBinary, cliFile };
