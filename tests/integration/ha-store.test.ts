/** Several director processes on one PostgreSQL store (real processes, a private cluster). */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs, tempDir } from '../helpers/temp.ts';

const TOKEN_KEY = 'ab'.repeat(32);
let pg: Postgres;
const directors: DirectorHandle[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await Promise.all(directors.map((d) => d.stop()));
  await pg?.stop();
  cleanupTempDirs();
});

describe('directors on PostgreSQL', () => {
  test('ok: three directors starting at once migrate once, all serve, and share the audit trail', async () => {
    const pwFile = join(tempDir('dcvix-pw-'), 'store-password');
    writeFileSync(pwFile, `${pg.password}\n`, { mode: 0o600 });
    const started = await Promise.all([0, 1, 2].map((i) =>
      startDirector({
        config: { store_url: pg.urlWithoutPassword, token_key: TOKEN_KEY, ...(i === 2 ? {} : { store_password_file: pwFile }) },
        // The third takes the password from the environment instead of a file.
        env: i === 2 ? { DCVIX_STORE_PASSWORD: pg.password } : {},
      }),
    ));
    directors.push(...started);
    const applied = started.map((d) => d.proc.count('store migration applied'));
    expect(applied.reduce((a, b) => a + b, 0)).toBe(1);
    for (const d of started) {
      expect(d.proc.lines.some((l) => l.includes(pg.password))).toBe(false);
      expect(d.proc.lines.some((l) => l.includes('"store ready"') && l.includes(`127.0.0.1:${pg.port}`))).toBe(true);
    }

    const [a, b] = started as [DirectorHandle, DirectorHandle];
    await login(a.url, a.caPem, 'alice', TEST_USERS.alice!);
    const admin = await login(b.url, b.caPem, 'admin', TEST_USERS.admin!, 'admin');
    // Audit writes do not hold up the login answer: wait for the row to land.
    const events = await eventually(async () => {
      const r = await call(`${b.url}/v1/admin/audit?type=login&actor=alice`, { ca: b.caPem, cookie: admin });
      return r.status === 200 && r.json.events.length > 0 && r.json.events;
    }, 5000, 'alice\'s login in the audit seen through another director');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'alice', outcome: 'success' });
  });

  test('rejects: a store_url carrying a password, with a message that does not echo it', async () => {
    const d = await startDirector({ config: { store_url: `postgres://dcvix:leaked-pw@127.0.0.1:${pg.port}/dcvix` } }).catch((e: Error) => e);
    expect(d).toBeInstanceOf(Error);
    expect((d as Error).message).toContain('must not contain a password');
    expect((d as Error).message).not.toContain('leaked-pw');
  });
});
