/**
 * The DCV server's own configuration, as the self-check reads it. On Linux it is /etc/dcv/dcv.conf, an
 * INI file: `[section]` headers, `key = value` lines, `#` or `;` comments. Values are DCV's typed
 * literals (a string in double or single quotes, a number, a boolean, a tuple in parentheses), so a
 * generic INI parser would still leave the quotes to us; this reader keeps to what DCV writes.
 *
 * Where the settings come from is a DcvConfigSource, so another platform can bring its own (the Windows
 * DCV server keeps them in the registry) while the checks stay the same.
 */
import { readFile } from 'node:fs/promises';

/** The DCV settings that were read: one value by section and key (keys as DCV names them, e.g. auth-token-verifier). */
export interface DcvSettings {
  get(section: string, key: string): string | undefined;
}

/** Where DCV's settings live on this host, and how to read them. */
export interface DcvConfigSource {
  /** For messages: the file (or registry key) read. */
  readonly where: string;
  /** The settings now; throws when they cannot be read (missing file, no permission). */
  read(): Promise<DcvSettings>;
}

/** Parses dcv.conf text into section -> key -> value, values unquoted. Lines that are neither are ignored, as DCV does. */
export function parseDcvConf(text: string): DcvSettings {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1]!.trim().toLowerCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0 || !current) continue;
    current.set(line.slice(0, equals).trim().toLowerCase(), unquote(line.slice(equals + 1).trim()));
  }
  return { get: (section, key) => sections.get(section.toLowerCase())?.get(key.toLowerCase()) };
}

/** `"text"` or `'text'` -> text; a trailing comment after an unquoted value is dropped. */
function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1\s*(?:[#;].*)?$/.exec(value);
  if (quoted) return quoted[2]!;
  return value.replace(/\s+[#;].*$/, '');
}

/** dcv.conf on disk (Linux DCV servers). */
export function dcvConfFile(path: string): DcvConfigSource {
  return {
    where: path,
    read: async () => parseDcvConf(await readFile(path, 'utf8')),
  };
}
