; NSIS additions (electron-builder nsis.include): the command line's folder on the machine PATH, so
; Intune and PowerShell scripts can run `relay-onboard`. The folder travels to PowerShell in an
; environment variable, never inside the command text, so no path can change the command.
!macro relayOnboardPath ACTION
  System::Call 'Kernel32::SetEnvironmentVariable(t "RELAY_ONBOARD_CLI_DIR", t "$INSTDIR\resources\cli")i'
  System::Call 'Kernel32::SetEnvironmentVariable(t "RELAY_ONBOARD_PATH_ACTION", t "${ACTION}")i'
  nsExec::ExecToLog `"$SYSDIR\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$$d = $$env:RELAY_ONBOARD_CLI_DIR; $$p = [Environment]::GetEnvironmentVariable('Path', 'Machine'); $$parts = @($$p -split ';' | Where-Object { $$_ -and $$_ -ne $$d }); if ($$env:RELAY_ONBOARD_PATH_ACTION -eq 'add') { $$parts += $$d }; [Environment]::SetEnvironmentVariable('Path', ($$parts -join ';'), 'Machine')"`
!macroend

!macro customInstall
  !insertmacro relayOnboardPath add
!macroend

!macro customUnInstall
  !insertmacro relayOnboardPath remove
!macroend
