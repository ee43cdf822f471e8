/**
 * Copies of the store upgrade fixtures (tests/fixtures/upgrade: databases the previous release wrote,
 * manifest.json listing what is in each) for tests that start directors on them. The fixtures
 * themselves are only ever copied.
 */
import { Database } from 'bun:sqlite';
import { SQL } from 'bun';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDirector, type DirectorHandle } from './dcvix.ts';
import type { Postgres } from './postgres.ts';
import { repoRoot, tempDir } from './temp.ts';

interface StoreManifest {
  agents: { guid: string; hostname: string; state: string; cert_serial: string | null; cert_not_after: string | null }[];
  sessions: { id: string; serverId: string; owner: string; pool: string | null; type: string }[];
  token_key: string;
  store_ca_key?: string;
  totp: { username: string; secret: string }[];
  /** Rows per table in the database as made. */
  counts: Record<string, number>;
  audit_events_by_type: Record<string, number>;
}

interface Manifest {
  passwords: Record<string, string>;
  policy: { users: unknown; pools: unknown };
  stores: { sqlite: StoreManifest; postgres: StoreManifest };
}

export type Row = Record<string, unknown>;

/** A copy of one fixture store and how to reach it. */
export interface StoreCopy {
  store: StoreManifest;
  /** Runs SQL on the copy (the director running or not). */
  sql(text: string): Promise<Row[]>;
  /** Sets numOfConnections of the session at `index` in a server's old JSON blob. */
  setOldConnections(serverId: string, index: number, connections: number): Promise<void>;
  /** The CA the old release made: agents' certificates chain to it, so the director must keep it. */
  oldCaPem: string;
  /** A director on the copy (the same directory every time: a restart). */
  start(config?: Record<string, unknown>): Promise<DirectorHandle>;
  close(): Promise<void>;
}

const FIXTURES = join(repoRoot, 'tests/fixtures/upgrade');
/** manifest.json: the users' passwords, the policy the old directors ran with, and each store's contents. */
export const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;

/**
 * The fixture's rows date from the day it was made: the housekeeper must not age them out on a later
 * day (audit retention, pending registrations), and the stale servers and their sessions (no agent runs
 * here) must outlive a slow test machine.
 */
const KEEP_OLD_ROWS = { audit_retention: '36500d', pending_max_age: '36500d', session_stale_after: '10m', server_offline_after: '10m' };

function sqliteRows(path: string, text: string): Row[] {
  const db = new Database(path);
  try {
    return db.query(text).all() as Row[];
  } finally {
    db.close();
  }
}

/** The bun:sqlite fixture: its whole data dir copied into a fresh director directory. */
export function sqliteCopy(): StoreCopy & { dbFile: string } {
  const dir = tempDir('dcvix-upgrade-sqlite-');
  cpSync(join(FIXTURES, 'sqlite/data'), join(dir, 'data'), { recursive: true });
  const path = join(dir, 'data', 'agents.db');
  const store = manifest.stores.sqlite;
  return {
    store,
    dbFile: path,
    sql: async (text) => sqliteRows(path, text),
    setOldConnections: async (serverId, index, connections) => {
      sqliteRows(path, `UPDATE runtime_servers SET sessions = json_set(sessions, '$[${index}].numOfConnections', ${connections}) WHERE id = '${serverId}'`);
    },
    oldCaPem: readFileSync(join(FIXTURES, 'sqlite/data/ca.pem'), 'utf8'),
    start: (config = {}) => startDirector({ dir, policy: manifest.policy, users: manifest.passwords, config: { ...KEEP_OLD_ROWS, token_key: store.token_key, ...config } }),
    close: async () => {},
  };
}

/** The PostgreSQL fixture: the dump restored into a new database of the private cluster. */
export async function postgresCopy(pg: Postgres, database: string): Promise<StoreCopy> {
  const url = await pg.createDatabase(database);
  await pg.runSqlFile(database, join(FIXTURES, 'postgres/dump.sql'));
  const client = new SQL(url, { max: 1 });
  const storeUrl = new URL(url);
  storeUrl.password = '';
  const store = manifest.stores.postgres;
  const dir = tempDir('dcvix-upgrade-pg-');
  const [identity] = await client`SELECT ca_cert_pem FROM cluster_identity`;
  return {
    store,
    sql: async (text) => [...(await client.unsafe(text))],
    setOldConnections: async (serverId, index, connections) => {
      await client`UPDATE runtime_servers SET sessions = jsonb_set(sessions, ${`{${index},numOfConnections}`}::text[], to_jsonb(${connections}::int)) WHERE id = ${serverId}`;
    },
    oldCaPem: identity.ca_cert_pem,
    start: (config = {}) =>
      startDirector({
        dir,
        policy: manifest.policy,
        users: manifest.passwords,
        config: { ...KEEP_OLD_ROWS, token_key: store.token_key, store_url: storeUrl.toString(), ...config },
        env: { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: store.store_ca_key! },
      }),
    close: () => client.close(),
  };
}
