import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../shared/fs-atomic.ts';
import { UsageError, type CommandContext, type Subcommand } from '../../shared/subcommand.ts';
import { packBundle, unpackBundle } from '../backup/bundle.ts';
import { collectBackup } from '../backup/collect.ts';
import { assertEmptyDataDir, restoreEntries } from '../backup/restore.ts';
import { openBackup, sealBackup } from '../backup/sealed-file.ts';
import { readDirectorConfig } from '../config/load.ts';
import { checkEmbeddedStore } from './command-stores.ts';

/** Where the passphrase comes from when --passphrase-file is not given (never from argv). */
export const PASSPHRASE_ENV = 'DCVIX_BACKUP_PASSPHRASE';
const MIN_PASSPHRASE = 12;

/** The options given (`--name VALUE`), only those `known`; anything else is a usage error. */
function options(context: CommandContext, known: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (let index = 0; index < context.args.length; index++) {
    const arg = context.args[index]!;
    const value = context.args[index + 1];
    if (!known.includes(arg)) throw new UsageError(`unexpected argument: ${arg}`);
    if (!value) throw new UsageError(`${arg} needs a value`);
    found[arg] = value;
    index++;
  }
  return found;
}

/** The passphrase from the file named (one trailing newline dropped), else the environment. */
function passphrase(file: string | undefined): string {
  const text = file ? readFileSync(file, 'utf8').replace(/\r?\n$/, '') : process.env[PASSPHRASE_ENV];
  if (!text) throw new UsageError(`give the passphrase in a file (--passphrase-file FILE) or in the environment variable ${PASSPHRASE_ENV}; never on the command line`);
  return text;
}

/** `backup --out FILE`: the director's state, sealed with a passphrase, while it runs. */
export const backup: Subcommand = {
  words: ['backup'],
  usage: '--out FILE [--passphrase-file FILE]',
  summary: `Writes an encrypted backup while the director runs: a consistent snapshot of the embedded store, data_dir (CA key and certificate), the config file (token keys), the policy files and the store key files. Passphrase from --passphrase-file or ${PASSPHRASE_ENV} (at least ${MIN_PASSPHRASE} characters). A PostgreSQL store is backed up with pg_dump.`,
  async run(context) {
    const given = options(context, ['--out', '--passphrase-file']);
    const out = given['--out'];
    if (!out) throw new UsageError('name the backup file: --out FILE');
    if (existsSync(out)) throw new Error(`${out} already exists: name a new file`);
    const secret = passphrase(given['--passphrase-file']);
    if (secret.length < MIN_PASSPHRASE) throw new UsageError(`the passphrase is too short: at least ${MIN_PASSPHRASE} characters`);
    const config = await readDirectorConfig(context.configFile, context.explicit);
    if (!config.store_url) checkEmbeddedStore(config.data_dir);
    const { info, entries } = collectBackup(config);
    const sealed = await sealBackup(packBundle(info, entries), secret);
    writeFileAtomic(out, sealed, 0o600);
    const store = info.store === 'sqlite' ? `the embedded store (schema version ${info.schemaVersion})` : 'no store: PostgreSQL is backed up with pg_dump (see docs/operations.md)';
    console.log(`backup written to ${out}: ${entries.length} files, ${sealed.length} bytes; ${store}`);
    return 0;
  },
};

/** `restore --in FILE`: a backup into an empty data_dir (and the config files into --etc-out DIR). */
export const restore: Subcommand = {
  words: ['restore'],
  usage: '--in FILE [--etc-out DIR] [--passphrase-file FILE]',
  summary: `Restores a backup into the config's data_dir, which must be empty or absent, and, with --etc-out, the config, policy and store key files into DIR (none may exist there). A wrong passphrase, or a truncated or altered file, is refused before anything is written. Passphrase from --passphrase-file or ${PASSPHRASE_ENV}.`,
  async run(context) {
    const given = options(context, ['--in', '--etc-out', '--passphrase-file']);
    const file = given['--in'];
    if (!file) throw new UsageError('name the backup file: --in FILE');
    const secret = passphrase(given['--passphrase-file']);
    const config = await readDirectorConfig(context.configFile, context.explicit);
    assertEmptyDataDir(config.data_dir);
    const opened = await openBackup(readFileSync(file), secret).catch((err: Error) => {
      throw new Error(`${file}: ${err.message}; nothing was written`);
    });
    const { info, entries } = unpackBundle(opened);
    const result = restoreEntries(entries, config.data_dir, given['--etc-out']);
    console.log(`restored ${result.dataFiles} files into ${config.data_dir} from a backup made ${new Date(info.createdAt).toISOString()} by release ${info.version}`);
    if (result.etcWritten.length) console.log(`config files written: ${result.etcWritten.join(', ')}`);
    if (result.etcLeft.length) console.log(`config files left in the backup (give --etc-out DIR to write them): ${result.etcLeft.join(', ')}`);
    if (info.store === 'postgres') console.log('the store is in PostgreSQL: restore it with pg_restore (see docs/operations.md) before starting the director');
    return 0;
  },
};
