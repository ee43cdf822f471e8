/**
 * Decodes JSON as Go's encoding/json would into a given Go type, so the Go-style stand-ins refuse what
 * the real Go programs refuse: a value of the wrong JSON type is an error ("cannot unmarshal number into
 * Go value of type string"), a time.Time takes only an RFC 3339 string or null, a map[string]string only
 * string values, an empty body is io.EOF. As in Go, unknown keys are ignored, keys match a field's name
 * case-insensitively, and null leaves the zero value.
 */
export type GoType = 'string' | 'int' | 'float' | 'time' | 'map[string]string' | { slice: GoType } | { struct: Record<string, GoType> };

export class GoDecodeError extends Error {
  override name = 'GoDecodeError';
}

/** Go's time.RFC3339 layout as time.Time.UnmarshalJSON applies it (fractional seconds allowed). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/** json.NewDecoder(body).Decode(&v) with v of type `type`; throws GoDecodeError where Go returns an error. */
export function goDecode(text: string, type: GoType): unknown {
  if (text.trim() === '') throw new GoDecodeError('EOF');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GoDecodeError(`invalid character: ${(err as Error).message}`);
  }
  return decodeValue(value, type, 'value');
}

/** The zero value Go leaves for a type (what a missing or null field reads as). */
export function goZero(type: GoType): unknown {
  if (type === 'string') return '';
  if (type === 'int' || type === 'float') return 0;
  if (type === 'time') return null;
  if (type === 'map[string]string') return null;
  if ('slice' in type) return null;
  return Object.fromEntries(Object.entries(type.struct).map(([k, t]) => [k, goZero(t)]));
}

function decodeValue(raw: unknown, type: GoType, at: string): unknown {
  if (raw === null) return goZero(type);
  const fail = (goName: string) => new GoDecodeError(`json: cannot unmarshal ${jsonType(raw)} into Go ${at} of type ${goName}`);
  if (type === 'string') {
    if (typeof raw !== 'string') throw fail('string');
    return raw;
  }
  if (type === 'int') {
    if (typeof raw !== 'number' || !Number.isInteger(raw)) throw fail('int');
    return raw;
  }
  if (type === 'float') {
    if (typeof raw !== 'number') throw fail('float64');
    return raw;
  }
  if (type === 'time') {
    if (typeof raw !== 'string') throw fail('time.Time');
    if (!RFC3339.test(raw) || !Number.isFinite(Date.parse(raw))) throw new GoDecodeError(`parsing time ${JSON.stringify(raw)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    return raw;
  }
  if (type === 'map[string]string') {
    if (jsonType(raw) !== 'object') throw fail('map[string]string');
    for (const [name, entry] of Object.entries(raw as object))
      if (typeof entry !== 'string' && entry !== null) throw new GoDecodeError(`json: cannot unmarshal ${jsonType(entry)} into Go value of type string (key ${name})`);
    return raw;
  }
  if ('slice' in type) {
    if (!Array.isArray(raw)) throw fail('slice');
    return raw.map((x, i) => decodeValue(x, type.slice, `${at}[${i}]`));
  }
  if (jsonType(raw) !== 'object') throw fail('struct');
  const out = goZero(type) as Record<string, unknown>;
  const fields = Object.entries(type.struct);
  for (const [key, entry] of Object.entries(raw as Record<string, unknown>)) {
    // Go prefers an exact tag match, then a case-insensitive one; unknown keys are ignored.
    const match = fields.find(([name]) => name === key) ?? fields.find(([name]) => name.toLowerCase() === key.toLowerCase());
    if (match) out[match[0]] = decodeValue(entry, match[1], `struct field ${match[0]}`);
  }
  return out;
}
