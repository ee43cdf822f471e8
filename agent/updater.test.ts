import { expect, test } from 'bun:test';
import type { DcvSession } from '../shared/api/agent-wire.ts';
import { silentLogger } from '../shared/log.ts';
import type { DirectorClient } from './director-client.ts';
import { Updater } from './updater.ts';

const stats = { hostname: 'h', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const session: DcvSession = { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 0 };

test('ok: when dcv fails, stats keep flowing with the last known sessions and the dcv error', async () => {
  let fail = false;
  const sent: unknown[] = [];
  const client = { update: async (body: unknown) => sent.push(body) } as unknown as DirectorClient;
  const u = new Updater({
    client,
    credentials: () => ({ certPem: 'c', keyPem: 'k', caPem: 'a' }),
    listSessions: async () => {
      if (fail) throw new Error('dcv: All licenses in use');
      return [session];
    },
    stats: async () => stats,
    tags: ['gpu'],
    agentPort: () => 8446,
    hostname: 'ws1',
    dcvTimeoutMs: 10_000,
    intervalMs: 1000,
    log: silentLogger,
  });
  expect(await u.sendOnce()).toBe(true);
  fail = true;
  expect(await u.sendOnce()).toBe(true);
  expect(sent[1]).toMatchObject({ sessions: [session], stats: { hostname: 'ws1' }, tags: ['gpu'], agentPort: 8446, dcvError: 'dcv: All licenses in use', dcvTimeoutMs: 10_000 });
});

test('ok: a director outage is reported as failure (the schedule backs off), and success resets it', async () => {
  let down = true;
  const client = { update: async () => { if (down) throw new Error('ECONNREFUSED'); } } as unknown as DirectorClient;
  const u = new Updater({ client, credentials: () => ({ certPem: 'c', keyPem: 'k', caPem: 'a' }), listSessions: async () => [], stats: async () => stats, tags: [], agentPort: () => 1, hostname: '', intervalMs: 10, log: silentLogger });
  expect(await u.sendOnce()).toBe(false);
  down = false;
  expect(await u.sendOnce()).toBe(true);
});
