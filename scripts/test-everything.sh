#!/usr/bin/env bash
# Every test on a fresh Debian 12 machine, in one command (the README's): installs what the tests
# start for real (.ci/install-system-packages.sh: slapd, freeradius, Chromium, PostgreSQL 15, HAProxy,
# promtool, ...) as root, through sudo when not root; Node.js and npm from Debian if there is no npm;
# the npm packages; then `npm test`. Each step skips what is there already, so it also serves to re-run.
# `npm test` alone runs what is installed and ends with the list of suites it skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "test-everything: installing system packages needs root: run this as root or install sudo" >&2
    exit 1
  fi
}

if ! command -v npm >/dev/null; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
as_root bash .ci/install-system-packages.sh
npm install --no-audit --no-fund
npm test
