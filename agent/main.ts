#!/usr/bin/env bun
import { parseProgramArgs } from '../shared/cli.ts';
import { ConfigError } from '../shared/config-schema.ts';
import { createLogger } from '../shared/log.ts';
import { agentCommands } from './cli/dispatch.ts';
import { DEFAULT_AGENT_CONFIG_FILE, loadAgentConfig } from './config/load.ts';
import { startAgent } from './daemon.ts';
import { DataDirError } from './identity/identity.ts';
import { stopWhenInputEnds } from './windows/service-stop.ts';

const USAGE = `dcvix-agent: enrols this DCV host with the dcvix director and drives the dcv CLI

Usage: dcvix-agent [--config FILE] [--help] [--version]
       dcvix-agent COMMAND [--config FILE] ...

  --config FILE   TOML config (default ${DEFAULT_AGENT_CONFIG_FILE}; missing default file = all defaults)
  --help          this text
  --version       version and git commit
${agentCommands.usage ? `\nCommands (run, print and exit):\n${agentCommands.usage}\n` : ''}`;

/** argv -> config -> startAgent -> signals. Returns an exit code, or -1 to keep running. */
async function main(argv: string[]): Promise<number> {
  const subcommand = await agentCommands.run(argv);
  if (subcommand !== undefined) return subcommand;
  const action = parseProgramArgs(argv, 'dcvix-agent', DEFAULT_AGENT_CONFIG_FILE, USAGE);
  if (action.kind === 'exit') return action.code;
  // Under the Windows service host, which has no signal to send: it closes our stdin to stop us, and
  // may do so while the agent still waits for approval, so this is listened for from the start.
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  const stop = async () => {
    await agent?.stop();
    process.exit(0);
  };
  if (process.env.DCVIX_SERVICE_HOST === '1') stopWhenInputEnds(process.stdin, stop);
  try {
    const config = await loadAgentConfig(action.configFile, action.explicit);
    agent = await startAgent(config, { log: createLogger({ program: 'dcvix-agent' }, config.log_level) });
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return -1;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataDirError) return (console.error(`dcvix-agent: ${err.message}`), 2);
    console.error(`dcvix-agent: start-up failed: ${(err as Error).message}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
