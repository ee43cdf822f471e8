import { expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { RuntimeState } from './runtime-state.ts';

const stats = { hostname: 'ws1', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const update = (sessions: { id: string }[]) => ({
  guid: 'g1',
  hostname: 'ws1',
  address: '127.0.0.1',
  agentPort: 8446,
  stats,
  tags: [],
  sessions: sessions.map((s) => ({ id: s.id, owner: 'alice', type: 'virtual' as const, numOfConnections: 0 })),
});

test("ok: updates replace a server's sessions; silent servers go offline", () => {
  const clock = new FakeClock();
  const state = new RuntimeState(clock);
  state.applyUpdate(update([{ id: 'a' }, { id: 'b' }]));
  clock.advance(1000);
  state.applyUpdate(update([{ id: 'b' }]));
  expect([...state.allSessions()].map((s) => s.id)).toEqual(['b']);
  const server = state.server('ws1')!;
  expect(state.isOnline(server, 90_000)).toBe(true);
  clock.advance(91_000);
  expect(state.isOnline(server, 90_000)).toBe(false);
});

test('ok: the housekeeper drops sessions no update confirmed within 40 s', () => {
  const clock = new FakeClock();
  const state = new RuntimeState(clock);
  state.applyUpdate(update([{ id: 'old' }]));
  clock.advance(30_000);
  state.addSession({ id: 'new', owner: 'bob', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  clock.advance(15_000);
  expect(state.dropStaleSessions(40_000)).toEqual(['old']);
  expect(state.session('new')).toBeDefined();
});

test('ok: a pool placement survives the agent update that confirms the session', () => {
  const clock = new FakeClock();
  const state = new RuntimeState(clock);
  state.applyUpdate(update([]));
  state.addSession({ id: 'p1', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1', pool: 'eng' });
  clock.advance(1000);
  state.applyUpdate(update([{ id: 'p1' }]));
  expect(state.session('p1')?.pool).toBe('eng');
});

test('ok: an update built before a create does not drop the new session', () => {
  const clock = new FakeClock();
  const state = new RuntimeState(clock);
  state.applyUpdate(update([]));
  state.addSession({ id: 'fresh', owner: 'alice', type: 'virtual', numOfConnections: 0, serverId: 'ws1' });
  clock.advance(10);
  state.applyUpdate(update([]));
  expect(state.session('fresh')).toBeDefined();
  clock.advance(10);
  state.applyUpdate(update([{ id: 'fresh' }]));
  clock.advance(10);
  state.applyUpdate(update([]));
  expect(state.session('fresh')).toBeUndefined();
});
