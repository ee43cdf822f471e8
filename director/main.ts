#!/usr/bin/env bun
import { ConfigError } from '../shared/config-schema.ts';
import { createLogger } from '../shared/log.ts';
import { createDirector } from './app.ts';
import { DEFAULT_CONFIG_FILE, loadDirectorConfig } from './config/load.ts';
import { VERSION_TEXT } from '../shared/version.ts';

const USAGE = `dcvix-director: session broker and CA for Amazon DCV hosts

Usage: dcvix-director [--config FILE] [--help] [--version]

  --config FILE   TOML config (default ${DEFAULT_CONFIG_FILE}; missing default file = all defaults)
  --help          this text
  --version       version and git commit

Signals: SIGHUP reloads the policy files (and a replaced server certificate); SIGINT/SIGTERM stop.`;

/** argv -> config -> createDirector -> listen -> signals. */
async function main(argv: string[]): Promise<number> {
  let configFile = DEFAULT_CONFIG_FILE;
  let explicit = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return console.log(USAGE), 0;
    if (a === '--version') return console.log(`dcvix-director ${VERSION_TEXT}`), 0;
    if (a === '--config' || a === '-c') {
      const v = argv[++i];
      if (!v) return console.error('--config needs a file'), 2;
      configFile = v;
      explicit = true;
    } else if (a.startsWith('--config=')) {
      configFile = a.slice('--config='.length);
      explicit = true;
    } else return console.error(`unknown argument: ${a}\n\n${USAGE}`), 2;
  }
  let director;
  try {
    const config = await loadDirectorConfig(configFile, explicit);
    director = await createDirector(config, { log: createLogger({ program: 'dcvix-director' }, config.log_level as never) });
  } catch (err) {
    if (err instanceof ConfigError) return console.error(`dcvix-director: ${err.message}`), 2;
    console.error(`dcvix-director: start-up failed: ${(err as Error).message}`);
    return 1;
  }
  await director.start();
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
