import type { TSchema } from 'elysia';

/**
 * The path of the first field in `value` that its model does not name, where the model is closed
 * (additionalProperties: false), or undefined. Elysia drops such fields before a handler sees the body;
 * the Session Manager routes refuse them instead, so a field a client relies on is never ignored unsaid.
 */
export function unknownField(schema: TSchema, value: unknown, path = ''): string | undefined {
  if (Array.isArray(value) && schema.items) {
    for (const [index, item] of value.entries()) {
      const found = unknownField(schema.items as TSchema, item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !schema.properties) return undefined;
  const properties = schema.properties as Record<string, TSchema>;
  for (const [key, field] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (!(key in properties)) {
      if (schema.additionalProperties === false) return at;
      continue;
    }
    const found = unknownField(properties[key]!, field, at);
    if (found) return found;
  }
  return undefined;
}
