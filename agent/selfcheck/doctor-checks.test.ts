import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFinding, verifierFinding } from './doctor-checks.ts';

const dir = mkdtempSync(join(tmpdir(), 'dcvix-doctor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (...args: string[]) => {
  const done = Bun.spawnSync(['openssl', ...args], { cwd: dir, stderr: 'pipe' });
  if (done.exitCode !== 0) throw new Error(done.stderr.toString());
};
const ca = (name: string) =>
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`);

/** A data dir holding agent.crt issued by `issuer` for 2 days, and `held` as its ca.pem. */
function dataDir(name: string, issuer: string, held: string): string {
  const data = join(dir, name);
  mkdirSync(data);
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=agent', '-keyout', join(data, 'agent.key'), '-out', join(data, 'agent.csr'));
  openssl('x509', '-req', '-in', join(data, 'agent.csr'), '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '2', '-out', join(data, 'agent.crt'));
  writeFileSync(join(data, 'ca.pem'), readFileSync(join(dir, `${held}.pem`)));
  return data;
}

describe('doctor: the agent certificate', () => {
  ca('director-ca');
  ca('other-ca');
  const good = dataDir('good', 'director-ca', 'director-ca');
  const now = Date.now();

  test('ok: issued by the CA held, in date', () => {
    expect(certificateFinding(good, now)).toMatchObject({ level: 'ok', detail: expect.stringContaining('issued by the CA the agent holds') });
  });

  test('rejects: another CA, expired, in its last day, not yet valid, none at all', () => {
    expect(certificateFinding(dataDir('foreign', 'other-ca', 'director-ca'), now)).toMatchObject({ level: 'fail', detail: expect.stringContaining('not issued by the CA in') });
    expect(certificateFinding(good, now + 3 * 86_400_000)).toMatchObject({ level: 'fail', detail: expect.stringContaining('expired at') });
    expect(certificateFinding(good, now + 2 * 86_400_000 - 3_600_000)).toMatchObject({ level: 'warn', detail: expect.stringContaining('less than a day') });
    expect(certificateFinding(good, now - 86_400_000)).toMatchObject({ level: 'fail', detail: expect.stringContaining("check this host's clock") });
    expect(certificateFinding(join(dir, 'nowhere'), now)).toMatchObject({ level: 'fail', detail: expect.stringContaining('has not been approved yet') });
  });
});

describe('doctor: the verifier', () => {
  const director = 'https://dcvix-director:8445';
  const check = (verifier?: string, readError?: string) => ({ source: '/etc/dcv/dcv.conf', ...(verifier ? { verifier } : {}), ...(readError ? { readError } : {}) });

  test("ok: the agent's own director_url", async () => {
    expect(await verifierFinding(check('https://dcvix-director:8445/v1/user/authtokenverify'), director, undefined)).toMatchObject({ level: 'ok' });
  });

  test('rejects: not set, unreadable, http, another path, a host that answers as no director of this CA', async () => {
    expect((await verifierFinding(check(), director, undefined)).detail).toContain('not set');
    expect((await verifierFinding(check(undefined, 'ENOENT'), director, undefined)).detail).toContain('cannot be read: ENOENT');
    expect((await verifierFinding(check('http://dcvix-director:8445/v1/user/authtokenverify'), director, undefined)).level).toBe('fail');
    expect((await verifierFinding(check('https://dcvix-director:8445/verify'), director, undefined)).level).toBe('fail');
    // Nothing listens on port 1: not a director of this agent's CA.
    const elsewhere = await verifierFinding(check('https://127.0.0.1:1/v1/user/authtokenverify'), director, undefined);
    expect([elsewhere.level, elsewhere.detail]).toEqual(['fail', expect.stringContaining('answers as no director of this agent')]);
  });
});
