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

export const str: FieldParser<string> = (value) => {
  if (typeof value !== 'string') throw new Error('must be a string');
  return value;
};

export const bool: FieldParser<boolean> = (value) => {
  if (typeof value !== 'boolean') throw new Error('must be true or false');
  return value;
};

export function int(min: number, max: number): FieldParser<number> {
  return (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

export const port = int(0, 65535);

export function oneOf<const T extends string>(...values: T[]): FieldParser<T> {
  return (value) => {
    if (typeof value !== 'string' || !values.includes(value as T)) throw new Error(`must be one of ${values.join(', ')}`);
    return value as T;
  };
}

export function list<T>(item: FieldParser<T>): FieldParser<T[]> {
  return (value) => {
    if (!Array.isArray(value)) throw new Error('must be a list');
    return value.map((element, index) => {
      try {
        return item(element);
      } catch (err) {
        throw new Error(`item ${index + 1} ${(err as Error).message}`);
      }
    });
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: a number of seconds or a string like "30s", "5m", "12h", "14d"; parsed to milliseconds. */
export function duration(minMs = 0): FieldParser<number> {
  return (value) => {
    let ms: number;
    if (typeof value === 'number' && value >= 0) ms = value * 1000;
    else if (typeof value === 'string' && /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) {
      const [, amount, unit] = /^([\d.]+)(ms|s|m|h|d)$/.exec(value)!;
      ms = Number(amount) * UNITS[unit!]!;
    } else throw new Error('must be a duration like "30s", "5m", "12h" or a number of seconds');
    if (ms < minMs) throw new Error(`must be at least ${minMs / 1000}s`);
    return ms;
  };
}

export type Schema = Record<string, { default: unknown; parse: FieldParser<unknown> } | { section: Schema } | { sectionMap: Schema }>;
type FieldOf<S> = S extends { parse: FieldParser<infer T> }
  ? T
  : S extends { section: infer Sub }
    ? ConfigOf<Sub>
    : S extends { sectionMap: infer Sub }
      ? Readonly<Record<string, ConfigOf<Sub>>>
      : never;
export type ConfigOf<S> = { readonly [K in keyof S]: FieldOf<S[K]> };

export function field<T>(defaultValue: T, parse: FieldParser<T>): { default: T; parse: FieldParser<T> } {
  return { default: defaultValue, parse };
}

export function section<S extends Schema>(sub: S): { section: S } {
  return { section: sub };
}

/**
 * Named tables of one shape, as many as the file has: `[auth.oidc.corp]`, `[auth.oidc.partner]`, each
 * checked like a section ("" to none). Names are what users and URLs see: letters, digits, "-" and "_".
 */
export function sectionMap<S extends Schema>(sub: S): { sectionMap: S } {
  return { sectionMap: sub };
}

const SECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function tableOf(value: unknown, file: string, name: string): Record<string, unknown> {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) throw new ConfigError(`${file}: [${name}] must be a table`);
  return (value ?? {}) as Record<string, unknown>;
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
      out[key] = applySchema(spec.section, tableOf(value, file, `${prefix}${key}`), file, `${prefix}${key}.`);
      continue;
    }
    if ('sectionMap' in spec) {
      const entries = Object.entries(tableOf(value, file, `${prefix}${key}`)).map(([name, sub]) => {
        if (!SECTION_NAME.test(name)) throw new ConfigError(`${file}: [${prefix}${key}.${name}] name must be letters, digits, "-" or "_" (up to 64)`);
        return [name, applySchema(spec.sectionMap, tableOf(sub, file, `${prefix}${key}.${name}`), file, `${prefix}${key}.${name}.`)] as const;
      });
      out[key] = Object.freeze(Object.fromEntries(entries));
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
