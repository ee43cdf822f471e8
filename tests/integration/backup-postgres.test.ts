import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { run } from '../helpers/run.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

/**
 * The PostgreSQL variant of the drill, as docs/operations.md gives it (with a plain-SQL dump loaded by
 * psql where the docs use the custom format and pg_restore): `pg_dump` for the store, `backup`
 * for the director's own files (with the store CA key file, which unseals the shared CA in the dump);
 * the dump loaded into a new database, the files restored into an empty data dir, and the director
 * started on both: the same CA, and a token issued before still valid.
 */
const PG_DUMP = '/usr/lib/postgresql/15/bin/pg_dump';
let pg: Postgres;
let director: DirectorHandle;
let work: string;
let keyFile: string;
let passphraseFile: string;

const config = (url: string) => ({ store_url: url, store_ca_key_file: keyFile, token_key: '7a'.repeat(32) });

beforeAll(async () => {
  pg = await startPostgres();
  work = tempDir('dcvix-backup-pg-');
  keyFile = join(work, 'store-ca.key');
  writeFileSync(keyFile, '8b'.repeat(32), { mode: 0o600 });
  passphraseFile = join(work, 'passphrase');
  writeFileSync(passphraseFile, 'another long passphrase', { mode: 0o600 });
  director = await startDirector({ config: config(pg.urlWithoutPassword), env: { DCVIX_STORE_PASSWORD: pg.password } });
}, 60_000);

afterAll(async () => {
  await director?.stop();
  await pg?.stop();
  cleanupTempDirs();
});

describeWith(['postgresql'], 'backup and restore with a PostgreSQL store', () => {
  test('ok: pg_dump plus the director files, restored into a new database and an empty data dir: same CA, tokens still valid', async () => {
    const alice = await login(director.url, director.caPem, 'alice', TEST_USERS.alice!);
    const dump = join(work, 'store.sql');
    await run([PG_DUMP, '--no-owner', '--file', dump, pg.url]);
    const files = join(work, 'files.dcvixbak');
    const made = await director.command('backup', '--out', files, '--passphrase-file', passphraseFile);
    expect([made.code, made.stdout]).toEqual([0, expect.stringContaining('no store: PostgreSQL is backed up with pg_dump')]);
    const fingerprint = director.proc.lines.find((line) => line.includes('"CA ready"'))!.match(/"fingerprintSha256":"([^"]+)"/)![1];
    await director.stop();

    const restoredUrl = await pg.createDatabase('restored');
    await pg.runSqlFile('restored', dump);
    rmSync(director.dataDir, { recursive: true });
    const etc = join(work, 'etc');
    const restored = await director.command('restore', '--in', files, '--etc-out', etc, '--passphrase-file', passphraseFile);
    expect([restored.code, restored.stdout]).toEqual([0, expect.stringContaining('restore it with pg_restore')]);
    expect(readdirSync(etc).sort()).toEqual(['dcvix-director.conf', 'pools.json', 'store-ca.key', 'users.json']);
    expect(readFileSync(join(etc, 'store-ca.key'), 'utf8')).toBe('8b'.repeat(32));

    director = await startDirector({ dir: director.dir, config: config(restoredUrl.replace(`:${pg.password}@`, '@')), env: { DCVIX_STORE_PASSWORD: pg.password } });
    expect(director.proc.lines.find((line) => line.includes('"CA ready"'))).toContain(fingerprint!);
    const servers = await call(`${director.url}/v1/user/servers`, { ca: director.caPem, cookie: alice });
    expect(servers.status).toBe(200);
  }, 60_000);
});
