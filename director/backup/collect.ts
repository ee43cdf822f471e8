import { Database } from 'bun:sqlite';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { VERSION } from '../../shared/version.ts';
import type { DirectorConfig } from '../config/schema.ts';
import { POLICY_FILES } from '../policy/holder.ts';
import type { BundleEntry, BundleInfo } from './bundle.ts';

/** The embedded store's file in data_dir, and the files SQLite keeps beside it while it is open. */
export const STORE_FILE = 'agents.db';
const STORE_SIDE_FILES = new Set([STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`, `${STORE_FILE}-journal`]);

type BackupConfig = Omit<DirectorConfig, 'policy'>;

/**
 * What a backup holds, read while the director runs: the embedded store as one consistent snapshot
 * (VACUUM INTO from a second, read-only connection: bun:sqlite has no backup API, and copying the file
 * and its WAL while the director writes could tear), every other file in data_dir (CA key and
 * certificate, the director's certificate, the audit chain's name, the audit spool), and the config
 * file, the policy files and the store's key and password files (the config holds the token keys).
 * A PostgreSQL store is not in it: pg_dump backs that up (docs/operations.md).
 */
export function collectBackup(config: BackupConfig): { info: BundleInfo; entries: BundleEntry[] } {
  const info: BundleInfo = { createdAt: Date.now(), version: VERSION, store: config.store_url ? 'postgres' : 'sqlite' };
  const entries: BundleEntry[] = [];
  if (!existsSync(config.data_dir)) throw new Error(`data_dir ${config.data_dir} does not exist: nothing to back up`);
  if (!config.store_url) {
    const snapshot = snapshotStore(join(config.data_dir, STORE_FILE));
    entries.push({ name: `store/${STORE_FILE}`, mode: 0o600, data: snapshot.data });
    info.schemaVersion = snapshot.schemaVersion;
  }
  for (const file of filesUnder(config.data_dir)) {
    const rel = relative(config.data_dir, file);
    if (STORE_SIDE_FILES.has(rel) || /\.tmp-\d+-[a-z0-9]+$/.test(rel)) continue;
    entries.push({ name: `data/${rel}`, mode: statSync(file).mode & 0o777, data: readFileSync(file) });
  }
  const base = dirname(config.configFile);
  const etc = [config.configFile, join(config.policyDir, POLICY_FILES.users), join(config.policyDir, POLICY_FILES.pools)];
  for (const named of [config.store_ca_key_file, config.store_password_file]) if (named) etc.push(resolve(base, named));
  const seen = new Set<string>();
  for (const file of etc) {
    if (!existsSync(file)) continue;
    const name = basename(file);
    if (seen.has(name)) throw new Error(`two files to back up are both named ${name} (${file}): rename one`);
    seen.add(name);
    entries.push({ name: `etc/${name}`, mode: statSync(file).mode & 0o777, data: readFileSync(file) });
  }
  return { info, entries };
}

/** A consistent copy of the live database, and the newest schema version it records. */
function snapshotStore(file: string): { data: Uint8Array; schemaVersion: number } {
  if (!existsSync(file)) throw new Error(`no store at ${file}: start the director with this config once first`);
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-backup-'));
  try {
    const target = join(dir, STORE_FILE);
    const live = new Database(file, { readonly: true });
    try {
      live.query('VACUUM INTO ?').run(target);
    } finally {
      live.close();
    }
    const copy = new Database(target, { readonly: true });
    const { version } = copy.query<{ version: number }, []>('SELECT MAX(version) AS version FROM schema_versions').get()!;
    copy.close();
    return { data: readFileSync(target), schemaVersion: version };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}
