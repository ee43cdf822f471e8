#!/usr/bin/env bun
import { parseProgramArgs } from '../shared/cli.ts';
import { ConfigError } from '../shared/config-schema.ts';
import { createLogger } from '../shared/log.ts';
import { createDirector } from './app.ts';
import { directorCommands } from './cli/dispatch.ts';
import { DEFAULT_CONFIG_FILE } from './config/load.ts';
import { loadDirectorConfig } from './load-config.ts';

const USAGE = `dcvix-director: session broker and CA for Amazon DCV hosts

Usage: dcvix-director [--config FILE] [--help] [--version]
       dcvix-director COMMAND [--config FILE] ...

  --config FILE   TOML config (default ${DEFAULT_CONFIG_FILE}; missing default file = all defaults)
  --help          this text
  --version       version and git commit

Commands (run against the store the config names, then exit):
${directorCommands.usage}

Signals: SIGHUP stores changed policy files as a new version, else re-reads the stored policy (and a
replaced server certificate); SIGINT/SIGTERM stop.`;

/** argv -> config -> createDirector -> listen -> signals. Returns an exit code, or -1 to keep running. */
async function main(argv: string[]): Promise<number> {
  const subcommand = await directorCommands.run(argv);
  if (subcommand !== undefined) return subcommand;
  const action = parseProgramArgs(argv, 'dcvix-director', DEFAULT_CONFIG_FILE, USAGE);
  if (action.kind === 'exit') return action.code;
  let director: Awaited<ReturnType<typeof createDirector>>;
  try {
    const config = await loadDirectorConfig(action.configFile, action.explicit);
    director = await createDirector(config, { log: createLogger({ program: 'dcvix-director' }, config.log_level) });
  } catch (err) {
    if (err instanceof ConfigError) return (console.error(`dcvix-director: ${err.message}`), 2);
    console.error(`dcvix-director: start-up failed: ${(err as Error).message}`);
    return 1;
  }
  try {
    await director.start();
  } catch (err) {
    const errno = err as NodeJS.ErrnoException;
    console.error(`dcvix-director: cannot listen: ${errno.code === 'EADDRINUSE' ? 'the port is already in use' : errno.message}`);
    await director.stop();
    return 1;
  }
  process.on('SIGHUP', () => director.reload());
  const stop = async () => {
    await director.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1;
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
