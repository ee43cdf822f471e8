import { describe, expect, test } from 'bun:test';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../shared/clock.ts';
import { createLogger } from '../../shared/log.ts';
import { eventually } from '../../tests/helpers/https.ts';
import { tempDir } from '../../tests/helpers/temp.ts';
import { storeUnavailable } from '../store/availability.ts';
import { AuditSpool } from './spool-file.ts';
import { createSpoolingAuditLog, type SpoolingAuditLogOptions } from './spooling-log.ts';
import type { AuditRecord, AuditStore, RecordedAuditEvent } from './types.ts';

const connectionRefused = () => Object.assign(new Error('connection refused'), { code: 'ERR_POSTGRES_CONNECTION_REFUSED' });

/** An AuditStore in memory that can be away, slow, cut off after some appends, or refuse single events. */
class FakeStore implements AuditStore {
  rows: RecordedAuditEvent[] = [];
  appends = 0;
  down = false;
  /** Appends that still succeed before the store goes down by itself. */
  okBeforeDown = Number.POSITIVE_INFINITY;
  /** The next append commits, then the connection is lost before the answer. */
  commitThenFail = false;
  delayMs = () => 0;
  refuses = (_event: RecordedAuditEvent) => false;
  failure: () => unknown = connectionRefused;

  async append(events: RecordedAuditEvent[]): Promise<void> {
    this.appends++;
    const delay = this.delayMs();
    if (delay) await Bun.sleep(delay);
    if (this.okBeforeDown-- <= 0) this.down = true;
    if (this.down) throw this.failure();
    if (events.some((event) => this.refuses(event))) throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { errno: '22021' });
    for (const event of events) if (!this.rows.some((row) => row.eventId === event.eventId)) this.rows.push(event);
    if (this.commitThenFail) {
      this.commitThenFail = false;
      throw connectionRefused();
    }
  }

  async list(filter: { limit: number }): Promise<AuditRecord[]> {
    if (this.down) throw storeUnavailable();
    return this.rows
      .map((row, index) => ({ ...row, id: index + 1 }))
      .reverse()
      .slice(0, filter.limit);
  }

  actors(): string[] {
    return this.rows.map((row) => row.actor!);
  }
}

function setup(options: Partial<SpoolingAuditLogOptions> & { dir?: string; store?: FakeStore } = {}) {
  const dir = options.dir ?? tempDir('dcvix-audit-spool-');
  const store = options.store ?? new FakeStore();
  const lines: Record<string, unknown>[] = [];
  const counted = { spooled: 0, replayed: 0, dropped: {} as Record<string, number> };
  const spoolPath = join(dir, 'audit-spool.jsonl');
  const audit = createSpoolingAuditLog({
    store,
    spool: new AuditSpool(spoolPath),
    clock: new FakeClock(),
    log: createLogger({}, 'debug', (line) => lines.push(JSON.parse(line))),
    counters: {
      spooled: (count) => (counted.spooled += count),
      replayed: (count) => (counted.replayed += count),
      dropped: (reason, count) => (counted.dropped[reason] = (counted.dropped[reason] ?? 0) + count),
    },
    batchSize: 3,
    retryMs: 5,
    maxRetryMs: 20,
    ...options,
  });
  const spooled = () => {
    const text = readFileSync(spoolPath, 'utf8');
    return text
      ? text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as RecordedAuditEvent)
      : [];
  };
  return { dir, store, audit, lines, counted, spoolPath, spooled };
}

