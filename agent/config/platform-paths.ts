/**
 * Where the agent's files and programs are by default on the platform it runs on: the Linux paths the
 * packages install, or on Windows %ProgramData%\dcvix for config and data and the DCV Server's standard
 * install location (nvidia-smi.exe is in System32 with current NVIDIA drivers).
 */
import { isAbsolute, posix, resolve, sep, win32 } from 'node:path';

/** The defaults of one platform. */
export interface PlatformPaths {
  configFile: string;
  dataDir: string;
  dcvPath: string;
  nvidiaSmiPath: string;
  /** Where the host self-check reads DCV's settings: its config file, or "registry" on Windows, where DCV keeps them there. */
  dcvConfFile: string;
}

/** The defaults for `platform` (default: this one); `env` supplies %ProgramData% on Windows. */
export function platformPaths(platform: NodeJS.Platform = process.platform, env: Record<string, string | undefined> = process.env): PlatformPaths {
  if (platform === 'win32') {
    const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
    const systemRoot = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows';
    return {
      configFile: win32.join(programData, 'dcvix', 'dcvix-agent.conf'),
      dataDir: win32.join(programData, 'dcvix', 'agent'),
      dcvPath: 'C:\\Program Files\\NICE\\DCV\\Server\\bin\\dcv.exe',
      nvidiaSmiPath: win32.join(systemRoot, 'System32', 'nvidia-smi.exe'),
      dcvConfFile: 'registry',
    };
  }
  return { configFile: posix.join('/etc/dcvix', 'dcvix-agent.conf'), dataDir: '/var/lib/dcvix-agent', dcvPath: '/usr/bin/dcv', nvidiaSmiPath: '/usr/bin/nvidia-smi', dcvConfFile: '/etc/dcv/dcv.conf' };
}

/**
 * A program setting as a path to spawn: absolute or with a directory part, it resolves against `base`
 * (the config file's directory); a bare name (`dcv`) stays for the PATH search. Either separator counts
 * on Windows.
 */
export function programPath(base: string, value: string): string {
  const hasDirectory = value.includes('/') || value.includes(sep);
  return isAbsolute(value) || hasDirectory ? resolve(base, value) : value;
}
