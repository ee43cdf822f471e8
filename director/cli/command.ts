/** What a subcommand gets: its own arguments (the words and --config taken off) and the config file. */
export interface CommandContext {
  args: string[];
  configFile: string;
  /** --config was given: a missing file is an error, not "all defaults". */
  explicit: boolean;
}

/** One subcommand of dcvix-director: the words that name it, its arguments for the usage, and its work. */
export interface Subcommand {
  words: readonly string[];
  usage: string;
  summary: string;
  /** Returns the exit code; throws UsageError (exit 2 with the usage), ConfigError (2) or anything else (1). */
  run(context: CommandContext): Promise<number>;
}

/** Arguments a subcommand cannot use: exit 2 with its usage. */
export class UsageError extends Error {}
