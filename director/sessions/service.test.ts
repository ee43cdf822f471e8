import { expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import type { AgentClient } from '../agent-client/client.ts';
import { PolicyHolder } from '../policy/holder.ts';
import { RuntimeState, type ServerEntry } from '../servers/runtime-state.ts';
import { SessionService } from './service.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const stats = { hostname: 'x', free_memory: 1e9, total_memory: 2e9, cores: 4, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };

/** Two pool members; the agent of each is slow, so concurrent console starts really overlap. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'dcvix-svc-'));
  writeFileSync(join(dir, 'users.json'), JSON.stringify({ users: { alice: { pools: ['p'] }, bob: { pools: ['p'] }, carol: { pools: ['p'] } } }));
  writeFileSync(join(dir, 'pools.json'), JSON.stringify({ pools: { p: { servers: ['ws1', 'ws2'] } } }));
  const policy = new PolicyHolder(dir, silentLogger);
  policy.reload();
  const clock = new FakeClock(Date.now());
  const state = new RuntimeState(clock);
  for (const [i, id] of ['ws1', 'ws2'].entries()) state.applyUpdate({ guid: `g${i}`, hostname: id, address: '127.0.0.1', agentPort: 1, stats, tags: [], sessions: [] });
  const created: string[] = [];
  const agents = {
    createSession: async (server: ServerEntry, req: { sessionId: string; userId: string }) => {
      await Bun.sleep(20);
      created.push(`${server.id}:${req.userId}`);
      return { session: { id: req.sessionId, owner: req.userId, type: 'console', numOfConnections: 0 } };
    },
  } as unknown as AgentClient;
  const audit = { record: () => {}, list: async () => [] };
  return { service: new SessionService({ state, policy, agents, audit, log: silentLogger, offlineAfterMs: 60_000 }), created };
}

test('ok: users racing for console sessions in a pool are spread over its hosts; the one too many gets 503', async () => {
  const { service, created } = setup();
  const results = await Promise.allSettled(['alice', 'bob', 'carol'].map((user) => service.createForUser({ user, groups: [] }, { poolId: 'p' }, 'console')));
  const ok = results.filter((r) => r.status === 'fulfilled');
  expect(ok).toHaveLength(2);
  expect(created.map((c) => c.split(':')[0]).sort()).toEqual(['ws1', 'ws2']);
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(failed.reason.code).toBe('NO_SERVER_AVAILABLE');
});
