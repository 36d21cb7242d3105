# Intune (Win32 app or Proactive Remediation) detection script: exit 0 and print something when
# this user is onboarded, exit 1 otherwise. Runs `relay-onboard status`, which only reads.
# Deploy in the user's context ("Run this script using the logged-on credentials": Yes).
# The configuration and keys come from managed policy (HKLM\SOFTWARE\Policies\RelayOnboard).
$ErrorActionPreference = 'Stop'
# The command line the MSI/NSIS installer puts in the app's folder (and on the machine PATH). The
# absolute path works even before a new PATH reaches this session.
$cli = Join-Path $env:ProgramFiles 'Relay Onboard\resources\cli\relay-onboard.exe'
$email = (whoami /upn)  # or your own mapping from the signed-in user to the mail address
& $cli status --email $email --json | Out-Null
switch ($LASTEXITCODE) {
  0 { Write-Output "Relay Onboard: $email onboarded"; exit 0 }
  1 { exit 1 }  # not onboarded: Intune runs the remediation
  default { Write-Error "relay-onboard status failed with exit $LASTEXITCODE"; exit 1 }
}
