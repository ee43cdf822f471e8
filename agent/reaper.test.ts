import { describe, expect, test } from 'bun:test';
import type { DcvSession } from '../shared/api/agent-wire.ts';
import { FakeClock } from '../shared/clock.ts';
import { silentLogger } from '../shared/log.ts';
import { Reaper, selectIdleSessions } from './reaper.ts';

const MIN = 60_000;
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const ago = (ms: number) => new Date(NOW - ms).toISOString();

function session(id: string, over: Partial<DcvSession> = {}): DcvSession {
  return { id, owner: 'alice', type: 'virtual', numOfConnections: 0, creationTime: ago(120 * MIN), lastDisconnectionTime: null, ...over };
}

describe('selectIdleSessions', () => {
  test('ok: idle since last disconnection, or since creation when never connected', () => {
    const list = [
      session('old-disc', { lastDisconnectionTime: ago(31 * MIN) }),
      session('fresh-disc', { lastDisconnectionTime: ago(5 * MIN) }),
      session('never-connected'),
      session('young', { creationTime: ago(10 * MIN) }),
    ];
    expect(selectIdleSessions(list, NOW, 30 * MIN, false)).toEqual(['old-disc', 'never-connected']);
  });

  test('ok: exactly at the timeout counts as idle', () => {
    expect(selectIdleSessions([session('edge', { creationTime: ago(30 * MIN) })], NOW, 30 * MIN, false)).toEqual(['edge']);
    expect(selectIdleSessions([session('edge', { creationTime: ago(30 * MIN - 1) })], NOW, 30 * MIN, false)).toEqual([]);
  });

  test('rejects: any session with a connection, however old', () => {
    const list = [session('busy', { numOfConnections: 1, lastDisconnectionTime: ago(999 * MIN) })];
    expect(selectIdleSessions(list, NOW, MIN, true)).toEqual([]);
  });

  test('rejects: console sessions unless includeConsole', () => {
    const list = [session('c', { type: 'console' })];
    expect(selectIdleSessions(list, NOW, MIN, false)).toEqual([]);
    expect(selectIdleSessions(list, NOW, MIN, true)).toEqual(['c']);
  });

  test('rejects: sessions with no usable timestamp, future timestamps, disabled timeout', () => {
    const list = [session('no-times', { creationTime: undefined }), session('garbage', { creationTime: 'yesterday' }), session('future', { creationTime: ago(-60 * MIN) })];
    expect(selectIdleSessions(list, NOW, MIN, true)).toEqual([]);
    expect(selectIdleSessions([session('x')], NOW, 0, true)).toEqual([]);
    expect(selectIdleSessions([session('x')], NOW, -1, true)).toEqual([]);
  });

  test('ok: the later of creation and last disconnection wins', () => {
    // A stale disconnection time older than creation must not make a new session look idle.
    const reusedSession = session('reused', { creationTime: ago(2 * MIN), lastDisconnectionTime: ago(90 * MIN) });
    expect(selectIdleSessions([reusedSession], NOW, 30 * MIN, false)).toEqual([]);
  });
});

class FakeDcv {
  closed: string[] = [];
  failClose = new Set<string>();
  failList = false;
  constructor(public sessions: DcvSession[]) {}
  async listSessions() {
    if (this.failList) throw new Error('dcv missing');
    return this.sessions;
  }
  async closeSession(id: string) {
    if (this.failClose.has(id)) throw new Error('close failed');
    this.closed.push(id);
    this.sessions = this.sessions.filter((s) => s.id !== id);
  }
}

describe('Reaper', () => {
  const make = (dcv: FakeDcv, clock: FakeClock) => new Reaper({ dcv, clock, idleTimeoutMs: 30 * MIN, includeConsole: false, log: silentLogger });

  test('ok: runOnce closes what becomes idle as the fake clock moves', async () => {
    const clock = new FakeClock(NOW);
    const dcv = new FakeDcv([session('a', { creationTime: ago(10 * MIN) }), session('b', { numOfConnections: 2 })]);
    const reaper = make(dcv, clock);
    expect(await reaper.runOnce()).toEqual([]);
    clock.advance(20 * MIN);
    expect(await reaper.runOnce()).toEqual(['a']);
    expect(dcv.closed).toEqual(['a']);
    expect(dcv.sessions.map((s) => s.id)).toEqual(['b']);
  });

  test('ok: a failing close is skipped, the rest still close', async () => {
    const dcv = new FakeDcv([session('x'), session('y'), session('z')]);
    dcv.failClose.add('y');
    expect(await make(dcv, new FakeClock(NOW)).runOnce()).toEqual(['x', 'z']);
  });

  test('ok: a failing list yields nothing and does not throw', async () => {
    const dcv = new FakeDcv([session('x')]);
    dcv.failList = true;
    expect(await make(dcv, new FakeClock(NOW)).runOnce()).toEqual([]);
  });

  test('ok: overlapping runs share one pass', async () => {
    const dcv = new FakeDcv([session('x')]);
    const reaper = make(dcv, new FakeClock(NOW));
    const [firstRun, secondRun] = await Promise.all([reaper.runOnce(), reaper.runOnce()]);
    expect(firstRun).toEqual(['x']);
    expect(secondRun).toEqual(['x']);
    expect(dcv.closed).toEqual(['x']);
  });

  test('ok: start runs on the interval, stop ends it', async () => {
    const dcv = new FakeDcv([session('x')]);
    const reaper = make(dcv, new FakeClock(NOW));
    reaper.start(5);
    reaper.start(5);
    await Bun.sleep(40);
    reaper.stop();
    expect(dcv.closed).toEqual(['x']);
    dcv.sessions.push(session('y'));
    await Bun.sleep(20);
    expect(dcv.closed).toEqual(['x']);
  });
});
