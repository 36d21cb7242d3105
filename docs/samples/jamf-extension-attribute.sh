#!/bin/sh
# Jamf Pro extension attribute: "Onboarded", "Not onboarded" or "Error N", for smart groups.
# Runs as root: it asks for the console user's status (read-only) in that user's context.
user=$(stat -f %Su /dev/console)
email="${user}@example.org"   # your mapping from the macOS account to the mail address
sudo -u "$user" -H /usr/local/bin/relay-onboard status --email "$email" >/dev/null 2>&1
rc=$?
case $rc in
  0) echo "<result>Onboarded</result>" ;;
  1) echo "<result>Not onboarded</result>" ;;
  *) echo "<result>Error $rc</result>" ;;
esac
