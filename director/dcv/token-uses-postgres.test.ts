import { afterAll, beforeAll, expect, test } from 'bun:test';
import { silentLogger } from '../../shared/log.ts';
import { startPostgres, type Postgres } from '../../tests/helpers/postgres.ts';
import { openDatabase } from '../store/db.ts';
import { migratePostgres } from '../store/migrate.ts';
import { connectPostgres } from '../store/postgres.ts';
import { createPostgresTokenUses } from './token-uses-postgres.ts';
import { createSqliteTokenUses, fallbackTokenUses } from './token-uses.ts';

let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
  const sql = await connectPostgres(pg.url, undefined);
  await migratePostgres(sql, silentLogger);
  await sql.close();
});
afterAll(async () => pg?.stop());

test('ok: two directors count the uses of one connection token against one total', async () => {
  const [first, second] = await Promise.all([connectPostgres(pg.url, undefined), connectPostgres(pg.url, undefined)]);
  const [ua, ub] = [createPostgresTokenUses(first), createPostgresTokenUses(second)];
  const exp = Date.now() + 60_000;
  expect(await ua.addUse('jti-1', exp)).toBe(1);
  expect(await ub.addUse('jti-1', exp)).toBe(2);
  expect(await Promise.all([ua.addUse('jti-1', exp), ub.addUse('jti-1', exp)])).toEqual(expect.arrayContaining([3, 4]));
  expect(await ua.addUse('jti-2', 5)).toBe(1);
  expect(await ub.purgeExpired(Date.now())).toBe(1);
  await Promise.all([first.close(), second.close()]);
});

test('ok: with PostgreSQL down, uses are counted on this director (and reported), shared again once it is back', async () => {
  const sql = await connectPostgres(pg.url, undefined);
  const local = createSqliteTokenUses(openDatabase(':memory:'));
  let localUses = 0;
  const uses = fallbackTokenUses(createPostgresTokenUses(sql), local, silentLogger, () => localUses++);
  const exp = Date.now() + 60_000;
  expect(await uses.addUse('jti-3', exp)).toBe(1);
  await pg.pause();
  try {
    expect(await uses.addUse('jti-3', exp)).toBe(1);
    expect(await uses.addUse('jti-3', exp)).toBe(2);
    expect(localUses).toBe(2);
  } finally {
    await pg.resume();
  }
  expect(await uses.addUse('jti-3', exp)).toBe(2);
  expect(localUses).toBe(2);
  await sql.close();
});
