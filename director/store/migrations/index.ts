import { agents } from './001-agents.ts';

/** Numbered migrations, applied in order; never edit one that has shipped, add the next. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [agents];
