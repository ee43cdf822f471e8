import { expect, test } from 'bun:test';
import { AgentUpdate } from '../shared/api/agent-update.ts';
import type { DcvSession } from '../shared/api/agent-wire.ts';
import { matches } from '../shared/api/model-check.ts';
import { createLogger } from '../shared/log.ts';
import { nextDelay } from './updater.ts';
import { testUpdater } from './updater-fixture.ts';

const session: DcvSession = { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 0 };

test('ok: when dcv fails, stats keep flowing with the last known sessions and the dcv error', async () => {
  let fail = false;
  const sent: unknown[] = [];
  const updater = testUpdater((body) => sent.push(body), {
    listSessions: async () => {
      if (fail) throw new Error('dcv: All licenses in use');
      return [session];
    },
    tags: ['gpu'],
    agentPort: () => 8446,
    hostname: 'ws1',
    dcvTimeoutMs: 10_000,
    maxVirtualSessions: 3,
    intervalMs: 1000,
  });
  expect(await updater.sendOnce()).toBe(true);
  fail = true;
  expect(await updater.sendOnce()).toBe(true);
  const wire = { id: 's1', owner: 'alice', type: 'virtual', 'num-of-connections': 0, 'creation-time': null, 'last-disconnection-time': null };
  expect(sent[1]).toMatchObject({ sessions: [wire], stats: { hostname: 'ws1' }, tags: ['gpu'], agentPort: 8446, dcvError: 'dcv: All licenses in use', dcvTimeoutMs: 10_000, maxVirtualSessions: 3 });
  // Every update is well-formed by the model the director reads it with: nothing of it is skipped there.
  expect(sent.map((body) => matches(AgentUpdate, body))).toEqual([true, true]);
});

test('ok: max_virtual_sessions 0 (no limit) is left out of the update', async () => {
  const sent: Record<string, unknown>[] = [];
  await testUpdater((body) => sent.push(body), { maxVirtualSessions: 0 }).sendOnce();
  expect(sent[0]).not.toHaveProperty('maxVirtualSessions');
});

test('ok: GPUs and host facts ride along when there are any; none: no gpus key, as agents without GPUs always sent', async () => {
  const sent: Record<string, unknown>[] = [];
  const reported = [{ name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: 1e9, utilizationPercent: 4 }];
  let gpus = reported;
  const host = { osFamily: 'linux', architecture: 'x86_64' };
  const updater = testUpdater((body) => sent.push(body), { gpus: async () => gpus, host, tags: ['gpu=a10', 'linux'] });
  await updater.sendOnce();
  gpus = [];
  await updater.sendOnce();
  expect(sent[0]).toMatchObject({ gpus: reported, host, tags: ['gpu=a10', 'linux'] });
  expect('gpus' in sent[1]!).toBe(false);
  expect(sent[1]!.host).toEqual(host);
  expect(sent.map((body) => matches(AgentUpdate, body))).toEqual([true, true]);
});

test("ok: the director's count of skipped sessions and tags is logged on this host too", async () => {
  const logged: string[] = [];
  const log = createLogger({}, 'info', (line) => logged.push(JSON.parse(line).msg));
  const answers = [{ ok: true, sessions: 1, skipped: 2 }, { ok: true, sessions: 1, skipped: 0 }, undefined];
  const updater = testUpdater(() => answers.shift(), { log });
  for (let sent = 0; sent < 3; sent++) expect(await updater.sendOnce()).toBe(true);
  expect(logged).toEqual(['director skipped malformed sessions or tags of this update']);
});

test('ok: a director outage is reported as failure (the schedule backs off), and success resets it', async () => {
  let down = true;
  const updater = testUpdater(() => {
    if (down) throw new Error('ECONNREFUSED');
  });
  expect(await updater.sendOnce()).toBe(false);
  down = false;
  expect(await updater.sendOnce()).toBe(true);
});

test('ok: update sessions use the kebab-case wire keys, never camelCase, times RFC 3339 or null', async () => {
  const sent: Record<string, unknown>[] = [];
  const full: DcvSession = { ...session, numOfConnections: 2, creationTime: '2026-01-02T03:04:05.123Z', lastDisconnectionTime: null, status: 'RUNNING' };
  const updater = testUpdater((body) => sent.push(body), { listSessions: async () => [full] });
  await updater.sendOnce();
  const [reported] = sent[0]!.sessions as Record<string, unknown>[];
  expect(reported).toEqual({ id: 's1', owner: 'alice', type: 'virtual', status: 'RUNNING', 'num-of-connections': 2, 'creation-time': '2026-01-02T03:04:05.123Z', 'last-disconnection-time': null });
  expect(Object.keys(reported!).some((k) => /[A-Z]/.test(k))).toBe(false);
});

test('ok: update jitter only ever brings the next update forward (at most 10 %), never past the interval', () => {
  expect(nextDelay(30_000, () => 0)).toBe(30_000);
  expect(nextDelay(30_000, () => 0.999999)).toBeGreaterThan(27_000);
  for (let round = 0; round < 1000; round++) expect(nextDelay(30_000)).toBeLessThanOrEqual(30_000);
});
