# Intune remediation script, paired with intune-detect.ps1: onboards the signed-in user silently.
# Exit statuses are relay-onboard's: 0 done, 1 the relay test found a problem, 3 configuration
# rejected, 4 an action failed (close Thunderbird and retry), 5 a bug. The log is in
# %LOCALAPPDATA%\Relay Onboard (named in the JSON output).
$ErrorActionPreference = 'Stop'
# The relay-onboard command on your machines (the npm CLI today; see docs/it-guide.md).
$cli = 'relay-onboard'
$email = (whoami /upn)
& $cli onboard --yes --email $email --json
exit $LASTEXITCODE
