#!/bin/sh
# After the package is removed: our links go, and only if they still point into our folder. Not on
# an upgrade (dpkg passes "upgrade"; rpm passes the number of versions left, 1): there the new
# version's after-install has made, or will make, the same links.
case "$1" in
  upgrade|1) exit 0 ;;
esac
app_dir='/opt/${sanitizedProductName}'
for link in '/usr/bin/${executable}' /usr/bin/relay-onboard; do
  case "$(readlink "$link")" in
    "$app_dir"/*) rm -f "$link" ;;
  esac
done
exit 0
