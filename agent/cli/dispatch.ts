import { subcommands } from '../../shared/subcommand.ts';
import { DEFAULT_AGENT_CONFIG_FILE } from '../config/load.ts';
import { doctorCommand } from './doctor.ts';

/** dcvix-agent's subcommands, in the order the usage lists them (doctor, service ... are one entry each). */
export const agentCommands = subcommands('dcvix-agent', DEFAULT_AGENT_CONFIG_FILE, [doctorCommand]);
