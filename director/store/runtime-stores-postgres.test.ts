import { afterAll, beforeAll } from 'bun:test';
import { silentLogger } from '../../shared/log.ts';
import { startPostgres, type Postgres } from '../../tests/helpers/postgres.ts';
import { connectPostgres } from './postgres.ts';
import { migratePostgres } from './migrate.ts';
import { runtimeStoresContract } from './runtime-stores.contract.ts';
import { createPostgresRuntimeStores } from './runtime-stores-postgres.ts';

let pg: Postgres;
let fresh = 0;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());

// Each case gets its own database; `reopen` is a new client on it (a director restart).
runtimeStoresContract('PostgreSQL', async () => {
  const url = await pg.createDatabase(`rs${++fresh}`);
  const first = await connectPostgres(url, undefined);
  await migratePostgres(first, silentLogger);
  return { store: createPostgresRuntimeStores(first), reopen: async () => createPostgresRuntimeStores(await connectPostgres(url, undefined)) };
});
