/**
 * The host's operating system and CPU, read once at start for placement requirements
 * (`server:Host.Os.Family = 'linux'`): the family from the platform, name and version from
 * /etc/os-release, the kernel release, the machine and the CPU model. What cannot be read is left out.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { HOST_TEXT_MAX, type HostInfo } from '../../shared/api/host-facts.ts';

/** Session Manager's family names (`linux`, `windows`); others as the platform names them. */
const FAMILIES: Record<string, string> = { linux: 'linux', win32: 'windows', darwin: 'macos', freebsd: 'freebsd' };

/** NAME and VERSION_ID of an os-release file (quotes and escapes as the format allows). */
export function parseOsRelease(text: string): { name?: string; version?: string } {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = match[2]!.trim();
    const unquoted = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    values.set(match[1]!, unquoted);
  }
  const name = values.get('NAME');
  const version = values.get('VERSION_ID');
  return { ...(name ? { name } : {}), ...(version ? { version } : {}) };
}

/** Free text as the update model takes it: no control characters, at most HOST_TEXT_MAX, never empty. */
function text(value: string | undefined): string | undefined {
  const cleaned = value
    ?.replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim()
    .slice(0, HOST_TEXT_MAX);
  return cleaned || undefined;
}

/** Reads this host's facts; `readFile` is injectable for tests. */
export function readHostInfo(readFile: (path: string) => string | undefined = readOptional): HostInfo {
  const release = parseOsRelease(readFile('/etc/os-release') ?? readFile('/usr/lib/os-release') ?? '');
  const facts: HostInfo = {
    osFamily: text(FAMILIES[os.platform()] ?? os.platform()),
    osName: text(release.name),
    osVersion: text(release.version),
    kernelVersion: text(os.release()),
    architecture: text(os.machine()),
    cpuModel: text(os.cpus()[0]?.model),
  };
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined)) as HostInfo;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // No os-release (not Linux, a minimal container): name and version are left out.
    return undefined;
  }
}
