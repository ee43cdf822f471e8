/**
 * What the .deb and .rpm packages hold, one description per program for both formats: files (from the
 * repository or dist/) with where they go, which are config files an upgrade keeps, the system user,
 * and the maintainer scripts. The scripts are plain sh, the same text for dpkg and rpm, told apart by
 * their first argument (dpkg: configure/remove/purge/upgrade; rpm: a count of installed versions).
 */
export interface PackagedFile {
  /** Path in the repository (relative), or in dist/ for the programs. */
  from: string;
  /** Absolute path on the target. */
  to: string;
  mode: number;
  /** Kept over an upgrade when edited (dpkg conffile, rpm %config(noreplace)); owned root:<group> 0640 when `group`. */
  config?: { group?: string };
}

export interface PackageLayout {
  name: 'dcvix-director' | 'dcvix-agent';
  summary: string;
  description: string;
  files: PackagedFile[];
  /** The service's unit (its name under /usr/lib/systemd/system). */
  unit: string;
  /** System user and group the service runs as (none: root). */
  user?: { name: string; home: string; comment: string };
  /** Printed after a first install: what to do before starting. */
  nextSteps: string;
}

const UNIT_DIR = '/usr/lib/systemd/system';
const examples = (name: string, to = '') => ({ from: `packaging/examples/${name}`, to: `${to || '/usr/share/doc/dcvix'}/${name}`, mode: 0o644 });

export const LAYOUTS: readonly PackageLayout[] = [
  {
    name: 'dcvix-director',
    summary: 'dcvix director: session broker and server-pool manager for Amazon DCV',
    description: 'The director of dcvix: HTTPS API and web app, its own CA for agent enrolment, login, policy,\nplacement and the DCV auth-token verifier.',
    unit: 'dcvix-director.service',
    files: [
      { from: 'dcvix-director', to: '/usr/bin/dcvix-director', mode: 0o755 },
      { from: 'packaging/systemd/dcvix-director.service', to: `${UNIT_DIR}/dcvix-director.service`, mode: 0o644 },
      { from: 'packaging/examples/dcvix-director.conf', to: '/etc/dcvix/dcvix-director.conf', mode: 0o640, config: { group: 'dcvix' } },
      { from: 'packaging/examples/users.json', to: '/etc/dcvix/users.json', mode: 0o644, config: {} },
      { from: 'packaging/examples/pools.json', to: '/etc/dcvix/pools.json', mode: 0o644, config: {} },
      { ...examples('dcvix-director-pam.conf', '/usr/share/doc/dcvix-director/examples'), from: 'packaging/systemd/dcvix-director-pam.conf' },
      { ...examples('haproxy.cfg', '/usr/share/doc/dcvix-director/examples'), from: 'packaging/haproxy/haproxy.cfg' },
      examples('dcv-connection-gateway.conf.snippet', '/usr/share/doc/dcvix-director/examples'),
    ],
    user: { name: 'dcvix', home: '/var/lib/dcvix-director', comment: 'dcvix director' },
    nextSteps: 'Set token_key, an [auth] backend and hostnames in /etc/dcvix/dcvix-director.conf, then: systemctl start dcvix-director',
  },
  {
    name: 'dcvix-agent',
    summary: 'dcvix agent: enrols an Amazon DCV host with the dcvix director',
    description: 'The agent of dcvix, one per DCV host: enrols with the director over mTLS, reports sessions and\nfigures, and drives the dcv command line. `dcvix-agent doctor` checks the host.',
    unit: 'dcvix-agent.service',
    files: [
      { from: 'dcvix-agent', to: '/usr/bin/dcvix-agent', mode: 0o755 },
      { from: 'packaging/systemd/dcvix-agent.service', to: `${UNIT_DIR}/dcvix-agent.service`, mode: 0o644 },
      { from: 'packaging/examples/dcvix-agent.conf', to: '/etc/dcvix/dcvix-agent.conf', mode: 0o644, config: {} },
      examples('dcv.conf.snippet', '/usr/share/doc/dcvix-agent/examples'),
    ],
    nextSteps: 'Set director_url in /etc/dcvix/dcvix-agent.conf and the verifier in /etc/dcv/dcv.conf, then: systemctl start dcvix-agent; dcvix-agent doctor',
  },
];

/** A unit as packaged: the programs live in /usr/bin, not /usr/local/bin as for a hand install. */
export function packagedUnit(text: string): string {
  return text.replaceAll('/usr/local/bin/', '/usr/bin/');
}

/** Whether systemd runs here (not in most containers): only then are units reloaded, enabled or stopped. */
const SYSTEMD = '[ -d /run/systemd/system ]';

/** The maintainer scripts, by dpkg name; rpm maps preinst/postinst/prerm/postrm to %pre/%post/%preun/%postun. */
export function maintainerScripts(layout: PackageLayout): Record<'preinst' | 'postinst' | 'prerm' | 'postrm', string> {
  const unit = layout.unit;
  const user = layout.user;
  const addUser = user
    ? [
        `getent group ${user.name} >/dev/null || groupadd --system ${user.name}`,
        `getent passwd ${user.name} >/dev/null || useradd --system --gid ${user.name} --home-dir ${user.home} --no-create-home --shell /usr/sbin/nologin --comment '${user.comment}' ${user.name}`,
      ]
    : [];
  const groupFiles = layout.files.filter((file) => file.config?.group).map((file) => `[ ! -e ${file.to} ] || { chgrp ${file.config!.group} ${file.to}; chmod 0640 ${file.to}; }`);
  const sh = (...lines: string[]) => ['#!/bin/sh', 'set -e', ...lines, 'exit 0', ''].join('\n');
  return {
    // rpm installs files with their group, so the user must exist before them.
    preinst: sh(...addUser),
    postinst: sh(
      ...groupFiles,
      `if ${SYSTEMD}; then`,
      '  systemctl daemon-reload >/dev/null 2>&1 || true',
      // First install (dpkg: configure with no old version; rpm: 1): enable, and say what to set before starting.
      `  if [ "$1" = 1 ] || { [ "$1" = configure ] && [ -z "$2" ]; }; then systemctl enable ${unit} >/dev/null 2>&1 || true; fi`,
      // An upgrade (dpkg: configure with the old version; rpm: 2 or more) restarts a running service on the new binary.
      `  if [ -n "$2" ] || { [ "$1" -ge 2 ] 2>/dev/null; }; then systemctl try-restart ${unit} >/dev/null 2>&1 || true; fi`,
      'fi',
      `if [ "$1" = 1 ] || { [ "$1" = configure ] && [ -z "$2" ]; }; then echo '${layout.name}: ${layout.nextSteps}'; fi`,
    ),
    // Removal, not upgrade (dpkg: remove; rpm: 0 versions left): stop and disable.
    prerm: sh(`if { [ "$1" = remove ] || [ "$1" = 0 ]; } && ${SYSTEMD}; then systemctl disable --now ${unit} >/dev/null 2>&1 || true; fi`),
    postrm: sh(
      `if ${SYSTEMD}; then systemctl daemon-reload >/dev/null 2>&1 || true; fi`,
      ...(user ? [`if [ "$1" = purge ]; then echo '${layout.name}: ${user.home} (CA key, store) and the user ${user.name} are kept; remove them by hand if no longer needed'; fi`] : []),
    ),
  };
}
