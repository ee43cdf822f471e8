import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { migrateSqlite } from '../store/migrate.ts';
import { AuditChain, CHAIN_START } from './chain.ts';
import { createSqliteChainStore } from './chain-store.ts';
import { recordedEvent } from './log.ts';
import { createSqliteAuditRetention } from './retention.ts';
import { createSqliteAuditStore } from './sqlite.ts';
import { verifyChains } from './verify-chain.ts';

/** A migrated in-memory store with `count` events of chain d1 an hour apart, one unchained event and two events of chain d2. */
async function storeWithEvents(count: number) {
  const db = new Database(':memory:');
  migrateSqlite(db);
  const store = createSqliteAuditStore(db);
  const [d1, d2] = [new AuditChain('d1', CHAIN_START), new AuditChain('d2', CHAIN_START)];
  for (let index = 0; index < count; index++) {
    const clock = { now: () => (index + 1) * 3_600_000 };
    await store.append([d1.link(recordedEvent({ type: 'login', actor: `user${index}`, outcome: 'success' }, clock))]);
    if (index === 1) await store.append([recordedEvent({ type: 'policy.import', outcome: 'success' }, clock), d2.link(recordedEvent({ type: 'x', outcome: 'failure' }, clock))]);
  }
  await store.append([d2.link(recordedEvent({ type: 'y', outcome: 'success' }, { now: () => 99 * 3_600_000 }))]);
  return { db, chains: createSqliteChainStore(db) };
}

describe('audit hash chain', () => {
  test('ok: untouched events verify, per chain; unchained ones are counted apart', async () => {
    const { chains } = await storeWithEvents(5);
    const verdict = await verifyChains(chains, 2);
    expect(verdict.breaks).toEqual([]);
    expect(verdict.unchained).toBe(1);
    expect(verdict.chains.map((chain) => [chain.chain, chain.events])).toEqual([
      ['d1', 5],
      ['d2', 2],
    ]);
  });

  test('ok: pruning leaves a checkpoint per chain, verification starts there; the head goes on from the newest event', async () => {
    const { db, chains } = await storeWithEvents(5);
    expect(await createSqliteAuditRetention(db).pruneBefore(3 * 3_600_000)).toBe(4);
    const verdict = await verifyChains(chains);
    expect(verdict.breaks).toEqual([]);
    expect(verdict.chains.map((chain) => [chain.chain, chain.events, chain.checkpoint?.lastId])).toEqual([
      ['d1', 3, 2],
      ['d2', 1, 4],
    ]);
    expect(await chains.head('d1')).toBe(db.query<{ hash: string }, []>("SELECT hash FROM audit_events WHERE chain = 'd1' ORDER BY id DESC").get()!.hash);
    db.run('DELETE FROM audit_events');
    expect(await chains.head('d2')).toBe(db.query<{ hash: string }, []>("SELECT hash FROM audit_checkpoints WHERE chain = 'd2'").get()!.hash);
    expect(await chains.head('d3')).toBeUndefined();
  });

  test('rejects: an edited event and a deleted one are named', async () => {
    const { db, chains } = await storeWithEvents(5);
    db.run("UPDATE audit_events SET actor = 'mallory' WHERE chain = 'd1' AND actor = 'user1'");
    db.run("DELETE FROM audit_events WHERE chain = 'd1' AND actor = 'user3'");
    const ids = db.query<{ id: number; actor: string }, []>("SELECT id, actor FROM audit_events WHERE chain = 'd1'").all();
    const idOf = (actor: string) => ids.find((row) => row.actor === actor)!.id;
    const verdict = await verifyChains(chains);
    expect(verdict.breaks.map((found) => found.id)).toEqual([idOf('mallory'), idOf('user4')]);
    expect(verdict.breaks[1]!.reason).toMatch(/does not follow from event \d+: an event between them was deleted, or this one was edited/);
  });

  test('rejects: a deleted checkpoint shows at the first event after it', async () => {
    const { db, chains } = await storeWithEvents(4);
    await createSqliteAuditRetention(db).pruneBefore(2 * 3_600_000);
    db.run("DELETE FROM audit_checkpoints WHERE chain = 'd1'");
    const verdict = await verifyChains(chains);
    expect(verdict.breaks).toEqual([{ id: expect.any(Number), chain: 'd1', reason: expect.stringContaining('does not follow from the start of the chain') }]);
  });
});
