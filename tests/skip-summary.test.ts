/**
 * The end of a test run lists the suites skipped for a missing system package and the install
 * command (tests/helpers/skip-summary.ts, preloaded through bunfig.toml). Shown with real `bun test`
 * runs of one suite, slapd pretended missing (DCVIX_TEST_PRETEND_MISSING).
 */
import { describe, expect, test } from 'bun:test';
import { INSTALL_COMMAND } from './helpers/system-packages.ts';
import { repoRoot } from './helpers/temp.ts';

/** `bun test FILE` from the repository root (so bunfig.toml applies), CI unset unless given. */
async function bunTest(file: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const { CI: _ci, DCVIX_TEST_PRETEND_MISSING: _pretend, ...inherited } = process.env;
  const proc = Bun.spawn([process.execPath, 'test', file], { cwd: repoRoot, env: { ...inherited, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: out + err };
}

describe('skip summary at the end of a run', () => {
  test('ok: a suite whose package is missing is skipped, named with its packages, and the install command closes the run', async () => {
    const { code, output } = await bunTest('tests/integration/auth-ldap.test.ts', { DCVIX_TEST_PRETEND_MISSING: 'slapd' });
    expect(code).toBe(0);
    expect(output).toContain('Skipped for missing system packages: 1 suite(s) or test(s)');
    expect(output).toContain('  - ldap backend against a real slapd: needs slapd, ldap-utils, openssl (missing: slapd (DCVIX_TEST_PRETEND_MISSING))');
    expect(output).toContain(`  ${INSTALL_COMMAND}`);
    // After every test line: only Bun's totals come after the summary.
    const summaryAt = output.indexOf('Skipped for missing system packages');
    expect(output.lastIndexOf('(skip)')).toBeLessThan(summaryAt);
    expect(output.slice(summaryAt)).toMatch(/0 pass\s+\d+ skip\s+0 fail/);
  });

  test('ok: a run that skipped nothing prints no summary', async () => {
    const { code, output } = await bunTest('tests/integration/examples.test.ts', {});
    expect(code).toBe(0);
    expect(output).not.toContain('Skipped');
  });

  test('rejects: on CI a missing package is an error naming it and the install command, not a skip', async () => {
    const { code, output } = await bunTest('tests/integration/auth-ldap.test.ts', { CI: 'true', DCVIX_TEST_PRETEND_MISSING: 'slapd' });
    expect(code).not.toBe(0);
    expect(output).toContain(`"ldap backend against a real slapd" needs slapd, ldap-utils, openssl`);
    expect(output).toContain(INSTALL_COMMAND);
    expect(output).not.toContain('Skipped for missing system packages');
  });
});
