# Intune remediation script, paired with intune-detect.ps1: onboards the signed-in user silently.
# Exit statuses are relay-onboard's: 0 done, 1 the relay test found a problem, 3 configuration
# rejected, 4 an action failed (close Thunderbird and retry), 5 a bug. The log is in
# %LOCALAPPDATA%\Relay Onboard (named in the JSON output).
$ErrorActionPreference = 'Stop'
# The command line the MSI/NSIS installer puts in the app's folder (and on the machine PATH). The
# absolute path works even before a new PATH reaches this session.
$cli = Join-Path $env:ProgramFiles 'Relay Onboard\resources\cli\relay-onboard.exe'
$email = (whoami /upn)
& $cli onboard --yes --email $email --json
exit $LASTEXITCODE
