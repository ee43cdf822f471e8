import { expect, test } from 'bun:test';
import { silentLogger } from '../shared/log.ts';
import type { AgentService } from './agents/service.ts';
import { Housekeeper } from './housekeeper.ts';
import type { RuntimeState } from './servers/runtime-state.ts';

function keeper(isLeader: () => boolean) {
  const purged: number[] = [];
  const agents = { purgeStalePending: async (age: number) => (purged.push(age), 2) } as unknown as AgentService;
  const h = new Housekeeper({ agents, state: {} as RuntimeState, log: silentLogger, intervalMs: 1000, sessionStaleAfterMs: 1000, pendingCleanupIntervalMs: 1000, pendingMaxAgeMs: 5000, isLeader });
  return { h, purged };
}

test('ok: the pending clean-up runs on the leader only', async () => {
  const follower = keeper(() => false);
  expect(await follower.h.sweepPending()).toBe(0);
  expect(follower.purged).toEqual([]);
  const leader = keeper(() => true);
  expect(await leader.h.sweepPending()).toBe(2);
  expect(leader.purged).toEqual([5000]);
});
