#!/usr/bin/env bun
import { ConfigError } from '../shared/config-schema.ts';
import { createLogger } from '../shared/log.ts';
import { VERSION_TEXT } from '../shared/version.ts';
import { DEFAULT_AGENT_CONFIG_FILE, loadAgentConfig } from './config/load.ts';
import { startAgent } from './daemon.ts';
import { DataDirError } from './identity/identity.ts';

const USAGE = `dcvix-agent: enrols this DCV host with the dcvix director and drives the dcv CLI

Usage: dcvix-agent [--config FILE] [--help] [--version]

  --config FILE   TOML config (default ${DEFAULT_AGENT_CONFIG_FILE}; missing default file = all defaults)`;

async function main(argv: string[]): Promise<number> {
  let file = DEFAULT_AGENT_CONFIG_FILE;
  let explicit = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return console.log(USAGE), 0;
    if (a === '--version') return console.log(`dcvix-agent ${VERSION_TEXT}`), 0;
    if (a === '--config' || a === '-c') {
      const v = argv[++i];
      if (!v) return console.error('--config needs a file'), 2;
      file = v;
      explicit = true;
    } else if (a.startsWith('--config=')) {
      file = a.slice('--config='.length);
      explicit = true;
    } else return console.error(`unknown argument: ${a}\n\n${USAGE}`), 2;
  }
  try {
    const config = await loadAgentConfig(file, explicit);
    const log = createLogger({ program: 'dcvix-agent' }, config.log_level as never);
    const agent = await startAgent(config, { log });
    const stop = async () => {
      await agent.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return -1;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataDirError) return console.error(`dcvix-agent: ${err.message}`), 2;
    console.error(`dcvix-agent: start-up failed: ${(err as Error).message}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
