import { readFileSync } from 'node:fs';
import { ConfigError } from '../../shared/config-schema.ts';

/**
 * A secret from config: the contents of `file` (trailing newline dropped) when set, else the inline
 * value. Read once at start-up; a missing file fails start-up naming the key.
 */
export function readSecret(inline: string, file: string, key: string): string {
  if (!file) return inline;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${file}: ${(err as Error).message}`);
  }
}
