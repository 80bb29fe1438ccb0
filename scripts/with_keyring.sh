#!/bin/sh
# Run a command with a real Secret Service: a private D-Bus session holding an unlocked GNOME
# Keyring in a throwaway home folder. CI uses it for the packaged app's --self-test on Linux.
#
#     scripts/with_keyring.sh dist/RosterSync/RosterSync --self-test
#
# Needs the Debian packages gnome-keyring and dbus-daemon.
set -eu
HOME="$(mktemp -d)"
export HOME
status=0
# --unlock creates the login keyring with the password read from stdin (any will do for a
# throwaway one) and makes it the default collection, so nothing asks for a password.
dbus-run-session -- sh -c '
  printf "throwaway" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' with_keyring "$@" || status=$?
rm -rf "$HOME"
exit "$status"
