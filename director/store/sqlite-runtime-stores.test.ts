import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'bun:test';
import { openDatabase } from './db.ts';
import { runtimeStoresContract, sampleServer } from './runtime-stores.contract.ts';
import { createSqliteRuntimeStores } from './sqlite-runtime-stores.ts';

runtimeStoresContract('bun:sqlite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-rs-')), 'agents.db');
  return { store: createSqliteRuntimeStores(openDatabase(path)), reopen: async () => createSqliteRuntimeStores(openDatabase(path)) };
});

test('ok: a save is one transaction: a row that cannot be written leaves none of the batch behind', async () => {
  const store = createSqliteRuntimeStores(openDatabase(':memory:'));
  const batch = Array.from({ length: 500 }, (_, i) => ({ server: sampleServer(`ws${i}`), sessions: [] }));
  // JSON.stringify throws on a BigInt: the 400th row fails after 399 were inserted.
  batch[399] = { server: sampleServer('bad', { odd: 1n }), sessions: [] };
  await expect(store.saveServers(batch, [])).rejects.toThrow();
  expect(await store.loadServers()).toEqual([]);
  batch[399] = { server: sampleServer('ws399'), sessions: [] };
  await store.saveServers(batch, []);
  expect(await store.loadServers()).toHaveLength(500);
});
