#!/usr/bin/env bash
# Debian packages the integration tests start for real: slapd and freeradius on loopback, a PAM user,
# Chromium for the web app, promtool (from prometheus) for the metrics checks, PostgreSQL 15 and HAProxy
# for several directors, and Go with the Go libraries the public Go dcvix agent needs, so the interop
# tests build it from source offline (tests/helpers/build-go-agent.ts); rpm (rpmbuild) for the .rpm
# packages (scripts/build-packages.ts); wine and the mingw-w64 C compiler for the Windows agent (run
# under wine; the compiler builds the wine shim and the Windows service host).
# Idempotent; skips apt when everything is already there.
set -euo pipefail
need=()
for pkg in slapd ldap-utils freeradius freeradius-utils chromium fonts-liberation openssl curl libpam0g passwd prometheus postgresql-15 haproxy \
  golang-go golang-github-sirupsen-logrus-dev golang-github-shirou-gopsutil-dev golang-gopkg-ini.v1-dev \
  golang-gopkg-natefinch-lumberjack.v2-dev golang-golang-x-sys-dev patch rpm \
  wine wine64 gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The system services are not used: tests start private instances on 127.0.0.1 (PostgreSQL through
# initdb/pg_ctl as the postgres user, HAProxy in the foreground) and need only promtool from prometheus.
systemctl disable --now slapd freeradius prometheus postgresql haproxy >/dev/null 2>&1 || true
