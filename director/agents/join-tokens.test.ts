import { expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { parseJoinToken } from '../../shared/api/join-token.ts';
import { FakeClock } from '../../shared/clock.ts';
import { createLogger } from '../../shared/log.ts';
import type { AuditEvent } from '../audit/types.ts';
import { openDatabase } from '../store/db.ts';
import { createSqliteJoinTokenStore } from './join-token-store.ts';
import { JoinTokens } from './join-tokens.ts';

function setup() {
  const clock = new FakeClock();
  const events: AuditEvent[] = [];
  const lines: string[] = [];
  const db = openDatabase(':memory:');
  const joinTokens = new JoinTokens({
    store: createSqliteJoinTokenStore(db),
    clock,
    audit: { record: (event) => void events.push(event), list: async () => [] },
    log: createLogger({}, 'debug', (line) => lines.push(line)),
  });
  return { clock, events, lines, db, joinTokens };
}

const who = { guid: '3f2a9c1d-7b4e-4c2a-9d1e-0a1b2c3d4e5f', hostname: 'gpu-1.example.com', remoteAddress: '192.0.2.9' };

test("ok: a new token is shown once as dcvix-join_<id>_<secret>; only the secret's SHA-256 is stored, and nothing logs or audits the secret", async () => {
  const { joinTokens, events, lines, db } = setup();
  const { token, record } = await joinTokens.create({ expiresInSeconds: 3600, uses: 2, hostnamePattern: 'gpu-*.example.com' }, 'admin');
  expect(token).toMatch(/^dcvix-join_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const parsed = parseJoinToken(token)!;
  expect(parsed.id).toBe(record.id);
  const stored = db.query('SELECT * FROM join_tokens').all() as Record<string, unknown>[];
  expect(stored).toHaveLength(1);
  expect(new Uint8Array(stored[0]!.secret_hash as Uint8Array)).toEqual(new Uint8Array(createHash('sha256').update(parsed.secret).digest()));
  expect(JSON.stringify(stored)).not.toContain(token.split('_').at(-1));
  expect(record).toMatchObject({ uses: 2, used: 0, hostnamePattern: 'gpu-*.example.com', createdBy: 'admin' });
  await joinTokens.check(token, who.hostname);
  await joinTokens.use(record, who);
  const secretText = token.slice(-43);
  expect(events.map((e) => e.type)).toEqual(['join-token.create', 'join-token.use']);
  expect(JSON.stringify(events) + lines.join('\n')).not.toContain(secretText);
});

test('ok: check admits a valid token for a matching host; use counts it, and the last use goes to exactly one of many racing', async () => {
  const { joinTokens, events } = setup();
  const { token } = await joinTokens.create({ expiresInSeconds: 600, uses: 3 }, 'admin');
  const verdict = await joinTokens.check(token, 'ANY-host');
  if (!('admits' in verdict)) throw new Error(`refused: ${verdict.refusal}`);
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => joinTokens.use(verdict.admits, who)));
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
  expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)).toEqual(Array(5).fill('JOIN_TOKEN_USED_UP'));
  expect(await joinTokens.check(token, 'ANY-host')).toEqual({ refusal: 'JOIN_TOKEN_USED_UP', id: verdict.admits.id });
  expect(events.filter((e) => e.type === 'join-token.use').map((e) => e.detail)).toEqual([1, 2, 3].map((n) => `gpu-1.example.com (${who.guid}) admitted; ${n} of 3 uses made`));
  expect(events.filter((e) => e.type === 'join-token.refuse')).toHaveLength(5);
  expect((await joinTokens.list())[0]).toMatchObject({ used: 3, uses: 3 });
});

