#!/bin/sh
# Installs the Debian packages of the commands a make target needs, when they are missing:
#   scripts/apt-install.sh [--required] WHO WITHOUT COMMAND[=PACKAGE[,PACKAGE...]]...
# Every COMMAND missing from PATH has its PACKAGEs (default: a package named as the command)
# installed with apt-get when we are root and apt-get exists. What is still missing is named
# in one line, "WHO: ... missing: WITHOUT"; with --required that line is an error (exit 1),
# otherwise the target goes on without it (exit 0).
required=0
if [ "$1" = --required ]; then required=1; shift; fi
who=$1 without=$2
shift 2

missing_commands() {
  for spec in "$@"; do
    command -v "${spec%%=*}" >/dev/null 2>&1 || printf ' %s' "$spec"
  done
}

missing=$(missing_commands "$@")
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  packages=''
  for spec in $missing; do
    case $spec in
      *=*) packages="$packages $(printf '%s' "${spec#*=}" | tr ',' ' ')" ;;
      *) packages="$packages $spec" ;;
    esac
  done
  echo "$who: installing$packages"
  # shellcheck disable=SC2086 # the package list is meant to split
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages; } >/dev/null 2>&1
  missing=$(missing_commands "$@")
  [ -z "$missing" ] && exit 0
  reason='could not be installed'
else
  reason='missing and not root'
fi
names=$(for spec in $missing; do printf ' %s' "${spec%%=*}"; done)
echo "$who:$names $reason: $without"
[ "$required" = 1 ] && exit 1
exit 0
