import { agents } from './001-agents.ts';
import { audit } from './002-audit.ts';
import { totp } from './003-totp.ts';
import { runtimeState } from './004-runtime-state.ts';
import { tokenRevocation } from './005-token-revocation.ts';

/** Numbered migrations, applied in order; never edit one that has shipped, add the next. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [agents, audit, totp, runtimeState, tokenRevocation];