test('rejects: malformed, unknown and wrong-secret tokens look alike; expired, revoked and used-up ones and a host outside the pattern each have their code', async () => {
  const { joinTokens, clock } = setup();
  const { token, record } = await joinTokens.create({ expiresInSeconds: 60, uses: 1, hostnamePattern: 'gpu-*.example.com' }, 'admin');
  const otherSecret = `${token.slice(0, -43)}${'A'.repeat(43)}`;
  const unknownId = `dcvix-join_${'0'.repeat(16)}_${token.slice(-43)}`;
  expect(await joinTokens.check('dcvix-join_nope', 'gpu-1.example.com')).toEqual({ refusal: 'JOIN_TOKEN_INVALID' });
  expect(await joinTokens.check(unknownId, 'gpu-1.example.com')).toEqual({ refusal: 'JOIN_TOKEN_INVALID', id: '0'.repeat(16) });
  expect(await joinTokens.check(otherSecret, 'gpu-1.example.com')).toEqual({ refusal: 'JOIN_TOKEN_INVALID', id: record.id });
  expect(await joinTokens.check(token, 'cpu-1.example.com')).toEqual({ refusal: 'JOIN_TOKEN_HOSTNAME_MISMATCH', id: record.id });
  expect('admits' in (await joinTokens.check(token, 'GPU-7.rack2.example.com'))).toBe(true);
  clock.advance(60_000);
  expect(await joinTokens.check(token, 'gpu-1.example.com')).toEqual({ refusal: 'JOIN_TOKEN_EXPIRED', id: record.id });
  // An expired token is not used by a use() that raced the expiry either.
  await expect(joinTokens.use(record, who)).rejects.toMatchObject({ status: 403, code: 'JOIN_TOKEN_EXPIRED' });

  const second = await joinTokens.create({ expiresInSeconds: 600, uses: 5 }, 'admin');
  await joinTokens.revoke(second.record.id, 'admin');
  expect(await joinTokens.check(second.token, 'ws1')).toEqual({ refusal: 'JOIN_TOKEN_REVOKED', id: second.record.id });
  await expect(joinTokens.use(second.record, who)).rejects.toMatchObject({ code: 'JOIN_TOKEN_REVOKED' });
});

test('ok: a refusal is audited with the code, host and address, and answers 403 without any part of the token', async () => {
  const { joinTokens, events } = setup();
  const { token, record } = await joinTokens.create({ expiresInSeconds: 600, uses: 1, hostnamePattern: 'gpu-?' }, 'admin');
  const verdict = await joinTokens.check(token, 'ws1');
  if ('admits' in verdict) throw new Error('admitted');
  const error = joinTokens.refuse(verdict, who);
  expect([error.status, error.code]).toEqual([403, 'JOIN_TOKEN_HOSTNAME_MISMATCH']);
  expect(error.message).toBe("this host name does not match the join token's host name pattern; register without it and wait for approval");
  expect(events.at(-1)).toEqual({
    type: 'join-token.refuse',
    target: record.id,
    clientAddress: '192.0.2.9',
    outcome: 'failure',
    detail: `JOIN_TOKEN_HOSTNAME_MISMATCH: gpu-1.example.com (${who.guid})`,
  });
});

test('ok: revoke is audited and shown; a second revoke is 409 INVALID_STATE, an unknown id 404 JOIN_TOKEN_NOT_FOUND', async () => {
  const { joinTokens, events, clock } = setup();
  const { record } = await joinTokens.create({ expiresInSeconds: 600, uses: 1 }, 'admin');
  clock.advance(1000);
  const revoked = await joinTokens.revoke(record.id, 'root');
  expect(revoked).toMatchObject({ revokedBy: 'root', revokedAt: clock.now() });
  expect(joinTokens.stateOf(revoked)).toBe('revoked');
  expect(events.at(-1)).toEqual({ type: 'join-token.revoke', actor: 'root', target: record.id, outcome: 'success', detail: '0 of 1 uses made' });
  await expect(joinTokens.revoke(record.id, 'root')).rejects.toMatchObject({ status: 409, code: 'INVALID_STATE' });
  await expect(joinTokens.revoke('0123456789abcdef', 'root')).rejects.toMatchObject({ status: 404, code: 'JOIN_TOKEN_NOT_FOUND' });
});

test('rejects: a host-name pattern with other characters (negation, spaces, slashes) is refused and nothing is stored', async () => {
  const { joinTokens } = setup();
  for (const pattern of ['!gpu-*', 'gpu *', 'a/b', 'ws1;rm']) {
    await expect(joinTokens.create({ expiresInSeconds: 600, uses: 1, hostnamePattern: pattern }, 'admin')).rejects.toMatchObject({ status: 400, code: 'INVALID_HOSTNAME_PATTERN' });
  }
  expect(await joinTokens.list()).toEqual([]);
});
