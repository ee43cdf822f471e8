import { ConfigError } from './config-schema.ts';

/** What a subcommand gets: its own arguments (the words and --config taken off) and the config file. */
export interface CommandContext {
  args: string[];
  configFile: string;
  /** --config was given: a missing file is an error, not "all defaults". */
  explicit: boolean;
}

/** One subcommand of a program: the words that name it, its arguments for the usage, and its work. */
export interface Subcommand {
  words: readonly string[];
  usage: string;
  summary: string;
  /** Returns the exit code; throws UsageError (exit 2 with the usage), ConfigError (2) or anything else (1). */
  run(context: CommandContext): Promise<number>;
}

/** Arguments a subcommand cannot use: exit 2 with its usage. */
export class UsageError extends Error {}

/** A program's subcommands: their usage lines for its --help, and the dispatcher main() calls first. */
export interface Subcommands {
  usage: string;
  /**
   * Runs the subcommand `argv` names (`policy export ...`), or answers undefined when argv names none and
   * the program itself is to run. --config FILE (or -c, --config=FILE) may stand anywhere after the
   * words; --help prints the subcommand's usage. A usage or config error exits 2, a failure 1.
   */
  run(argv: string[]): Promise<number | undefined>;
}

/** The dispatcher of `program`'s subcommands, listed in the order its usage shows them. */
export function subcommands(program: string, defaultConfigFile: string, list: readonly Subcommand[]): Subcommands {
  const usage = list.map((command) => `  ${program} ${command.words.join(' ')} [--config FILE] ${command.usage}\n      ${command.summary}`).join('\n');
  const usageOf = (chosen: Subcommand) => `usage: ${program} ${chosen.words.join(' ')} [--config FILE] ${chosen.usage}`;
  return {
    usage,
    async run(argv) {
      if (argv.length === 0 || argv[0]!.startsWith('-')) return undefined;
      const command = list.find((candidate) => candidate.words.every((word, index) => argv[index] === word));
      if (!command) {
        console.error(`${program}: unknown command: ${argv.slice(0, 2).join(' ')}\n\nCommands:\n${usage || '  (none)'}`);
        return 2;
      }
      const args: string[] = [];
      let configFile = defaultConfigFile;
      let explicit = false;
      const rest = argv.slice(command.words.length);
      for (let index = 0; index < rest.length; index++) {
        const arg = rest[index]!;
        if (arg === '--help' || arg === '-h') {
          console.log(`${usageOf(command)}\n\n${command.summary}`);
          return 0;
        }
        if (arg === '--config' || arg === '-c' || arg.startsWith('--config=')) {
          const value = arg.startsWith('--config=') ? arg.slice('--config='.length) : rest[++index];
          if (!value) return (console.error(`${program}: --config needs a file\n${usageOf(command)}`), 2);
          [configFile, explicit] = [value, true];
          continue;
        }
        args.push(arg);
      }
      try {
        return await command.run({ args, configFile, explicit });
      } catch (err) {
        if (err instanceof UsageError) return (console.error(`${program}: ${err.message}\n${usageOf(command)}`), 2);
        if (err instanceof ConfigError) return (console.error(`${program}: ${err.message}`), 2);
        console.error(`${program}: ${command.words.join(' ')}: ${(err as Error).message}`);
        return 1;
      }
    },
  };
}
