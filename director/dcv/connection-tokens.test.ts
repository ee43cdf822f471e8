import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { openDatabase } from '../store/db.ts';
import { sampleServer, sampleSession, stateHolding } from '../../tests/helpers/fleet.ts';
import { generateTokenKey, TokenService } from '../tokens/token-service.ts';
import { ConnectionTokens } from './connection-tokens.ts';
import { createSqliteTokenUses, type TokenUseStore } from './token-uses.ts';

function setup(store: TokenUseStore | undefined, tokens: TokenService) {
  const clock = new FakeClock(Date.now());
  const state = stateHolding(clock, [{ server: sampleServer('ws1'), sessions: [sampleSession('s1', 'ws1')] }]);
  const findSession = async (id: string) => state.session(id);
  return { connections: new ConnectionTokens({ tokens, findSession, clock, log: silentLogger, ttlMs: 60_000, maxUses: 3, store }), session: state.session('s1')! };
}

test('rejects: a token used its maximum number of times before a restart is refused after it', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-ct-')), 'agents.db');
  const tokens = new TokenService({ key: generateTokenKey(), clock: new FakeClock(Date.now()) });
  const before = setup(createSqliteTokenUses(openDatabase(path)), tokens);
  const { token } = await before.connections.issue(before.session);
  const { token: other } = await before.connections.issue(before.session);
  const user = async (connections: ConnectionTokens, t: string) => (await connections.verify(t, 's1')).user;
  for (let use = 0; use < 3; use++) expect(await user(before.connections, token)).toBe('alice');
  expect(await user(before.connections, other)).toBe('alice');

  const after = setup(createSqliteTokenUses(openDatabase(path)), tokens);
  expect(await after.connections.verify(token, 's1')).toMatchObject({ reason: 'used_up' });
  expect(await user(after.connections, other)).toBe('alice');
  expect(await user(after.connections, other)).toBe('alice');
  expect(await after.connections.verify(other, 's1')).toMatchObject({ reason: 'used_up' });
});

test('rejects: a use the store cannot count is refused (fail closed)', async () => {
  const tokens = new TokenService({ key: generateTokenKey(), clock: new FakeClock(Date.now()) });
  const broken: TokenUseStore = { addUse: () => Promise.reject(new Error('disk full')), purgeExpired: async () => 0 };
  const { connections, session } = setup(broken, tokens);
  const issued = await connections.issue(session);
  expect(await connections.verify(issued.token, 's1')).toEqual({ reason: 'use_not_counted', jti: issued.jti });
});

test('rejects: each refusal says why, with the token id once the token could be read (never the token)', async () => {
  const tokenClock = new FakeClock(Date.now());
  const tokens = new TokenService({ key: generateTokenKey(), clock: tokenClock });
  const { connections, session } = setup(undefined, tokens);
  const issued = await connections.issue(session);
  expect(await connections.verify(issued.token, 's1')).toEqual({ user: 'alice', reason: 'valid', jti: issued.jti });
  const early = await connections.issue(session);
  expect(await connections.verify(issued.token, 's2')).toEqual({ reason: 'wrong_session', jti: issued.jti });
  expect(await connections.verify(`${issued.token.slice(0, -2)}xx`, 's1')).toEqual({ reason: 'token_invalid' });
  const gone = await connections.issue({ ...session, id: 'gone' });
  expect(await connections.verify(gone.token, 'gone')).toEqual({ reason: 'session_not_found', jti: gone.jti });
  const other = await connections.issue({ ...session, owner: 'bob' });
  expect(await connections.verify(other.token, 's1')).toEqual({ reason: 'token_mismatch', jti: other.jti });
  tokenClock.advance(61_000);
  expect(await connections.verify(early.token, 's1')).toEqual({ reason: 'token_expired' });
});

test("ok: an invitee's token is accepted only while the share stands; without a share check, only the owner's", async () => {
  const tokens = new TokenService({ key: generateTokenKey(), clock: new FakeClock(Date.now()) });
  const clock = new FakeClock(Date.now());
  const state = stateHolding(clock, [{ server: sampleServer('ws1'), sessions: [sampleSession('s1', 'ws1')] }]);
  const findSession = async (id: string) => state.session(id);
  const shared = new Set(['s1/bob']);
  const options = { tokens, findSession, clock, log: silentLogger, ttlMs: 60_000, maxUses: 10 };
  const sharing = new ConnectionTokens({ ...options, admits: async (session, user) => shared.has(`${session.id}/${user}`) });
  const session = state.session('s1')!;
  const bob = (await sharing.issue(session, 'bob')).token;
  const carol = (await sharing.issue(session, 'carol')).token;
  expect(await sharing.verify(bob, 's1')).toMatchObject({ user: 'bob', reason: 'valid' });
  expect(await sharing.verify(carol, 's1')).toMatchObject({ reason: 'not_shared' });
  shared.delete('s1/bob');
  expect(await sharing.verify(bob, 's1')).toMatchObject({ reason: 'not_shared' });
  expect((await sharing.verify(bob, 's1')).user).toBeUndefined();
  shared.add('s1/bob');
  expect(await new ConnectionTokens(options).verify(bob, 's1')).toMatchObject({ reason: 'token_mismatch' });
});
