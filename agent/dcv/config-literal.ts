/**
 * `dcv set-config` (DCV 2023.0+) takes its value as a typed literal, not as plain text:
 *   - strings carry inner single quotes:  'debug'   (argv token "'debug'")
 *   - numbers and booleans are bare:      8443, true
 *   - tuples are parenthesised:           (30,80)
 * The agent passes the director's value through as given (after isConfigValue); this helper is for code
 * that builds a value from a JS value, e.g. tests, the demo and future director-side UIs.
 */
import { badRequest } from '../../shared/errors.ts';
import { isConfigValue } from '../../shared/api/agent-wire.ts';

export type ConfigScalar = string | number | boolean;

/**
 * Renders a JS value as a DCV typed literal: `'debug'` for "debug", `(30,80)` for [30, 80].
 * @throws ApiError 400 INVALID_CONFIG for values DCV can not represent or isConfigValue refuses.
 */
export function typedConfigValue(value: ConfigScalar | readonly ConfigScalar[]): string {
  const literal = Array.isArray(value) ? `(${value.map(scalar).join(',')})` : scalar(value as ConfigScalar);
  if (!isConfigValue(literal)) throw badRequest('INVALID_CONFIG', 'config value can not be passed to dcv');
  return literal;
}

function scalar(value: ConfigScalar): string {
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badRequest('INVALID_CONFIG', 'config number must be finite');
    return String(value);
  }
  // DCV's literal syntax has no escape we can rely on, so a quote inside a string is refused.
  if (value.includes("'")) throw badRequest('INVALID_CONFIG', 'config string must not contain a single quote');
  return `'${value}'`;
}

/** True if `v` already looks like a typed literal (quoted string, tuple, number or boolean). */
export function looksTyped(value: string): boolean {
  return /^'[^']*'$/.test(value) || /^\(.*\)$/.test(value) || /^\d+(\.\d+)?$/.test(value) || value === 'true' || value === 'false';
}
