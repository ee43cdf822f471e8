/**
 * The one place suites ask whether the Debian packages they start for real are installed (slapd,
 * freeradius, Chromium, HAProxy, PostgreSQL 15, promtool, PAM as root, dpkg as root, rpmbuild, wine and mingw-w64). Where one is missing, `describeWith` /
 * `testWith` skip the suite or test and register it with what it lacks; the preload
 * (tests/helpers/skip-summary.ts, bunfig.toml) prints every skip and the install command at the end of
 * the run. On CI (env CI set) nothing is skipped: a missing package is an error naming the command.
 *
 * DCVIX_TEST_PRETEND_MISSING=slapd,haproxy makes those needs read as missing; only the test of the
 * summary itself sets it (tests/skip-summary.test.ts).
 */
import { describe, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { freeradiusMissingTools } from './freeradius.ts';
import { pamUnavailableReason } from './pam-user.ts';
import { postgresMissingTools } from './postgres.ts';
import { slapdMissingTools } from './slapd.ts';
import { wineMissingTools } from './wine.ts';

/** Debian's chromium package; the binary, not the /usr/bin wrapper. */
export const CHROMIUM = process.env.DCVIX_CHROMIUM ?? '/usr/lib/chromium/chromium';

/** Installs (or confirms) every package the tests use; idempotent, needs root. */
export const INSTALL_COMMAND = 'sudo bash .ci/install-system-packages.sh';

const SBIN_PATH = `${process.env.PATH}:/usr/sbin:/sbin`;
const notOnPath = (...tools: string[]) => tools.filter((tool) => !Bun.which(tool, { PATH: SBIN_PATH }));

/** What a suite may need: the Debian packages behind it and what is missing of it here ([] = nothing). */
const NEEDS = {
  slapd: { packages: ['slapd', 'ldap-utils', 'openssl'], missing: slapdMissingTools },
  freeradius: { packages: ['freeradius', 'freeradius-utils'], missing: freeradiusMissingTools },
  pam: {
    packages: ['libpam0g', 'passwd'],
    missing: () => {
      const reason = pamUnavailableReason();
      return reason ? [reason] : [];
    },
  },
  chromium: { packages: ['chromium', 'fonts-liberation'], missing: () => (existsSync(CHROMIUM) ? [] : [CHROMIUM]) },
  haproxy: { packages: ['haproxy', 'curl', 'openssl'], missing: () => notOnPath('haproxy', 'curl', 'openssl') },
  postgresql: { packages: ['postgresql-15'], missing: postgresMissingTools },
  prometheus: { packages: ['prometheus'], missing: () => notOnPath('promtool') },
  wine: { packages: ['wine', 'wine64', 'gcc-mingw-w64-x86-64-win32', 'binutils-mingw-w64-x86-64'], missing: wineMissingTools },
  // dpkg -i installs into /usr and adds a system user: root only (CI runs as root).
  dpkg: { packages: ['dpkg', 'passwd'], missing: () => [...notOnPath('dpkg-deb', 'dpkg', 'useradd', 'runuser'), ...(process.getuid?.() === 0 ? [] : ['root (dpkg -i)'])] },
  rpm: { packages: ['rpm'], missing: () => notOnPath('rpmbuild', 'rpm', 'rpm2archive') },
} satisfies Record<string, { packages: string[]; missing: () => string[] }>;

export type SystemNeed = keyof typeof NEEDS;

/** A suite or test that did not run, and why. */
export interface Skipped {
  name: string;
  packages: string[];
  missing: string[];
}

/** Every skip of this run, in the order the suites were registered (the preload prints them). */
export const skipped: Skipped[] = [];

const pretended = new Set((process.env.DCVIX_TEST_PRETEND_MISSING ?? '').split(',').filter(Boolean));

/** What of `needs` is missing here (tools, files or reasons), and the packages behind those needs. */
function lacking(needs: readonly SystemNeed[]): Skipped | undefined {
  const packages = new Set<string>();
  const missing: string[] = [];
  for (const need of needs) {
    const gone = pretended.has(need) ? [`${need} (DCVIX_TEST_PRETEND_MISSING)`] : NEEDS[need].missing();
    if (gone.length === 0) continue;
    missing.push(...gone);
    for (const pkg of NEEDS[need].packages) packages.add(pkg);
  }
  return missing.length ? { name: '', packages: [...packages], missing } : undefined;
}

/** Whether `name` may run: true; else registers the skip (or, on CI, throws with the install command). */
function mayRun(needs: readonly SystemNeed[], name: string): boolean {
  const gap = lacking(needs);
  if (!gap) return true;
  if (process.env.CI) throw new Error(`"${name}" needs ${gap.packages.join(', ')} (missing: ${gap.missing.join(', ')}): ${INSTALL_COMMAND}`);
  skipped.push({ ...gap, name });
  return false;
}

/** `describe(name, body)` when the system packages behind `needs` are here; else skipped and registered. */
export function describeWith(needs: readonly SystemNeed[], name: string, body: () => void): void {
  if (mayRun(needs, name)) describe(name, body);
  else describe.skip(name, body);
}

/** `test(name, body)` when the system packages behind `needs` are here; else skipped and registered. */
export function testWith(needs: readonly SystemNeed[], name: string, body: () => unknown): void {
  if (mayRun(needs, name)) test(name, body as () => Promise<void>);
  else test.skip(name, body as () => Promise<void>);
}
