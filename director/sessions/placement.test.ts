import { describe, expect, test } from 'bun:test';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { busyPerCore, chooseServer, consoleOnlyRefusal, existingSession, type Candidate } from './placement.ts';
import { sampleServer, sampleSession } from '../../tests/helpers/fleet.ts';

const server = (id: string, load1: number, cores: number, free: number): ServerEntry =>
  sampleServer(id, { lastSeen: 0, healthSince: 0, stats: { hostname: id, free_memory: free, total_memory: 64e9, cores, cpu_usage: 0, load1, load5: 0, load15: 0 } });
const session = (id: string, serverId: string, owner: string, type: 'console' | 'virtual' = 'virtual'): SessionEntry => sampleSession(id, serverId, { owner, type });
const cand = (s: ServerEntry, sessions: SessionEntry[] = []): Candidate => ({ server: s, sessions });

describe('placement', () => {
  test('ok: fewest sessions wins over load', () => {
    const busy = cand(server('a', 0, 8, 1e9), [session('x', 'a', 'u')]);
    const loaded = cand(server('b', 7, 8, 1e9));
    expect(chooseServer([busy, loaded], 'virtual')?.id).toBe('b');
  });
  test('ok: equal sessions -> lowest load per core', () => {
    expect(chooseServer([cand(server('a', 4, 4, 1e9)), cand(server('b', 4, 16, 1e9))], 'virtual')?.id).toBe('b');
  });
  test('ok: equal load -> most free memory, then id', () => {
    expect(chooseServer([cand(server('a', 1, 4, 1e9)), cand(server('b', 1, 4, 9e9))], 'virtual')?.id).toBe('b');
    expect(chooseServer([cand(server('b', 1, 4, 1e9)), cand(server('a', 1, 4, 1e9))], 'virtual')?.id).toBe('a');
  });
  test('ok: console only on hosts without a console session', () => {
    const withConsole = cand(server('a', 0, 8, 9e9), [session('c', 'a', 'other', 'console')]);
    const busier = cand(server('b', 5, 8, 1e9), [session('v1', 'b', 'x'), session('v2', 'b', 'y')]);
    expect(chooseServer([withConsole, busier], 'console')?.id).toBe('b');
    expect(chooseServer([withConsole], 'console')).toBeUndefined();
    expect(chooseServer([withConsole], 'virtual')?.id).toBe('a');
  });
  test('ok: virtual only on hosts below their max_virtual_sessions; console sessions do not count', () => {
    const full = cand({ ...server('a', 0, 8, 9e9), maxVirtualSessions: 2 }, [session('v1', 'a', 'x'), session('v2', 'a', 'y'), session('c', 'a', 'z', 'console')]);
    const roomy = cand({ ...server('b', 0, 8, 9e9), maxVirtualSessions: 2 }, [session('v3', 'b', 'x'), session('c2', 'b', 'z', 'console')]);
    expect(chooseServer([full, roomy], 'virtual')?.id).toBe('b');
    expect(chooseServer([full], 'virtual')).toBeUndefined();
    expect(chooseServer([full, cand(server('c', 9, 1, 0), [session('c3', 'c', 'z', 'console')])], 'console')?.id).toBeUndefined();
    expect(chooseServer([{ ...full, sessions: full.sessions.filter((s) => s.type === 'virtual') }], 'console')?.id).toBe('a');
  });
  test('ok: a server without stats sorts after one with stats', () => {
    const noStats = { ...server('a', 0, 1, 0), stats: null };
    expect(chooseServer([cand(noStats), cand(server('b', 3, 1, 1e9))], 'virtual')?.id).toBe('b');
  });
  test("ok: reconnect finds the user's own session of the same type only", () => {
    const candidates = [cand(server('a', 0, 1, 0), [session('s1', 'a', 'alice', 'console'), session('s2', 'a', 'bob')])];
    expect(existingSession(candidates, 'alice', 'console')?.id).toBe('s1');
    expect(existingSession(candidates, 'alice', 'virtual')).toBeUndefined();
  });
  test('ok: a last-resort host (misconfigured timeouts) is chosen only when no healthy one is left', () => {
    const idle = { ...cand(server('a', 0, 8, 9e9)), lastResort: true };
    const busy = cand(server('b', 7, 8, 1e9), [session('x', 'b', 'u'), session('y', 'b', 'v')]);
    expect(chooseServer([idle, busy], 'virtual')?.id).toBe('b');
    expect(chooseServer([idle], 'virtual')?.id).toBe('a');
  });
  test('ok: when every candidate reports a GPU, the most free GPU memory wins before fewer sessions and load', () => {
    const gpu = (used: number) => [{ name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: used }];
    const roomy = cand({ ...server('a', 7, 8, 1e9), gpus: gpu(2e9) }, [session('x', 'a', 'u'), session('y', 'a', 'v')]);
    const idle = cand({ ...server('b', 0, 8, 9e9), gpus: gpu(20e9) });
    const twoGpus = cand({ ...server('c', 0, 8, 9e9), gpus: [...gpu(20e9), ...gpu(20e9)] });
    expect(chooseServer([idle, roomy], 'virtual')?.id).toBe('a');
    expect(chooseServer([idle, twoGpus], 'virtual')?.id).toBe('c');
    // Healthy hosts still come before last-resort ones.
    expect(chooseServer([{ ...roomy, lastResort: true }, idle], 'virtual')?.id).toBe('b');
  });
  test('ok: a candidate without GPUs turns the GPU rule off: fewest sessions wins as usual', () => {
    const roomy = cand({ ...server('a', 0, 8, 1e9), gpus: [{ name: 'T4', memoryTotalBytes: 16e9, memoryUsedBytes: 0 }] }, [session('x', 'a', 'u')]);
    const plain = cand(server('b', 0, 8, 1e9));
    expect(chooseServer([roomy, plain], 'virtual')?.id).toBe('b');
  });
  test('rejects: no candidates -> undefined', () => {
    expect(chooseServer([], 'virtual')).toBeUndefined();
  });
});

