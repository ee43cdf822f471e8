import { describe, expect, test } from 'bun:test';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import { chooseServer, existingSession, type Candidate } from './placement.ts';
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
