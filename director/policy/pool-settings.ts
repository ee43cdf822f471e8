import type { SessionType } from '../../shared/api/agent-wire.ts';
import { launchSettingProblem, type LaunchSettings } from '../../shared/api/launch-settings.ts';

/**
 * What a pool of pools.json says about the sessions made through it, beyond who may use it:
 *
 *   "max_sessions_per_user": 2          sessions one user may hold through this pool (absent: no limit)
 *   "init": "/opt/dcv/init-eng.sh"      dcv create-session --init (virtual sessions only)
 *   "storage_root": "/srv/dcv-storage"  dcv create-session --storage-root
 *   "gl": "on"                          dcv create-session --gl on|off (virtual sessions only)
 *   "max_concurrent_clients": 4         dcv create-session --max-concurrent-clients
 *
 * The four launch settings go to the agent with each create placed through the pool.
 */
export interface PoolSettings {
  maxSessionsPerUser?: number;
  launch?: LaunchSettings;
}

/** Largest max_sessions_per_user a pool may set. */
const MAX_SESSIONS_PER_USER = 1000;

/** The pools.json keys of the launch settings, and their names on the agent wire. */
const LAUNCH_KEYS = { init: 'init', storage_root: 'storageRoot', gl: 'gl', max_concurrent_clients: 'maxConcurrentClients' } as const;

/** The launch settings DCV takes for console sessions too; init and gl are for virtual sessions only. */
const CONSOLE_LAUNCH: readonly (keyof LaunchSettings)[] = ['storageRoot', 'maxConcurrentClients'];

/**
 * Reads a pool's settings from its pools.json object. `where` names the pool (`pools.json: pools.eng`).
 * @returns an error naming the file and key, or the settings
 */
export function readPoolSettings(pool: Record<string, unknown>, where: string): { error: string } | { settings: PoolSettings } {
  const settings: PoolSettings = {};
  const cap = pool.max_sessions_per_user;
  if (cap !== undefined) {
    if (!Number.isInteger(cap) || (cap as number) < 1 || (cap as number) > MAX_SESSIONS_PER_USER) {
      return { error: `${where}.max_sessions_per_user must be a whole number from 1 to ${MAX_SESSIONS_PER_USER}` };
    }
    settings.maxSessionsPerUser = cap as number;
  }
  const launch: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(LAUNCH_KEYS)) if (pool[key] !== undefined) launch[field] = pool[key];
  const problem = launchSettingProblem(launch);
  if (problem) {
    const key = Object.entries(LAUNCH_KEYS).find(([, field]) => field === problem.field)?.[0];
    return { error: `${where}.${key} ${problem.must}` };
  }
  if (Object.keys(launch).length) settings.launch = launch as LaunchSettings;
  return { settings };
}

/** The launch settings a create of `type` through a pool with `settings` sends to the agent (none: {}). */
export function launchSettingsFor(settings: PoolSettings, type: SessionType): LaunchSettings {
  const launch = settings.launch ?? {};
  if (type === 'virtual') return { ...launch };
  return Object.fromEntries(Object.entries(launch).filter(([field]) => CONSOLE_LAUNCH.includes(field as keyof LaunchSettings)));
}
