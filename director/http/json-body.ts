import { ApiError, badRequest } from '../../shared/errors.ts';

/**
 * Parses a JSON object body whatever its Content-Type: the specification's curl examples send JSON with
 * curl's default form Content-Type. Routes use `parse: 'text'` and call this.
 */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string' || body.trim() === '') throw badRequest('INVALID_JSON', 'request body must be a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw badRequest('INVALID_JSON', 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('INVALID_JSON', 'request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A required string field within length bounds. */
export function requireString(obj: Record<string, unknown>, key: string, maxLength = 256, code = 'INVALID_BODY'): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) throw badRequest(code, `field "${key}" is required and must be a string`);
  if (v.length > maxLength) throw badRequest(code, `field "${key}" is longer than ${maxLength} characters`);
  return v;
}

/** An optional string field; absent or null gives undefined. */
export function optionalString(obj: Record<string, unknown>, key: string, maxLength = 256): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest('INVALID_BODY', `field "${key}" must be a string`);
  if (v.length > maxLength) throw badRequest('INVALID_BODY', `field "${key}" is longer than ${maxLength} characters`);
  return v;
}

/** The first of several accepted spellings of a field (e.g. userID / userId / username). */
export function firstOf(obj: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (obj[k] !== undefined) return obj[k];
  return undefined;
}

export { ApiError };
