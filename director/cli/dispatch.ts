import { ConfigError } from '../../shared/config-schema.ts';
import { DEFAULT_CONFIG_FILE } from '../config/load.ts';
import { UsageError, type Subcommand } from './command.ts';
import { policyExport, policyImport } from './policy-commands.ts';

/** Every subcommand, in the order the usage lists them. A new one (backup, restore, audit verify) is one more entry. */
const SUBCOMMANDS: readonly Subcommand[] = [policyExport, policyImport];

/** The usage lines of the subcommands, for the director's --help. */
export const SUBCOMMAND_USAGE = SUBCOMMANDS.map((command) => `  dcvix-director ${command.words.join(' ')} [--config FILE] ${command.usage}\n      ${command.summary}`).join('\n');

/**
 * Runs the subcommand `argv` names (`policy export ...`), or answers undefined when argv names none and
 * the director itself is to run. --config FILE (or -c, --config=FILE) may stand anywhere after the
 * words; --help prints the subcommand's usage. A usage or config error exits 2, a failure 1.
 */
export async function runSubcommand(argv: string[]): Promise<number | undefined> {
  if (argv.length === 0 || argv[0]!.startsWith('-')) return undefined;
  const command = SUBCOMMANDS.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
  const usage = (chosen: Subcommand) => `usage: dcvix-director ${chosen.words.join(' ')} [--config FILE] ${chosen.usage}`;
  if (!command) {
    console.error(`dcvix-director: unknown command: ${argv.slice(0, 2).join(' ')}\n\nCommands:\n${SUBCOMMAND_USAGE}`);
    return 2;
  }
  const args: string[] = [];
  let configFile = DEFAULT_CONFIG_FILE;
  let explicit = false;
  const rest = argv.slice(command.words.length);
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index]!;
    if (arg === '--help' || arg === '-h') {
      console.log(`${usage(command)}\n\n${command.summary}`);
      return 0;
    }
    if (arg === '--config' || arg === '-c' || arg.startsWith('--config=')) {
      const value = arg.startsWith('--config=') ? arg.slice('--config='.length) : rest[++index];
      if (!value) return (console.error(`dcvix-director: --config needs a file\n${usage(command)}`), 2);
      [configFile, explicit] = [value, true];
      continue;
    }
    args.push(arg);
  }
  try {
    return await command.run({ args, configFile, explicit });
  } catch (err) {
    if (err instanceof UsageError) return (console.error(`dcvix-director: ${err.message}\n${usage(command)}`), 2);
    if (err instanceof ConfigError) return (console.error(`dcvix-director: ${err.message}`), 2);
    console.error(`dcvix-director: ${command.words.join(' ')}: ${(err as Error).message}`);
    return 1;
  }
}
