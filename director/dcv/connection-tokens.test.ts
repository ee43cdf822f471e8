import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { RuntimeState } from '../servers/runtime-state.ts';
import { openDatabase } from '../store/db.ts';
import type { TokenUseStore } from '../store/runtime-stores.ts';
import { createSqliteRuntimeStores } from '../store/sqlite-runtime-stores.ts';
import { generateTokenKey, TokenService } from '../tokens/token-service.ts';
import { ConnectionTokens } from './connection-tokens.ts';

const stats = { hostname: 'x', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };

function setup(store: TokenUseStore | undefined, tokens: TokenService) {
  const clock = new FakeClock(Date.now());
  const state = new RuntimeState(clock);
  state.applyUpdate({ guid: 'g1', hostname: 'ws1', address: '127.0.0.1', agentPort: 1, stats, tags: [], sessions: [{ id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 0 }] });
  return { connections: new ConnectionTokens(tokens, state, clock, 60_000, 3, store), session: state.session('s1')! };
}

test('rejects: a token used its maximum number of times before a restart is refused after it', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-ct-')), 'agents.db');
  const tokens = new TokenService({ key: generateTokenKey(), clock: new FakeClock(Date.now()) });
  const before = setup(createSqliteRuntimeStores(openDatabase(path)), tokens);
  const { token } = await before.connections.issue(before.session);
  const { token: other } = await before.connections.issue(before.session);
  for (let use = 0; use < 3; use++) expect(await before.connections.verify(token, 's1')).toBe('alice');
  expect(await before.connections.verify(other, 's1')).toBe('alice');

  const after = setup(createSqliteRuntimeStores(openDatabase(path)), tokens);
  expect(await after.connections.verify(token, 's1')).toBeUndefined();
  expect(await after.connections.verify(other, 's1')).toBe('alice');
  expect(await after.connections.verify(other, 's1')).toBe('alice');
  expect(await after.connections.verify(other, 's1')).toBeUndefined();
});

test('rejects: a use the store cannot count is refused (fail closed)', async () => {
  const tokens = new TokenService({ key: generateTokenKey(), clock: new FakeClock(Date.now()) });
  const broken: TokenUseStore = { addUse: () => Promise.reject(new Error('disk full')), purgeExpired: async () => 0 };
  const { connections, session } = setup(broken, tokens);
  expect(await connections.verify((await connections.issue(session)).token, 's1')).toBeUndefined();
});
