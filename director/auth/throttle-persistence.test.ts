import { expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { openDatabase } from '../store/db.ts';
import { createSqliteThrottleStore } from './throttle-store.ts';
import { ThrottlePersistence } from './throttle-persistence.ts';
import { createThrottle } from './throttle.ts';
import { linkedFeeds } from '../../tests/helpers/linked-feeds.ts';

const cfg = { enabled: true, max_failures: 3, window: 60_000 };

/** A director "start": the throttle over failures loaded from the database at `path`. */
async function started(path: string, clock: FakeClock) {
  const persistence = new ThrottlePersistence(createSqliteThrottleStore(openDatabase(path)), silentLogger);
  const loaded = await persistence.load(clock.now() - cfg.window);
  return { persistence, loaded, throttle: createThrottle(cfg, clock, undefined, persistence.failures) };
}

test('rejects: a user locked out before a restart is still locked out after it, until the window passes', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-th-')), 'agents.db');
  const clock = new FakeClock();
  const first = await started(path, clock);
  for (let attempt = 0; attempt < 3; attempt++) first.throttle.failure('Alice', '10.0.0.1');
  expect(() => first.throttle.check('alice', '10.0.0.1')).toThrow(expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS' }));
  await first.persistence.stop();

  clock.advance(10_000);
  const second = await started(path, clock);
  expect(second.loaded).toBe(2); // the user key and the address key, whatever their form
  expect(() => second.throttle.check('alice', '10.0.0.1')).toThrow(expect.objectContaining({ status: 429 }));
  clock.advance(cfg.window);
  expect(() => second.throttle.check('alice', '10.0.0.1')).not.toThrow();
  await second.persistence.stop();
  // The pruned keys were deleted from the store, not only from memory.
  expect((await started(path, clock)).loaded).toBe(0);
});

test("ok: a success that clears a user's failures is written too", async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'dcvix-th-')), 'agents.db');
  const clock = new FakeClock();
  const first = await started(path, clock);
  for (let attempt = 0; attempt < 2; attempt++) first.throttle.failure('bob', '10.0.0.2');
  await first.persistence.flush();
  first.throttle.success('bob', '10.0.0.2');
  await first.persistence.flush();
  const second = await started(path, clock);
  second.throttle.failure('bob', '10.0.0.2');
  // The two earlier failures were cleared: two new ones stay under the limit.
  second.throttle.failure('bob', '10.0.0.2');
  expect(() => second.throttle.check('bob', '10.0.0.2')).not.toThrow();
});

test('ok: two directors on one store: failures through A lock the user out on B; a success on A lets them in on B', async () => {
  const store = createSqliteThrottleStore(openDatabase(':memory:'));
  const clock = new FakeClock();
  const [directorA, directorB] = linkedFeeds(2).map((feed) => {
    const persistence = new ThrottlePersistence(store, silentLogger);
    persistence.follow(feed);
    return { persistence, throttle: createThrottle(cfg, clock, undefined, persistence.failures) };
  }) as [{ persistence: ThrottlePersistence; throttle: ReturnType<typeof createThrottle> }, { persistence: ThrottlePersistence; throttle: ReturnType<typeof createThrottle> }];
  const settle = () => new Promise((r) => setTimeout(r, 10));
  directorA.throttle.failure('alice', '10.0.0.1');
  clock.advance(1);
  directorB.throttle.failure('alice', '10.0.0.1');
  clock.advance(1);
  await Promise.all([directorA.persistence.flush(), directorB.persistence.flush()]);
  await settle();
  // Each side now holds both failures (and writes back what the other had not stored yet).
  await Promise.all([directorA.persistence.flush(), directorB.persistence.flush()]);
  await settle();
  directorA.throttle.failure('alice', '10.0.0.1');
  expect(() => directorA.throttle.check('alice', '10.0.0.1')).toThrow(expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS' }));
  await directorA.persistence.flush();
  await settle();
  expect(() => directorB.throttle.check('alice', '10.0.0.1')).toThrow(expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS' }));
  // The same failure heard back is counted once.
  expect(directorB.persistence.failures.get('u:alice|10.0.0.1')).toHaveLength(3);
  directorA.throttle.success('alice', '10.0.0.1');
  await directorA.persistence.flush();
  await settle();
  expect(directorB.persistence.failures.has('u:alice|10.0.0.1')).toBe(false);
});
