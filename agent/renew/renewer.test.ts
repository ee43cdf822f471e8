import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { createCsr } from '../identity/ed25519-csr.ts';
import { parseCsr } from '../../director/ca/csr.ts';
import { agentCn } from '../../shared/pki/names.ts';
import { openAuthority } from '../../director/ca/authority.ts';
import { DirectorError, type DirectorClient } from '../director-client.ts';
import { ensureIdentity, storeCertificate } from '../identity/identity.ts';
import { Renewer } from './renewer.ts';

async function agentWithCert(clock: FakeClock) {
  const ca = await openAuthority({ dataDir: mkdtempSync(join(tmpdir(), 'dcvix-ca-')), hostnames: [], clock });
  const identity = await ensureIdentity(mkdtempSync(join(tmpdir(), 'dcvix-agent-')));
  const issue = async (der: Uint8Array) => (await ca.issueAgentCertificate(parseCsr(der).publicKeySpki, identity.guid)).pem;
  storeCertificate(identity, await issue(await createCsr(identity.keys, agentCn(identity.guid))), ca.caCertPem);
  const client = {
    renew: async (csr: string) => ({ certificate: await issue(new Uint8Array(Buffer.from(csr, 'base64'))), caCertificate: ca.caCertPem }),
  } as unknown as DirectorClient;
  return { identity, client };
}

test('ok: a due certificate is renewed with the same key and handed to the server', async () => {
  const clock = new FakeClock(Date.now());
  const { identity, client } = await agentWithCert(clock);
  const renewed: string[] = [];
  const renewer = new Renewer({ identity, client, clock, log: silentLogger, intervalMs: 1000, retryMs: 50, random: () => 0, onRenewed: (c) => renewed.push(c.info.serialHex), onExpired: () => {} });
  expect(await renewer.tick()).toBeGreaterThan(0);
  clock.advance(2000);
  expect(await renewer.tick()).toBe(1);
  expect(renewed).toHaveLength(1);
});

test('ok: an expired certificate falls back to registration (same GUID and key)', async () => {
  const clock = new FakeClock(Date.now());
  const { identity, client } = await agentWithCert(clock);
  let expired = 0;
  const renewer = new Renewer({ identity, client, clock, log: silentLogger, intervalMs: 12 * 3_600_000, retryMs: 50, onRenewed: () => {}, onExpired: () => expired++ });
  clock.advance(15 * 86_400_000);
  expect(await renewer.tick()).toBe(-1);
  expect(expired).toBe(1);
});

test('ok: a renewal the director refuses for good (unknown, not registered, another key adopted) falls back to registration; other failures are retried', async () => {
  const clock = new FakeClock(Date.now());
  const { identity } = await agentWithCert(clock);
  let answer: Error = new Error('unset');
  const client = {
    renew: async () => {
      throw answer;
    },
  } as unknown as DirectorClient;
  const reasons: string[] = [];
  let expired = 0;
  const log = { ...silentLogger, warn: (msg: string, fields?: Record<string, unknown>) => void reasons.push(`${msg} ${String(fields?.why ?? '')}`) };
  const renewer = new Renewer({ identity, client, clock, log, intervalMs: 1000, retryMs: 50, random: () => 0, onRenewed: () => {}, onExpired: () => expired++ });
  clock.advance(2000);
  for (const code of ['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED', 'AGENT_KEY_MISMATCH']) {
    answer = new DirectorError(403, code, 'refused');
    expect(await renewer.tick()).toBe(-1);
  }
  expect(expired).toBe(3);
  expect(reasons.filter((r) => r.startsWith('registering again')).map((r) => r.split(': ').pop())).toEqual(['AGENT_UNKNOWN', 'AGENT_NOT_REGISTERED', 'AGENT_KEY_MISMATCH']);
  for (const failure of [new DirectorError(403, 'AGENT_REVOKED', 'revoked'), new DirectorError(502, 'HTTP_502', 'bad gateway'), new Error('ECONNREFUSED')]) {
    answer = failure;
    expect(await renewer.tick()).toBe(50);
  }
  expect(expired).toBe(3);
});

test('ok: a certificate file dated in the future (the clock was set back since) is renewed an interval after the agent first saw it, not after the jump', async () => {
  const clock = new FakeClock(Date.now());
  const { identity, client } = await agentWithCert(clock);
  const renewed: string[] = [];
  const renewer = new Renewer({ identity, client, clock, log: silentLogger, intervalMs: 1000, retryMs: 50, random: () => 0, onRenewed: (c) => renewed.push(c.info.serialHex), onExpired: () => {} });
  clock.advance(-6 * 3_600_000);
  expect(await renewer.tick()).toBe(1000);
  clock.advance(1000);
  expect(await renewer.tick()).toBe(1);
  expect(renewed).toHaveLength(1);
});
