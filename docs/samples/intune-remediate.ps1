# Intune remediation script, paired with intune-detect.ps1: onboards the signed-in user silently.
# Exit statuses are relay-onboard's: 0 done, 1 the relay test found a problem, 3 configuration
# rejected, 4 an action failed (close Thunderbird and retry), 5 a bug. Intune shows one status line
# ("Post-remediation detection output" comes from the detection script run again); the full JSON
# and the log in %LOCALAPPDATA%\Relay Onboard stay on the machine.
$ErrorActionPreference = 'Stop'
# The command line the MSI/NSIS installer puts in the app's folder (and on the machine PATH). The
# absolute path works even before a new PATH reaches this session.
$cli = Join-Path $env:ProgramFiles 'Relay Onboard\resources\cli\relay-onboard.exe'
$email = (whoami /upn)
$json = (& $cli onboard --yes --email $email --json) -join "`n"
$exit = $LASTEXITCODE
try { $result = $json | ConvertFrom-Json } catch { $result = $null }
if ($exit -eq 0) { Write-Output "Relay Onboard: $email onboarded" }
else {
  $failed = if ($result) { @($result.steps | Where-Object { $_.status -eq 'failed' } | ForEach-Object { "$($_.title): $($_.code)" }) -join '; ' } else { 'no JSON answer' }
  $line = "Relay Onboard: onboarding $email stopped (exit $exit): $failed; log: $($result.log)"
  Write-Output ($(if ($line.Length -gt 2000) { $line.Substring(0, 2000) } else { $line }))
}
exit $exit
