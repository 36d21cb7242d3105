// electron-builder msiProjectCreated: the MSI adds the command line's folder to the machine PATH
// (and removes it on uninstall) — Windows Installer's own Environment table, no script.
const { readFile, writeFile } = require("node:fs/promises");

const GROUP = '<ComponentGroup Id="ProductComponents" Directory="APPLICATIONFOLDER">';
// Fixed forever, like the upgrade code: Windows Installer tracks the component by it across upgrades.
const COMPONENT_GUID = "{3C1F0B6E-8D2A-4E57-9B41-6A7D2C9E5F10}";
const COMPONENT =
  `<Component Id="RelayOnboardCliOnPath" Guid="${COMPONENT_GUID}">` +
  '<CreateFolder/>' +
  '<Environment Id="RelayOnboardCliOnPath" Name="PATH" Value="[APPLICATIONFOLDER]resources\\cli" Part="last" Action="set" System="yes" Permanent="no"/>' +
  "</Component>";

function addCliToPath(wxs) {
  if (wxs.includes('Id="RelayOnboardCliOnPath"')) return wxs;
  if (!wxs.includes(GROUP)) throw new Error("the MSI project has no ProductComponents group: electron-builder's template changed; update scripts/installer/msi-cli-path.cjs");
  return wxs.replace(GROUP, `${GROUP}\n      ${COMPONENT}`);
}

async function msiProjectCreated(projectFile) {
  await writeFile(projectFile, addCliToPath(await readFile(projectFile, "utf8")));
}

module.exports = msiProjectCreated;
module.exports.default = msiProjectCreated;
module.exports.addCliToPath = addCliToPath;
