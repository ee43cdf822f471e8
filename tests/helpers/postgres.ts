/**
 * A private PostgreSQL 15 cluster on 127.0.0.1 for tests: initdb into a temp dir owned by the `postgres`
 * user (initdb and pg_ctl refuse to run as root), scram-sha-256 auth, fsync off (tests only), one role
 * and database for the director. stop() removes everything; pause()/resume() stop and restart the same
 * cluster, for "PostgreSQL down" tests.
 */
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './slapd.ts';

const BIN = '/usr/lib/postgresql/15/bin';

export interface Postgres {
  /** postgres://dcvix:PASSWORD@127.0.0.1:PORT/dcvix (the director's role; owns its database). */
  url: string;
  /** The same URL without the password, for configs that take the password from a file. */
  urlWithoutPassword: string;
  password: string;
  port: number;
  /** A fresh, empty database owned by the director's role (for suites that need a clean schema). */
  createDatabase(name: string): Promise<string>;
  /**
   * Runs a plain SQL file in a database with psql as the director's role, which then owns what the file
   * creates (e.g. a `pg_dump --no-owner` dump); the first error stops it and fails the call.
   */
  runSqlFile(database: string, file: string): Promise<void>;
  /** Stops the server but keeps the data (PostgreSQL down). */
  pause(): Promise<void>;
  /** Starts the paused server again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Binaries this helper needs that are missing (the postgresql-15 package). */
export function postgresMissingTools(): string[] {
  return ['initdb', 'pg_ctl', 'psql'].filter((t) => !existsSync(join(BIN, t)));
}

/** Runs a tool as the postgres user; `stdinFile` is read here and piped in (that user may not be able to open it). */
async function runAsPostgres(argv: string[], env: Record<string, string> = {}, stdinFile?: string): Promise<string> {
  const proc = Bun.spawn(['runuser', '-u', 'postgres', '--', ...argv], {
    stdin: stdinFile ? Bun.file(stdinFile) : 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, ...env },
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${argv[0]} failed (${code}): ${err || out}`);
  return out;
}

/** Starts a cluster; call stop() in afterAll. */
export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-pg-'));
  const pw = crypto.randomUUID().replaceAll('-', '');
  const appPw = crypto.randomUUID().replaceAll('-', '');
  const pg = Bun.spawnSync(['id', '-u', 'postgres']);
  const uid = Number(pg.stdout.toString().trim());
  const gid = Number(Bun.spawnSync(['id', '-g', 'postgres']).stdout.toString().trim());
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, 'pw'), pw, { mode: 0o600 });
  chownSync(join(dir, 'pw'), uid, gid);
  const data = join(dir, 'data');
  const port = await freeTcpPort();
  await runAsPostgres([join(BIN, 'initdb'), '-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const start = () =>
    runAsPostgres([
      join(BIN, 'pg_ctl'),
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  const halt = () => runAsPostgres([join(BIN, 'pg_ctl'), '-D', data, '-w', '-m', 'fast', 'stop']);
  await start();
  const psql = (sql: string, db = 'postgres') =>
    runAsPostgres([join(BIN, 'psql'), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { PGPASSWORD: pw });
  await psql(`CREATE ROLE dcvix LOGIN PASSWORD '${appPw}'`);
  await psql('CREATE DATABASE dcvix OWNER dcvix');
  let running = true;
  return {
    url: `postgres://dcvix:${appPw}@127.0.0.1:${port}/dcvix`,
    urlWithoutPassword: `postgres://dcvix@127.0.0.1:${port}/dcvix`,
    password: appPw,
    port,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('database names here are plain identifiers');
      await psql(`CREATE DATABASE ${name} OWNER dcvix`);
      return `postgres://dcvix:${appPw}@127.0.0.1:${port}/${name}`;
    },
    async runSqlFile(database, file) {
      await runAsPostgres([join(BIN, 'psql'), '-h', '127.0.0.1', '-p', String(port), '-U', 'dcvix', '-d', database, '-v', 'ON_ERROR_STOP=1', '-q'], { PGPASSWORD: appPw }, file);
    },
    async pause() {
      if (running) await halt();
      running = false;
    },
    async resume() {
      if (!running) await start();
      running = true;
    },
    async stop() {
      if (running) await halt().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
