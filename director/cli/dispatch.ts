import { subcommands } from '../../shared/subcommand.ts';
import { DEFAULT_CONFIG_FILE } from '../config/load.ts';
import { auditVerify } from './audit-commands.ts';
import { backup, restore } from './backup-commands.ts';
import { policyExport, policyImport } from './policy-commands.ts';

/** dcvix-director's subcommands, in the order the usage lists them. A new one is one more entry. */
export const directorCommands = subcommands('dcvix-director', DEFAULT_CONFIG_FILE, [policyExport, policyImport, backup, restore, auditVerify]);
