import { describe, expect, test } from 'bun:test';
import { hostRowOf } from '../../tests/helpers/host-row.ts';
import { attentionReasons, needsAttention } from './attention.ts';

const stats = (extra: Partial<NonNullable<Parameters<typeof hostRowOf>[1]>['stats']> = {}) => ({
  hostname: 'h',
  free_memory: 8e9,
  total_memory: 16e9,
  cores: 8,
  cpu_usage: 20,
  load1: 1,
  load5: 1,
  load15: 1,
  ...extra,
});
const codes = (row: ReturnType<typeof hostRowOf>) => attentionReasons(row).map((reason) => reason.code);

describe('hosts that need attention', () => {
  test('ok: each kind of trouble is named, most severe first', () => {
    expect(codes(hostRowOf('fine', { stats: stats() }))).toEqual([]);
    expect(codes(hostRowOf('gone', { status: 'offline', stale: true, stats: stats({ cpu_usage: 99 }) }))).toEqual(['OFFLINE']);
    const sick = attentionReasons(hostRowOf('sick', { status: 'unhealthy', health: { status: 'unhealthy', reason: 'DCV_TIMEOUT', message: 'dcv hung', since: 0 } }));
    expect(sick).toEqual([{ code: 'UNHEALTHY', message: 'DCV_TIMEOUT: dcv hung' }]);
    expect(codes(hostRowOf('restarted', { stale: true }))).toEqual(['STALE']);
    expect(codes(hostRowOf('full', { sessions: 4, virtualSessions: 4 }, { maxVirtualSessions: 4 }))).toEqual(['AT_CAP']);
    expect(codes(hostRowOf('nearly', { sessions: 4, virtualSessions: 4 }, { maxVirtualSessions: 5 }))).toEqual(['NEAR_CAP']);
    expect(codes(hostRowOf('roomy', { sessions: 3, virtualSessions: 3 }, { maxVirtualSessions: 5 }))).toEqual([]);
    expect(codes(hostRowOf('leaving', { sessions: 2 }, { drained: true }))).toEqual(['DRAINING_WITH_SESSIONS']);
    expect(codes(hostRowOf('left', {}, { drained: true }))).toEqual([]);
    // Several at once: the most severe leads.
    expect(codes(hostRowOf('mess', { status: 'unhealthy', sessions: 3, virtualSessions: 3, stats: stats({ cpu_usage: 95 }) }, { drained: true, maxVirtualSessions: 3 }))).toEqual([
      'UNHEALTHY',
      'AT_CAP',
      'HIGH_LOAD',
      'DRAINING_WITH_SESSIONS',
    ]);
  });

  test('ok: high load names what is high: CPU, load per core, memory, a GPU’s memory', () => {
    const load = (row: ReturnType<typeof hostRowOf>) => attentionReasons(row).find((reason) => reason.code === 'HIGH_LOAD')?.message;
    expect(load(hostRowOf('cpu', { stats: stats({ cpu_usage: 93.4 }) }))).toBe('CPU 93 %');
    expect(load(hostRowOf('load', { stats: stats({ load1: 12.04 }) }))).toBe('load 12.0 on 8 cores');
    expect(load(hostRowOf('memory', { stats: stats({ free_memory: 0.5e9 }) }))).toBe('memory 97 % used');
    const gpus = [
      { memoryUsedMiB: 100, memoryTotalMiB: 24_000 },
      { memoryUsedMiB: 23_500, memoryTotalMiB: 24_000 },
    ];
    expect(load(hostRowOf('gpu', { stats: stats() }, { gpus }))).toBe('GPU 1 memory 98 % used');
    expect(load(hostRowOf('calm', { stats: stats({ cpu_usage: 89, load1: 11.9, free_memory: 0.9e9 }) }, { gpus: gpus.slice(0, 1) }))).toBeUndefined();
  });

  test('ok: sorted by severity, then sessions, then id; capped, with the full count', () => {
    const rows = [
      hostRowOf('b-notice', { sessions: 9 }, { drained: true }),
      hostRowOf('a-warning', { stale: true }),
      hostRowOf('z-critical', { status: 'offline' }),
      hostRowOf('y-critical', { status: 'offline', sessions: 2 }),
      hostRowOf('fine'),
      hostRowOf('x-critical', { status: 'offline', sessions: 2 }),
    ];
    const all = needsAttention(rows);
    expect(all.total).toBe(5);
    expect(all.hosts.map(({ row, severity }) => `${severity} ${row.id}`)).toEqual(['critical x-critical', 'critical y-critical', 'critical z-critical', 'warning a-warning', 'notice b-notice']);
    const capped = needsAttention(rows, 2);
    expect([capped.total, capped.hosts.map(({ row }) => row.id)]).toEqual([5, ['x-critical', 'y-critical']]);
  });

  test('ok: a fleet of 1,000 hosts in trouble lists 20', () => {
    const rows = Array.from({ length: 1_000 }, (_, index) => hostRowOf(`ws${String(index).padStart(4, '0')}`, { status: 'offline' }));
    const found = needsAttention(rows);
    expect([found.total, found.hosts.length, found.hosts[0]!.row.id]).toEqual([1_000, 20, 'ws0000']);
  });
});
