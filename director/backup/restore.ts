import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BundleEntry } from './bundle.ts';
import { STORE_FILE } from './collect.ts';

/** What a restore wrote, and which config files it left in the backup. */
export interface RestoreResult {
  dataFiles: number;
  etcWritten: string[];
  etcLeft: string[];
}

/** @throws Error unless `dataDir` is absent or empty (checked before the passphrase is, too: it costs nothing). */
export function assertEmptyDataDir(dataDir: string): void {
  if (existsSync(dataDir) && readdirSync(dataDir).length)
    throw new Error(`data_dir ${dataDir} is not empty: restore writes only into an empty data dir (move the old one aside first); nothing was written`);
}

/**
 * Writes an opened backup's files: the store snapshot and data_dir's files into `dataDir`, which must
 * be empty or absent; the config files (etc/) into `etcDir` when one is given, where none of them may
 * exist yet. Checks everything before writing anything; data_dir is built beside it and renamed into
 * place, so a restore cut short leaves no half data_dir.
 * @throws Error naming what is in the way; nothing is written then
 */
export function restoreEntries(entries: readonly BundleEntry[], dataDir: string, etcDir?: string): RestoreResult {
  assertEmptyDataDir(dataDir);
  const etc = entries.filter((entry) => entry.name.startsWith('etc/'));
  if (etcDir) {
    const present = etc.map((entry) => join(etcDir, entry.name.slice(4))).filter((file) => existsSync(file));
    if (present.length) throw new Error(`${present.join(', ')} already exist: restore does not overwrite config files; nothing was written`);
  }
  const stage = `${dataDir}.restoring-${process.pid}`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true, mode: 0o700 });
  let dataFiles = 0;
  try {
    for (const entry of entries) {
      const rel = entry.name === `store/${STORE_FILE}` ? STORE_FILE : entry.name.startsWith('data/') ? entry.name.slice(5) : undefined;
      if (rel === undefined) continue;
      const file = join(stage, rel);
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, entry.data, { mode: entry.mode, flag: 'wx' });
      dataFiles++;
    }
    if (existsSync(dataDir)) rmdirSync(dataDir);
    renameSync(stage, dataDir);
  } catch (err) {
    rmSync(stage, { recursive: true, force: true });
    throw err;
  }
  const etcWritten: string[] = [];
  if (etcDir) {
    mkdirSync(etcDir, { recursive: true });
    for (const entry of etc) {
      const file = join(etcDir, entry.name.slice(4));
      writeFileSync(file, entry.data, { mode: entry.mode, flag: 'wx' });
      etcWritten.push(file);
    }
  }
  return { dataFiles, etcWritten, etcLeft: etcDir ? [] : etc.map((entry) => entry.name.slice(4)) };
}