describe('placement in a mixed pool of Linux and Windows hosts', () => {
  /** A Windows host: load averages 0 (Windows has none), CPU use from the agent's CPU time deltas. */
  const windows = (id: string, cpuUsage: number, cores: number): ServerEntry => ({
    ...sampleServer(id, { lastSeen: 0, healthSince: 0, stats: { hostname: id, free_memory: 1e9, total_memory: 64e9, cores, cpu_usage: cpuUsage, load1: 0, load5: 0, load15: 0 } }),
    consoleOnly: true,
    loadAverage: false,
  });

  test('ok: a busy Windows host (load average 0) ranks by its CPU use, behind a less busy Linux host', () => {
    const linux = cand(server('linux', 2, 8, 1e9)); // 0.25 per core
    expect(chooseServer([cand(windows('win-busy', 90, 8)), linux], 'console')?.id).toBe('linux');
    expect(chooseServer([cand(windows('win-idle', 10, 8)), linux], 'console')?.id).toBe('win-idle');
    expect(busyPerCore(windows('w', 250, 8))).toBe(1);
    expect(busyPerCore(server('l', 2, 8, 0))).toBe(0.25);
  });

  test('ok: a virtual session never goes to a console-only (Windows) host, however idle', () => {
    const idleWindows = cand(windows('win', 0, 64));
    const loadedLinux = cand(server('linux', 7, 8, 1e9), [session('x', 'linux', 'u')]);
    expect(chooseServer([idleWindows, loadedLinux], 'virtual')?.id).toBe('linux');
    expect(chooseServer([idleWindows], 'virtual')).toBeUndefined();
    expect(chooseServer([idleWindows, loadedLinux], 'console')?.id).toBe('win');
  });

  test('rejects: a virtual session on a console-only host by name is 409 CONSOLE_ONLY naming it', () => {
    const refusal = consoleOnlyRefusal('win-ws1');
    expect([refusal.status, refusal.code, refusal.message]).toEqual([409, 'CONSOLE_ONLY', 'win-ws1 runs console sessions only (DCV on Windows): ask for a console session']);
  });
});
