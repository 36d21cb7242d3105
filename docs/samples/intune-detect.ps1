# Intune (Win32 app or Proactive Remediation) detection script: exit 0 when this user is
# onboarded, exit 1 otherwise — and in both cases one status line on standard output, which Intune
# shows as the script's output ("Pre-remediation detection output"; at most 2048 characters), so
# the console says what is missing without anyone opening a log. Runs `relay-onboard status`,
# which only reads. Deploy in the user's context ("Run this script using the logged-on
# credentials": Yes). The configuration and keys come from managed policy
# (HKLM\SOFTWARE\Policies\RelayOnboard).
$ErrorActionPreference = 'Stop'
# The command line the MSI/NSIS installer puts in the app's folder (and on the machine PATH). The
# absolute path works even before a new PATH reaches this session.
$cli = Join-Path $env:ProgramFiles 'Relay Onboard\resources\cli\relay-onboard.exe'
$email = (whoami /upn)  # or your own mapping from the signed-in user to the mail address

function Say([string]$line) {
  # One line, as Intune shows it.
  $line = ($line -replace '\s+', ' ').Trim()
  if ($line.Length -gt 2000) { $line = $line.Substring(0, 2000) + '…' }
  Write-Output $line
}

if (-not (Test-Path -LiteralPath $cli)) { Say "Relay Onboard: not installed ($cli missing)"; exit 1 }
$json = (& $cli status --email $email --json) -join "`n"
$exit = $LASTEXITCODE
try { $status = $json | ConvertFrom-Json } catch { $status = $null }

if ($exit -eq 0) { Say "Relay Onboard: $email onboarded"; exit 0 }
if ($exit -eq 1 -and $status) {
  # What is missing, item by item: the root in a store, the mail app's account, …
  $missing = @($status.items | Where-Object { $_.state -eq 'missing' -or $_.state -eq 'failed' } |
    ForEach-Object { if ($_.code) { "$($_.title): $($_.message) ($($_.code))" } else { "$($_.title): $($_.message)" } }) -join '; '
  Say "Relay Onboard: $email NOT onboarded ($($status.code)): $missing"
  exit 1
}
# 2 usage, 3 configuration refused, 5 a bug: say which, with the tool's own words.
$why = if ($status) { "$($status.code): $($status.message)" } else { "no JSON answer" }
Say "Relay Onboard: status could not be checked (exit $exit, $why)"
exit 1
