import { expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { FakeClock } from '../../shared/clock.ts';
import { sampleServer, sampleSession, stateHolding } from '../../tests/helpers/fleet.ts';
import { exactly } from '../http/answer-check.ts';
import { parsePolicy } from '../policy/schema.ts';
import { OverviewAnswer } from './models.ts';
import { fleetOverview, fleetSample } from './overview.ts';

const OFFLINE_AFTER = 90_000;

function rig() {
  const clock = new FakeClock(1_000_000);
  const now = clock.now();
  const state = stateHolding(clock, [
    { server: sampleServer('ws1', { lastSeen: now }), sessions: [sampleSession('a', 'ws1'), sampleSession('b', 'ws1', { type: 'console' })] },
    { server: sampleServer('ws2', { lastSeen: now }), sessions: [] },
    { server: sampleServer('ws3', { lastSeen: now, dcvError: 'dcv does not answer' }), sessions: [sampleSession('c', 'ws3')] },
    { server: sampleServer('ws4', { lastSeen: now - 10 * 60_000 }), sessions: [] },
  ]);
  const policy = parsePolicy({}, { pools: { all: { description: 'Everything', servers: ['*'] }, two: { servers: ['ws2', 'ws4', 'ws9', 'ws2'] } } });
  const overview = () =>
    fleetOverview({
      state,
      policy: () => policy,
      history: () => ({ times: [960], sessions: [3], healthyHosts: [2], hosts: [4] }),
      offlineAfterMs: OFFLINE_AFTER,
      director: () => ({ name: 'director-1:8445', startedAt: 0 }),
    });
  return { clock, state, overview };
}

test('ok: the fleet, each policy pool (a named host never heard from counts offline), the attention list and the history', () => {
  const { overview } = rig();
  const answer = overview();
  expect(Value.Errors(exactly(OverviewAnswer), answer).First()).toBeUndefined();
  expect(answer.fleet).toEqual({ hosts: 4, healthy: 2, unhealthy: 1, offline: 1, draining: 0, inUse: 3, free: 1, capped: 0, gpu: null });
  expect(answer.pools.map(({ id, hosts, healthy, offline, inUse, free }) => ({ id, hosts, healthy, offline, inUse, free }))).toEqual([
    { id: 'all', hosts: 4, healthy: 2, offline: 1, inUse: 3, free: 1 },
    { id: 'two', hosts: 3, healthy: 1, offline: 2, inUse: 0, free: 1 },
  ]);
  expect(answer.pools[0]!.description).toBe('Everything');
  expect(answer.attention.total).toBe(2);
  expect(answer.attention.hosts.map((host) => [host.id, host.severity, host.reasons.map((reason) => reason.code), host.sessions])).toEqual([
    ['ws3', 'critical', ['UNHEALTHY'], 1],
    ['ws4', 'critical', ['OFFLINE'], 0],
  ]);
  expect(answer.director).toEqual({ name: 'director-1:8445', startedAt: new Date(0).toISOString() });
  expect(answer.history).toEqual({ intervalSeconds: 60, times: [960], sessions: [3], healthyHosts: [2], hosts: [4] });
});

test('ok: a minute’s sample counts live sessions, healthy hosts and known hosts', () => {
  const { clock, state } = rig();
  expect(fleetSample(state, OFFLINE_AFTER)).toEqual({ sessions: 3, healthyHosts: 2, hosts: 4 });
  clock.advance(OFFLINE_AFTER + 1); // every host's last update is now too old
  expect(fleetSample(state, OFFLINE_AFTER)).toEqual({ sessions: 3, healthyHosts: 0, hosts: 4 });
});

test("ok: a host's drain mark, its agent's max_virtual_sessions and its GPUs reach the figures (draining, free places, GPU memory, the attention list)", () => {
  const clock = new FakeClock(1_000_000);
  const now = clock.now();
  const state = stateHolding(clock, [
    { server: sampleServer('ws1', { lastSeen: now, drain: { at: now, by: 'admin', reason: 'disk swap' } }), sessions: [sampleSession('a', 'ws1')] },
    {
      server: sampleServer('ws2', { lastSeen: now, maxVirtualSessions: 3, gpus: [{ name: 'NVIDIA A10G', memoryTotalBytes: 24 * 1024 ** 3, memoryUsedBytes: 6 * 1024 ** 3 }] }),
      sessions: [sampleSession('b', 'ws2')],
    },
  ]);
  const policy = parsePolicy({}, { pools: { all: { servers: ['*'] } } });
  const answer = fleetOverview({
    state,
    policy: () => policy,
    history: () => ({ times: [], sessions: [], healthyHosts: [], hosts: [] }),
    offlineAfterMs: OFFLINE_AFTER,
    director: () => ({ name: 'd', startedAt: 0 }),
  });
  expect(answer.fleet).toMatchObject({ hosts: 2, draining: 1, inUse: 2, free: 2, capped: 1, gpu: { count: 1, memoryUsedMiB: 6144, memoryTotalMiB: 24576 } });
  expect(answer.attention.hosts.map((host) => [host.id, host.reasons.map((reason) => reason.code)])).toEqual([['ws1', ['DRAINING_WITH_SESSIONS']]]);
});
