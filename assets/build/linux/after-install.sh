#!/bin/sh
# After the .deb or .rpm is installed: the desktop app and the relay-onboard command on the PATH.
# electron-builder fills in the two names below; this file must use no other dollar-brace forms.
app_dir='/opt/${sanitizedProductName}'
ln -sf "$app_dir/${executable}" '/usr/bin/${executable}'
ln -sf "$app_dir/resources/cli/relay-onboard" /usr/bin/relay-onboard
# Chromium's sandbox helper needs setuid only where unprivileged user namespaces do not work.
if [ -e "$app_dir/chrome-sandbox" ]; then
  if [ -L /proc/self/ns/user ] && unshare --user true 2>/dev/null; then
    chmod 0755 "$app_dir/chrome-sandbox"
  else
    chmod 4755 "$app_dir/chrome-sandbox"
  fi
fi
exit 0
