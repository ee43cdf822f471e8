import { expect, test } from 'bun:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySchema } from '../../shared/config-schema.ts';
import { createLogger, silentLogger } from '../../shared/log.ts';
import { agentSchema } from '../config/schema.ts';
import { DirectorError, type DirectorClient } from '../director-client.ts';
import { ensureIdentity } from '../identity/identity.ts';
import { keyChangeDelay, MAX_BACKOFF_MS, nextDelay, registerUntilApproved } from './registrator.ts';

test('ok: a pending (or returning) agent asks again every register_interval, 30 s by default, until approved', async () => {
  const config = applySchema(agentSchema, {}, 'defaults');
  expect(config.register_interval).toBe(30_000);
  const identity = await ensureIdentity(mkdtempSync(join(tmpdir(), 'dcvix-reg-')));
  const answers = [new DirectorError(403, 'AGENT_PENDING', 'pending approval'), new Error('connect ECONNREFUSED'), new DirectorError(403, 'AGENT_PENDING', 'pending approval')];
  const asked: string[] = [];
  const client = {
    register: async (body: { guid: string }) => {
      asked.push(body.guid);
      const next = answers.shift();
      if (next) throw next;
      return { certificate: 'CERT', caCertificate: 'CA', agentId: body.guid, notAfter: new Date().toISOString() };
    },
  } as unknown as DirectorClient;
  const slept: number[] = [];
  const issued = await registerUntilApproved({ identity, client, hostname: 'ws1', intervalMs: config.register_interval, log: silentLogger, sleep: async (ms) => void slept.push(ms) });
  expect(issued.agentId).toBe(identity.guid);
  expect(asked).toEqual([identity.guid, identity.guid, identity.guid, identity.guid]);
  expect(slept).toEqual([30_000, 30_000, 30_000]);
  expect(readFileSync(identity.paths.cert, 'utf8')).toContain('CERT');
});

test('ok: after a 429 the agent waits Retry-After plus jitter, capped at 5 min', () => {
  const busy = (s?: number) => new DirectorError(429, 'TOO_MANY_REGISTRATIONS', 'slow down', s);
  expect(nextDelay(30_000, busy(120), () => 0)).toBe(120_000);
  expect(nextDelay(30_000, busy(120), () => 1)).toBe(180_000);
  expect(nextDelay(30_000, busy(), () => 0.5)).toBe(37_500);
  expect(nextDelay(30_000, busy(3600), () => 0)).toBe(MAX_BACKOFF_MS);
  // Two agents refused together come back at different times.
  expect(nextDelay(30_000, busy(60), () => 0.1)).not.toBe(nextDelay(30_000, busy(60), () => 0.9));
});

test('ok: other failures keep the plain interval', () => {
  expect(nextDelay(30_000, new DirectorError(503, 'X', 'y', 120))).toBe(30_000);
  expect(nextDelay(30_000, new Error('network'))).toBe(30_000);
});

test('ok: while its key waits as a key change (409 AGENT_KEY_MISMATCH) the agent keeps asking, backing off, and stores the certificate once approved', async () => {
  const identity = await ensureIdentity(mkdtempSync(join(tmpdir(), 'dcvix-reg-')));
  const parked = () => new DirectorError(409, 'AGENT_KEY_MISMATCH', 'this GUID is registered with another key; an administrator must approve the new key');
  const answers: Error[] = [parked(), parked(), parked(), parked(), parked(), parked(), parked(), new DirectorError(403, 'AGENT_PENDING', 'pending approval')];
  const client = {
    register: async (body: { guid: string }) => {
      const next = answers.shift();
      if (next) throw next;
      return { certificate: 'CERT', caCertificate: 'CA', agentId: body.guid, notAfter: new Date().toISOString() };
    },
  } as unknown as DirectorClient;
  const slept: number[] = [];
  const logged: string[] = [];
  const log = { ...silentLogger, info: (msg: string) => void logged.push(msg), warn: (msg: string) => void logged.push(msg) };
  const issued = await registerUntilApproved({ identity, client, hostname: 'ws1', intervalMs: 30_000, log, sleep: async (ms) => void slept.push(ms) });
  expect(issued.agentId).toBe(identity.guid);
  expect(slept).toEqual([30_000, 60_000, 120_000, 240_000, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS, 30_000]);
  expect(logged.filter((m) => m === 'registration waiting for approval of a key change')).toHaveLength(7);
  expect(logged).not.toContain('registration failed; retrying');
  expect(readFileSync(identity.paths.cert, 'utf8')).toContain('CERT');
});

test('ok: the key-change back-off doubles from the interval and stops at 5 min (or a longer interval)', () => {
  expect([1, 2, 3, 4, 5, 100].map((waits) => keyChangeDelay(1000, waits))).toEqual([1000, 2000, 4000, 8000, 16_000, MAX_BACKOFF_MS]);
  expect([1, 2].map((waits) => keyChangeDelay(600_000, waits))).toEqual([600_000, 600_000]);
});

test('ok: the join token goes with each registration until the director refuses it; then it is dropped, logged by id only, and the agent asks at once without it', async () => {
  const identity = await ensureIdentity(mkdtempSync(join(tmpdir(), 'dcvix-reg-')));
  const token = `dcvix-join_0123456789abcdef_${'s'.repeat(43)}`;
  const answers: Error[] = [
    new Error('connect ECONNREFUSED'),
    new DirectorError(403, 'JOIN_TOKEN_EXPIRED', 'join token has expired; register without it and wait for approval'),
    new DirectorError(403, 'AGENT_PENDING', 'pending approval'),
  ];
  const sent: (string | undefined)[] = [];
  const client = {
    register: async (body: { guid: string; joinToken?: string }) => {
      sent.push(body.joinToken);
      const next = answers.shift();
      if (next) throw next;
      return { certificate: 'CERT', caCertificate: 'CA', agentId: body.guid, notAfter: new Date().toISOString() };
    },
  } as unknown as DirectorClient;
  const slept: number[] = [];
  const lines: string[] = [];
  const joinToken = { token };
  await registerUntilApproved({
    identity,
    client,
    hostname: 'ws1',
    intervalMs: 30_000,
    joinToken,
    log: createLogger({}, 'debug', (line) => lines.push(line)),
    sleep: async (ms) => void slept.push(ms),
  });
  expect(sent).toEqual([token, token, undefined, undefined]);
  expect(slept).toEqual([30_000, 0, 30_000]);
  expect(joinToken.token).toBeUndefined();
  const refused = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'join token refused; registering without it, to wait for approval');
  expect(refused).toMatchObject({ joinToken: '0123456789abcdef', code: 'JOIN_TOKEN_EXPIRED' });
  expect(lines.join('\n')).not.toContain('s'.repeat(43));
});
