import { describe, expect, test } from 'bun:test';
import { capacityOf, freePlaces } from './capacity.ts';
import { hostRowOf } from '../../tests/helpers/host-row.ts';

describe('capacity of a pool', () => {
  test('ok: in use counts every session; free counts cap minus virtual sessions where a cap is known, else an idle healthy host as 1', () => {
    const hosts = [
      hostRowOf('idle'),
      hostRowOf('busy', { sessions: 2, virtualSessions: 2 }),
      hostRowOf('capped', { sessions: 3, virtualSessions: 2 }, { maxVirtualSessions: 5 }),
      hostRowOf('full', { sessions: 4, virtualSessions: 4 }, { maxVirtualSessions: 4 }),
      hostRowOf('drained', { sessions: 1, virtualSessions: 1 }, { drained: true, maxVirtualSessions: 8 }),
      hostRowOf('drained-idle', {}, { drained: true }),
      hostRowOf('sick', { status: 'unhealthy', health: { status: 'unhealthy', reason: 'DCV_TIMEOUT', message: 'hung', since: 0 } }, { maxVirtualSessions: 10 }),
      hostRowOf('gone', { status: 'offline', sessions: 1, virtualSessions: 1 }),
      undefined,
    ];
    expect(hosts.map((host) => (host ? freePlaces(host) : null))).toEqual([1, 0, 3, 0, 0, 0, 0, 0, null]);
    expect(capacityOf(hosts)).toEqual({ hosts: 9, healthy: 6, unhealthy: 1, offline: 2, draining: 2, inUse: 11, free: 4, capped: 2, gpu: null });
  });

  test('ok: GPU memory is summed over online hosts that report GPUs; an offline host’s old figures are left out', () => {
    const gpu = (memoryUsedMiB: number, memoryTotalMiB: number) => ({ memoryUsedMiB, memoryTotalMiB });
    const hosts = [
      hostRowOf('two-gpus', {}, { gpus: [gpu(1000, 24_000), gpu(23_000, 24_000)] }),
      hostRowOf('sick-gpu', { status: 'unhealthy' }, { gpus: [gpu(500, 16_000)] }),
      hostRowOf('gone-gpu', { status: 'offline' }, { gpus: [gpu(16_000, 16_000)] }),
      hostRowOf('no-gpu'),
    ];
    expect(capacityOf(hosts).gpu).toEqual({ count: 3, memoryUsedMiB: 24_500, memoryTotalMiB: 64_000 });
    expect(capacityOf([hostRowOf('no-gpu'), hostRowOf('gone-gpu', { status: 'offline' }, { gpus: [gpu(1, 2)] })]).gpu).toBeNull();
  });

  test('ok: an empty pool is all zeros', () => {
    expect(capacityOf([])).toEqual({ hosts: 0, healthy: 0, unhealthy: 0, offline: 0, draining: 0, inUse: 0, free: 0, capped: 0, gpu: null });
  });
});