const login = (actor: string) => ({ type: 'login', actor, outcome: 'success' as const });
const names = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe('spooling audit log', () => {
  test('ok: events reach the store in the order recorded, each with an id and time of its own, however slow single writes are', async () => {
    const store = new FakeStore();
    store.delayMs = () => Math.floor(Math.random() * 8);
    const { audit, counted } = setup({ store });
    const actors = names('u', 40);
    for (const actor of actors) {
      audit.record(login(actor));
      if (Math.random() < 0.3) await Bun.sleep(1);
    }
    await audit.settled();
    expect(store.actors()).toEqual(actors);
    expect(new Set(store.rows.map((row) => row.eventId)).size).toBe(40);
    expect(store.rows[0]).toMatchObject({ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), at: Date.UTC(2026, 0, 1) });
    expect(store.appends).toBeLessThan(40); // batched
    expect(counted).toEqual({ spooled: 0, replayed: 0, dropped: {} });
    expect((await audit.list({ limit: 5 })).map((row) => row.actor)).toEqual(['u39', 'u38', 'u37', 'u36', 'u35']);
  });

  test("ok: while the store is away events go to the spool (written and fsync'd before record() returns), later ones behind them; once back the spool is replayed in order, each event once", async () => {
    const store = new FakeStore();
    let available = true;
    const { audit, counted, spooled, spoolPath, lines } = setup({ store, isAvailable: () => available });
    audit.record(login('before'));
    await audit.settled();
    store.down = true;
    available = false;
    for (const actor of ['a0', 'a1']) audit.record(login(actor));
    await audit.settled();
    expect(spooled().map((event) => event.actor)).toEqual(['a0', 'a1']);
    // From now on each event is in the file as soon as record() returns.
    for (const actor of names('b', 7)) {
      audit.record(login(actor));
      expect(spooled().at(-1)!.actor).toBe(actor);
    }
    expect(statSync(spoolPath).mode & 0o777).toBe(0o600);
    expect(spooled()[0]).toEqual({ eventId: expect.any(String), at: Date.UTC(2026, 0, 1), type: 'login', actor: 'a0', outcome: 'success' });
    await expect(audit.list()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await Bun.sleep(30);
    expect(store.rows).toHaveLength(1); // no replay while the monitor says the store is away

    store.down = false;
    available = true;
    await eventually(() => readFileSync(spoolPath, 'utf8') === '', 5000, 'the spool to be replayed');
    audit.record(login('after'));
    await audit.settled();
    expect(store.actors()).toEqual(['before', 'a0', 'a1', ...names('b', 7), 'after']);
    expect(counted).toEqual({ spooled: 9, replayed: 9, dropped: {} });
    expect(lines.map((line) => line.msg)).toEqual(['audit store unreachable: events go to the spool until it is back', 'audit spool replayed into the store']);
  });

  test('ok: the 503 STORE_UNAVAILABLE of a guarded store counts as unreachable too', async () => {
    const store = new FakeStore();
    store.down = true;
    store.failure = storeUnavailable;
    const { audit, spooled } = setup({ store });
    audit.record(login('x'));
    await audit.settled();
    expect(spooled().map((event) => event.actor)).toEqual(['x']);
    store.down = false;
    await eventually(() => store.rows.length === 1, 5000, 'the replay');
  });

  test('ok: the spool survives a restart: a new log on the same file replays it first, and events recorded meanwhile follow', async () => {
    const store = new FakeStore();
    store.down = true;
    const first = setup({ store });
    for (const actor of names('old', 5)) first.audit.record(login(actor));
    await first.audit.settled();
    expect(first.spooled()).toHaveLength(5);
    // The process ends here (its retry timer with it); the store comes back before the next start.
    await first.audit.close(0);
    store.down = false;
    const second = setup({ store, dir: first.dir });
    second.audit.record(login('new'));
    await eventually(() => store.rows.length === 6, 5000, 'the replay after the restart');
    await second.audit.settled();
    expect(store.actors()).toEqual([...names('old', 5), 'new']);
    expect(second.spooled()).toEqual([]);
    expect(second.counted.replayed).toBe(6);
  });

  test('ok: a replay cut off halfway and tried again stores each event once (also when the cut came after a commit)', async () => {
    const store = new FakeStore();
    store.down = true;
    let available = false;
    const { audit, counted, spooled, lines } = setup({ store, isAvailable: () => available });
    const actors = names('e', 10);
    for (const actor of actors) audit.record(login(actor));
    await audit.settled();
    expect(spooled()).toHaveLength(10);

    store.down = false;
    store.okBeforeDown = 1; // the first batch of 3 is stored, then the store is gone again
    available = true;
    await eventually(() => lines.some((line) => line.msg === 'audit spool replay stopped: store unreachable; trying again'), 5000, 'the replay to stop');
    expect(store.actors()).toEqual(actors.slice(0, 3));
    expect(spooled()).toHaveLength(10);

    store.okBeforeDown = Number.POSITIVE_INFINITY;
    store.commitThenFail = true; // the retry's first batch commits but its answer is lost
    store.down = false;
    await eventually(() => spooled().length === 0, 5000, 'the replay to finish');
    expect(store.actors()).toEqual(actors);
    expect(counted.replayed).toBe(10);
    expect(store.appends).toBeGreaterThan(10 / 3 + 2); // batches were sent again
  });

  test('rejects: an event the store refuses for another reason is logged, counted and dropped; the rest of its batch is stored in order and nothing is spooled', async () => {
    const store = new FakeStore();
    store.refuses = (event) => event.actor === 'bad';
    const { audit, counted, lines, spoolPath } = setup({ store });
    for (const actor of ['a', 'bad', 'b', 'c']) audit.record(login(actor));
    await audit.settled();
    expect(store.actors()).toEqual(['a', 'b', 'c']);
    expect(counted.dropped).toEqual({ store_refused: 1 });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', msg: 'audit event not stored: the store refused it', type: 'login' }));
    expect(() => readFileSync(spoolPath)).toThrow();
  });

  test('ok: close() at stop spools what a hanging store has not taken, and the next start stores it', async () => {
    const store = new FakeStore();
    store.delayMs = () => 200;
    const first = setup({ store });
    for (const actor of names('s', 4)) first.audit.record(login(actor));
    await first.audit.close(20);
    expect(first.spooled().map((event) => event.actor)).toEqual(names('s', 4));
    first.audit.record(login('late'));
    expect(first.spooled()).toHaveLength(5);

    store.delayMs = () => 0;
    await first.audit.settled();
    const second = setup({ store, dir: first.dir });
    await eventually(() => second.spooled().length === 0, 5000, 'the replay after the restart');
    expect(store.actors()).toEqual([...names('s', 4), 'late']);
  });
});
