import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal documents give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 (hex) of the loaded policy documents; directors with equal policies report equal hashes. */
export function policyHash(documents: { users: unknown; pools: unknown }): string {
  return createHash('sha256').update(canonical(documents)).digest('hex');
}
