import { describe, expect, test } from 'bun:test';
import type { ScreenshotSize } from '../../shared/api/screenshot.ts';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import { simulatedPng } from '../../tests/fixtures/sim-png.ts';
import { Housekeeper } from '../housekeeper.ts';
import type { AgentService } from '../agents/service.ts';
import type { ServerEntry } from '../servers/runtime-state.ts';
import { openDatabase } from '../store/db.ts';
import { createSqliteThumbnailStore } from './store.ts';
import { SessionThumbnails } from './thumbnails.ts';

const server = { id: 'ws1' } as ServerEntry;
const size: ScreenshotSize = { width: 160, height: 100 };

/** Thumbnails over an in-memory store, a fake clock and an agent that counts the screenshots it takes. */
function thumbnails(cacheMs = 30_000) {
  const clock = new FakeClock();
  const taken: string[] = [];
  let release: () => void = () => {};
  let held: Promise<void> | undefined;
  const service = new SessionThumbnails({
    store: createSqliteThumbnailStore(openDatabase(':memory:')),
    take: async (_server, id, asked) => {
      taken.push(`${id} ${asked.width}x${asked.height}`);
      await held;
      return simulatedPng(asked.width, Math.round((asked.width * 9) / 16));
    },
    clock,
    cacheMs,
  });
  /** Holds the next screenshots until released (two requests arriving while one is taken). */
  const hold = () => {
    held = new Promise((resolve) => (release = resolve));
    return () => {
      held = undefined;
      release();
    };
  };
  return { service, clock, taken, hold };
}

describe('session thumbnails: one screenshot per session per cache time', () => {
  test('ok: two requests within 30 s ask the agent once; after 30 s it is asked again', async () => {
    const { service, clock, taken } = thumbnails();
    const first = await service.image('s1', () => server, size);
    clock.advance(29_999);
    const again = await service.image('s1', () => server, size);
    expect(again).toEqual(first);
    expect(taken).toEqual(['s1 160x100']);
    clock.advance(1);
    const later = await service.image('s1', () => server, size);
    expect(later.takenAt).toBe(first.takenAt + 30_000);
    expect(taken).toEqual(['s1 160x100', 's1 160x100']);
  });

  test('ok: within the cache time another size gets the cached image; other sessions have their own', async () => {
    const { service, taken } = thumbnails();
    await service.image('s1', () => server, size);
    const larger = await service.image('s1', () => server, { width: 640, height: 400 });
    expect([larger.maxWidth, larger.maxHeight]).toEqual([160, 100]);
    await service.image('s2', () => server, size);
    expect(taken).toEqual(['s1 160x100', 's2 160x100']);
  });

  test('ok: requests arriving while a screenshot is taken wait for that one', async () => {
    const { service, taken, hold } = thumbnails();
    const release = hold();
    const waiting = [service.image('s1', () => server, size), service.image('s1', () => server, size), service.image('s1', () => server, size)];
    await Bun.sleep(5);
    release();
    const images = await Promise.all(waiting);
    expect(images.every((image) => image === images[0])).toBe(true);
    expect(taken).toEqual(['s1 160x100']);
  });

  test('ok: a fresh image answers while the host is offline; a stale one does not hide that', async () => {
    const { service, clock } = thumbnails();
    await service.image('s1', () => server, size);
    const offline = () => {
      throw new ApiError(503, 'SERVER_OFFLINE', 'ws1 is offline');
    };
    expect((await service.image('s1', offline, size)).sessionId).toBe('s1');
    clock.advance(30_000);
    await expect(service.image('s1', offline, size)).rejects.toMatchObject({ status: 503, code: 'SERVER_OFFLINE' });
  });

  test('ok: the housekeeper (leader only) purges images past the cache time', async () => {
    const { service, clock } = thumbnails();
    const keeper = (isLeader: boolean) =>
      new Housekeeper({
        agents: {} as AgentService,
        fleet: { sweep: async () => ({ stale: [], settled: 0, abandoned: 0, purged: 0 }) },
        log: silentLogger,
        intervalMs: 1000,
        sessionStaleAfterMs: 1000,
        pendingCleanupIntervalMs: 1000,
        pendingMaxAgeMs: 1000,
        isLeader: () => isLeader,
        thumbnails: service,
      });
    await service.image('s1', () => server, size);
    clock.advance(30_001);
    expect(await keeper(false).sweepThumbnails()).toBe(0);
    // No session row is live in this store: the image goes either way; past the cache time it goes by age.
    expect(await keeper(true).sweepThumbnails()).toBe(1);
  });
});
