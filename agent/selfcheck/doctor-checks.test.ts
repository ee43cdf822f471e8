import { afterAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAuthority, type CertificateAuthority } from '../../director/ca/authority.ts';
import { systemClock } from '../../shared/clock.ts';
import { cleanupTempDirs, tempDir } from '../../tests/helpers/temp.ts';
import { certificateFinding, verifierFinding } from './doctor-checks.ts';

// Certificates from the director's own CA code (no openssl), so this runs on Windows too; each in a
// temp dir of its own (under wine, Bun does not list a directory's subdirectories to remove them).
afterAll(() => cleanupTempDirs());

/** A data dir holding an agent.crt `issuer` made (14 days, as agents get), and `held`'s certificate as its ca.pem. */
async function dataDir(name: string, issuer: CertificateAuthority, held: CertificateAuthority): Promise<{ data: string; notAfter: number }> {
  const data = tempDir(`dcvix-doctor-${name}-`);
  const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const issued = await issuer.issueAgentCertificate(spki, crypto.randomUUID());
  writeFileSync(join(data, 'agent.crt'), issued.pem);
  writeFileSync(join(data, 'ca.pem'), held.caCertPem);
  return { data, notAfter: issued.notAfter.getTime() };
}

describe('doctor: the agent certificate', async () => {
  const directorCa = await openAuthority({ dataDir: tempDir('dcvix-doctor-ca-'), hostnames: [], clock: systemClock });
  const otherCa = await openAuthority({ dataDir: tempDir('dcvix-doctor-other-ca-'), hostnames: [], clock: systemClock });
  const good = await dataDir('good', directorCa, directorCa);
  const now = Date.now();

  test('ok: issued by the CA held, in date', () => {
    expect(certificateFinding(good.data, now)).toMatchObject({ level: 'ok', detail: expect.stringContaining('issued by the CA the agent holds') });
  });

  test('rejects: another CA, expired, in its last day, not yet valid, none at all', async () => {
    expect(certificateFinding((await dataDir('foreign', otherCa, directorCa)).data, now)).toMatchObject({ level: 'fail', detail: expect.stringContaining('not issued by the CA in') });
    expect(certificateFinding(good.data, good.notAfter + 86_400_000)).toMatchObject({ level: 'fail', detail: expect.stringContaining('expired at') });
    expect(certificateFinding(good.data, good.notAfter - 3_600_000)).toMatchObject({ level: 'warn', detail: expect.stringContaining('less than a day') });
    expect(certificateFinding(good.data, now - 2 * 86_400_000)).toMatchObject({ level: 'fail', detail: expect.stringContaining("check this host's clock") });
    expect(certificateFinding(join(tempDir('dcvix-doctor-'), 'nowhere'), now)).toMatchObject({ level: 'fail', detail: expect.stringContaining('has not been approved yet') });
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
