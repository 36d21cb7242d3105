#!/bin/sh
# Linux (cron, a systemd timer, Ansible, Puppet): make sure this user is onboarded.
# `relay-onboard status` only reads; `onboard` runs only when status says something is missing.
#
#   linux-compliance.sh user@example.org
#
# Run it as the user, or as root with HOME set to the user's home (e.g. `env HOME=/home/alice
# linux-compliance.sh alice@example.org`): root then does every per-user step as the home's owner,
# refuses (BAD_INPUT, exit 2 or a failed item) a profile or NSS database that leads outside that home
# or belongs to another account, and keeps its record in /var/lib/relay-onboard/users/UID (IT guide §3).
# Where no managed policy
# (/etc/relay-onboard/policy.json) names the configuration, pass it in RELAY_ONBOARD_ARGS, e.g.
#   RELAY_ONBOARD_ARGS="--config https://config.example.org/relay.jws --trust /etc/relay-onboard/keys.json"
# Exit: 0 compliant (already, or after onboarding), 1 still not compliant, 2 usage, 3 configuration
# rejected, 4 an onboarding action failed, 5 a bug (relay-onboard's own exit statuses).
set -u
EMAIL="${1:?usage: linux-compliance.sh user@example.org}"
ARGS="${RELAY_ONBOARD_ARGS:-}"

# shellcheck disable=SC2086 # ARGS holds several arguments on purpose
relay-onboard status --email "$EMAIL" $ARGS >/dev/null
rc=$?
case $rc in
  0) echo "relay-onboard: $EMAIL is onboarded"; exit 0 ;;
  1) echo "relay-onboard: $EMAIL is not onboarded yet: onboarding" ;;
  *) echo "relay-onboard: status failed (exit $rc)" >&2; exit $rc ;;
esac

# shellcheck disable=SC2086
relay-onboard onboard --yes --email "$EMAIL" $ARGS || exit $?
# shellcheck disable=SC2086
relay-onboard status --email "$EMAIL" $ARGS
