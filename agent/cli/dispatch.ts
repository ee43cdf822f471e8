import { subcommands } from '../../shared/subcommand.ts';
import { DEFAULT_AGENT_CONFIG_FILE } from '../config/load.ts';
import { doctorCommand } from './doctor.ts';
import { serviceCommands } from './service-commands.ts';

/** dcvix-agent's subcommands, in the order the usage lists them. */
export const agentCommands = subcommands('dcvix-agent', DEFAULT_AGENT_CONFIG_FILE, [doctorCommand, ...serviceCommands()]);
