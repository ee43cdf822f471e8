import { silentLogger } from '../shared/log.ts';
import type { DirectorClient } from './director-client.ts';
import { Updater, type UpdaterOptions } from './updater.ts';

/** Stats an updater test reports: small and fixed. */
const testStats = { hostname: 'h', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };

/**
 * An Updater for unit tests: `update` stands in for the director client, no sessions, fixed stats,
 * a 10 ms interval; `overrides` replace any of these.
 */
export function testUpdater(update: (body: Record<string, unknown>) => unknown, overrides: Partial<UpdaterOptions> = {}): Updater {
  return new Updater({
    client: { update: async (body: Record<string, unknown>) => update(body) } as unknown as DirectorClient,
    credentials: () => ({ certPem: 'c', keyPem: 'k', caPem: 'a' }),
    listSessions: async () => [],
    stats: async () => testStats,
    tags: [],
    agentPort: () => 1,
    hostname: '',
    intervalMs: 10,
    log: silentLogger,
    ...overrides,
  });
}
