/**
 * A small typed schema for TOML config files: each field has a default and a parser that throws a
 * message; loadConfig names the file and the key of the first bad value. Config is parsed once and frozen.
 */
export type FieldParser<T> = (value: unknown) => T;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const str: FieldParser<string> = (v) => {
  if (typeof v !== 'string') throw new Error('must be a string');
  return v;
};

export const bool: FieldParser<boolean> = (v) => {
  if (typeof v !== 'boolean') throw new Error('must be true or false');
  return v;
};

export function int(min: number, max: number): FieldParser<number> {
  return (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new Error(`must be an integer from ${min} to ${max}`);
    }
    return v;
  };
}

export const port = int(0, 65535);

export function oneOf<const T extends string>(...values: T[]): FieldParser<T> {
  return (v) => {
    if (typeof v !== 'string' || !values.includes(v as T)) throw new Error(`must be one of ${values.join(', ')}`);
    return v as T;
  };
}

export function list<T>(item: FieldParser<T>): FieldParser<T[]> {
  return (v) => {
    if (!Array.isArray(v)) throw new Error('must be a list');
    return v.map((x, i) => {
      try {
        return item(x);
      } catch (err) {
        throw new Error(`item ${i + 1} ${(err as Error).message}`);
      }
    });
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: a number of seconds or a string like "30s", "5m", "12h", "14d"; parsed to milliseconds. */
export function duration(minMs = 0): FieldParser<number> {
  return (v) => {
    let ms: number;
    if (typeof v === 'number' && v >= 0) ms = v * 1000;
    else if (typeof v === 'string' && /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(v)) {
      const [, n, unit] = /^([\d.]+)(ms|s|m|h|d)$/.exec(v)!;
      ms = Number(n) * UNITS[unit!]!;
    } else throw new Error('must be a duration like "30s", "5m", "12h" or a number of seconds');
    if (ms < minMs) throw new Error(`must be at least ${minMs / 1000}s`);
    return ms;
  };
}

export type Schema = Record<string, { default: unknown; parse: FieldParser<unknown> } | { section: Schema }>;
type FieldOf<S> = S extends { parse: FieldParser<infer T> } ? T : S extends { section: infer Sub } ? ConfigOf<Sub> : never;
export type ConfigOf<S> = { readonly [K in keyof S]: FieldOf<S[K]> };

export function field<T>(defaultValue: T, parse: FieldParser<T>): { default: T; parse: FieldParser<T> } {
  return { default: defaultValue, parse };
}

export function section<S extends Schema>(sub: S): { section: S } {
  return { section: sub };
}

/** Applies defaults and parsers to a parsed TOML object; unknown keys are errors (typos hide otherwise). */
export function applySchema<S extends Schema>(schema: S, raw: Record<string, unknown>, file: string, prefix = ''): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (!(key in schema)) throw new ConfigError(`${file}: unknown key "${prefix}${key}"`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const value = raw[key];
    if ('section' in spec) {
      if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
        throw new ConfigError(`${file}: [${prefix}${key}] must be a table`);
      }
      out[key] = applySchema(spec.section, (value ?? {}) as Record<string, unknown>, file, `${prefix}${key}.`);
      continue;
    }
    try {
      out[key] = value === undefined ? spec.default : spec.parse(value);
    } catch (err) {
      throw new ConfigError(`${file}: key "${prefix}${key}" ${(err as Error).message}`);
    }
  }
  return Object.freeze(out) as ConfigOf<S>;
}

/** Reads and parses a TOML file; a missing file is an empty config when `optionalFile` is set. */
export async function readToml(path: string, optionalFile: boolean): Promise<Record<string, unknown>> {
  const file = Bun.file(path);
  if (!(await file.exists())) {
    if (optionalFile) return {};
    throw new ConfigError(`${path}: file not found`);
  }
  try {
    return Bun.TOML.parse(await file.text()) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${path}: not valid TOML: ${(err as Error).message}`);
  }
}
