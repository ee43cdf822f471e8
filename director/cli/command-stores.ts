import { existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.ts';
import { readDirectorConfig } from '../config/load.ts';
import { openStores, type DirectorStores } from '../open-stores.ts';
import type { CommandContext } from '../../shared/subcommand.ts';

/** The embedded store's database in data_dir (what openStores opens). */
const SQLITE_FILE = 'agents.db';

/**
 * Opens the store the director's config names (its data_dir's database, or PostgreSQL) for a
 * subcommand, runs `work` and closes it (the embedded database checked first: checkEmbeddedStore).
 */
export async function withCommandStores<T>(context: CommandContext, work: (stores: DirectorStores, config: Awaited<ReturnType<typeof readDirectorConfig>>) => Promise<T>): Promise<T> {
  const config = await readDirectorConfig(context.configFile, context.explicit);
  if (!config.store_url) checkEmbeddedStore(config.data_dir);
  const stores = await openStores({ url: config.store_url, password: config.storePassword, dataDir: config.data_dir }, createLogger({ program: 'dcvix-director' }, 'warn'));
  try {
    return await work(stores, config);
  } finally {
    await stores.close();
  }
}

/**
 * The embedded database must already exist (the director made it) and belong to whoever runs a
 * subcommand: a database file, or its journal, made by root would lock the director out of its own store.
 */
export function checkEmbeddedStore(dataDir: string): void {
  const file = join(dataDir, SQLITE_FILE);
  if (!existsSync(file)) throw new Error(`no store at ${file}: start the director with this config once first`);
  const owner = statSync(file).uid;
  if (process.getuid && owner !== process.getuid()) throw new Error(`${file} belongs to uid ${owner}: run this as that user (e.g. sudo -u dcvix dcvix-director ...)`);
}

/** Who ran a subcommand, for the audit: cli:<the user sudo was run by, else the user>. */
export function commandActor(): string {
  try {
    return `cli:${process.env.SUDO_USER || userInfo().username}`;
  } catch {
    return 'cli';
  }
}
