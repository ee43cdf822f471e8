/**
 * DCV Server's settings on Windows, which live in the registry rather than in dcv.conf: one key per
 * dcv.conf section under HKEY_USERS\S-1-5-18\Software\GSettings\com\nicesoftware\dcv (nested sections
 * as subkeys: session-management\automatic-console-session), one value per setting. Read with
 * `reg query KEY /s` (no native module), for the DCV host self-check to compare as it does dcv.conf.
 */
import type { DcvConfigSource } from '../selfcheck/dcv-conf.ts';
import { spawnSystemCommand, type SystemCommandRunner } from './system-command.ts';

/** Where DCV Server for Windows keeps its settings (LocalSystem's hive, as the service runs). */
export const DCV_REGISTRY_KEY = 'HKEY_USERS\\S-1-5-18\\Software\\GSettings\\com\\nicesoftware\\dcv';

/** Settings by section (`security`, `session-management/automatic-console-session`) and key. */
export type RegistrySettings = Record<string, Record<string, string>>;

/**
 * Reads `reg query ROOT /s` output: each key below `root` is a section (its path relative to `root`,
 * `/` between parts), each value a setting. REG_DWORD and REG_QWORD become decimal text (as dcv.conf
 * writes numbers), REG_SZ and REG_EXPAND_SZ their text, REG_MULTI_SZ its parts joined by `\0` as reg
 * shows them; other types are left out.
 */
export function parseRegQuery(output: string, root: string): RegistrySettings {
  const settings: RegistrySettings = {};
  const prefix = `${root.toLowerCase()}\\`;
  let section: string | undefined;
  for (const line of output.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (!line.startsWith(' ')) {
      const key = line.trim();
      section = key.toLowerCase().startsWith(prefix) ? key.slice(prefix.length).replaceAll('\\', '/') : undefined;
      continue;
    }
    const match = /^ {4}(\S+) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (!section || !match) continue;
    const [, name, type, raw = ''] = match;
    const value = type === 'REG_DWORD' || type === 'REG_QWORD' ? String(BigInt(raw)) : ['REG_SZ', 'REG_EXPAND_SZ', 'REG_MULTI_SZ'].includes(type!) ? raw : undefined;
    if (value === undefined) continue;
    settings[section] = { ...settings[section], [name!]: value };
  }
  return settings;
}

/** DCV Server's settings from the registry; a missing key (DCV not installed) is no settings, another failure thrown. */
export async function readDcvRegistry(run: SystemCommandRunner = spawnSystemCommand, root = DCV_REGISTRY_KEY): Promise<RegistrySettings> {
  const result = await run(['reg', 'query', root, '/s']);
  if (result.code === 1 && !/REG_/.test(result.output)) return {};
  if (result.code !== 0) throw new Error(`reg query ${root} failed (exit ${result.code}): ${result.output.slice(0, 300)}`);
  return parseRegQuery(result.output, root);
}

/** The self-check's source on Windows: DCV's settings from the registry, read afresh on each check. */
export function dcvRegistrySource(run: SystemCommandRunner = spawnSystemCommand, root = DCV_REGISTRY_KEY): DcvConfigSource {
  return {
    where: root,
    read: async () => {
      const settings = await readDcvRegistry(run, root);
      // As a missing dcv.conf: nothing to judge (DCV not installed yet), said as a read error.
      if (Object.keys(settings).length === 0) throw new Error(`${root} does not exist: DCV Server is not installed, or has never stored a setting`);
      return { get: (section, key) => settings[section]?.[key] };
    },
  };
}
