import { afterAll, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { startDirector, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** The housekeeper deletes audit events past `audit_retention` (default 400 days). */
let director: DirectorHandle | undefined;

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

test('ok: audit rows older than audit_retention are pruned; newer ones stay', async () => {
  director = await startDirector({ config: { audit_retention: '2d' } });
  await call(`${director.url}/v1/user/login`, { method: 'POST', ca: director.caPem, json: { userID: 'bob', password: 'wrong' } });
  await director.stop();
  const db = new Database(`${director.dataDir}/agents.db`);
  const insert = db.query("INSERT INTO audit_events (at, type, actor, outcome) VALUES (?, 'login', ?, 'failure')");
  insert.run(Date.now() - 3 * 86_400_000, 'old');
  insert.run(Date.now() - 1 * 86_400_000, 'recent');
  db.close();
  director = await startDirector({ dir: director.dir, config: { audit_retention: '2d' } });
  const read = new Database(`${director.dataDir}/agents.db`, { readonly: true });
  const actors = await eventually(
    () => {
      const rows = read
        .query<{ actor: string }, []>("SELECT actor FROM audit_events WHERE type = 'login'")
        .all()
        .map((r) => r.actor);
      return rows.includes('old') ? undefined : rows;
    },
    10_000,
    'old audit row pruned',
  );
  read.close();
  expect(actors).toContain('recent');
  expect(actors).toContain('bob');
});
