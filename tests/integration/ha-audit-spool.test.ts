/**
 * Audit events recorded while PostgreSQL is away wait in the director's spool file and are stored once
 * it is back: every login answered appears once, in order (real processes, a private cluster).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

const USERS = ['alice', 'bob', 'carol'];
const OUTAGE_MS = 20_000;
const directorOptions = (pg: Postgres, dir?: string) => ({
  dir,
  config: { store_url: pg.urlWithoutPassword, token_key: '6a'.repeat(32) },
  env: { DCVIX_STORE_PASSWORD: pg.password, DCVIX_STORE_CA_KEY: '7b'.repeat(32) },
});

let pg: Postgres;
let handle: DirectorHandle;

beforeAll(async () => {
  pg = await startPostgres();
  handle = await startDirector(directorOptions(pg));
});
afterAll(async () => {
  await handle?.stop();
  await pg?.stop();
  cleanupTempDirs();
});

interface Answered {
  user: string;
  sentAt: number;
  answeredAt: number;
  phase: string;
}

/** Users' login events (successes), oldest first, as the admin API lists them. */
async function storedLogins(admin: string): Promise<{ id: number; at: number; actor: string }[]> {
  const response = await call(`${handle.url}/v1/admin/audit?type=login&outcome=success&limit=1000`, { ca: handle.caPem, cookie: admin });
  expect(response.status).toBe(200);
  return response.json.events.filter((event: { actor: string }) => USERS.includes(event.actor)).reverse();
}

const metric = (text: string, name: string) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? Number.NaN);

describe('audit while PostgreSQL is away', () => {
  test('ok: logins go on during a 20 s outage, and every login answered appears exactly once in the audit log, in the order answered, at the time it happened', async () => {
    const spoolFile = join(handle.dataDir, 'audit-spool.jsonl');
    const answered: Answered[] = [];
    const refused: { user: string; status: number; code: string; phase: string }[] = [];
    let phase = 'up';
    let running = true;
    const users = (async () => {
      for (let turn = 0; running; turn++) {
        const user = USERS[turn % USERS.length]!;
        const sentAt = Date.now();
        const response = await call(`${handle.url}/v1/user/login`, { method: 'POST', ca: handle.caPem, json: { userID: user, password: TEST_USERS[user] } });
        if (response.status === 200) answered.push({ user, sentAt, answeredAt: Date.now(), phase });
        else refused.push({ user, status: response.status, code: response.json?.error?.code, phase });
        await Bun.sleep(Math.max(0, 200 - (Date.now() - sentAt)));
      }
    })();
    const admin = await login(handle.url, handle.caPem, 'admin', TEST_USERS.admin!, 'admin');
    await Bun.sleep(3000);

    await pg.pause();
    const downAt = Date.now();
    phase = 'down';
    await handle.proc.waitForMsg('audit store unreachable: events go to the spool until it is back', 10_000);
    const listing = await call(`${handle.url}/v1/admin/audit?type=login`, { ca: handle.caPem, cookie: admin });
    expect([listing.status, listing.json.error.code]).toEqual([503, 'STORE_UNAVAILABLE']);
    await Bun.sleep(OUTAGE_MS - (Date.now() - downAt));
    expect(statSync(spoolFile).mode & 0o777).toBe(0o600);
    const spooledLines = readFileSync(spoolFile, 'utf8').trimEnd().split('\n');
    expect(spooledLines.length).toBeGreaterThanOrEqual(answered.filter((a) => a.phase === 'down').length);
    // The spool holds what the audit log holds, nothing more (no passwords).
    expect(
      spooledLines.every((line) =>
        Object.keys(JSON.parse(line)).every((key) => ['eventId', 'at', 'type', 'actor', 'target', 'clientAddress', 'backend', 'outcome', 'detail', 'chain', 'hash'].includes(key)),
      ),
    ).toBe(true);
    expect(readFileSync(spoolFile, 'utf8')).not.toContain(TEST_USERS.alice!);

    phase = 'back';
    await pg.resume();
    await handle.proc.waitForMsg('store reachable again', 15_000);
    const replayed = await handle.proc.waitForMsg('audit spool replayed into the store', 30_000);
    await Bun.sleep(3000);
    running = false;
    await users;
    await Bun.sleep(500); // the last login's insert

    // Logins went on while the store was away: nothing refused them.
    expect(refused).toEqual([]);
    expect(answered.filter((a) => a.phase === 'down').length).toBeGreaterThanOrEqual(OUTAGE_MS / 400);
    expect(existsSync(spoolFile) ? readFileSync(spoolFile, 'utf8') : '').toBe('');

    const stored = await storedLogins(admin);
    expect(stored.map((event) => event.actor)).toEqual(answered.map((a) => a.user));
    stored.forEach((event, index) => {
      const answer = answered[index]!;
      expect(event.at).toBeGreaterThanOrEqual(answer.sentAt);
      expect(event.at).toBeLessThanOrEqual(answer.answeredAt);
    });
    const metrics = (await call(`${handle.url}/metrics`, { ca: handle.caPem })).text;
    expect(metric(metrics, 'dcvix_audit_events_spooled_total')).toBe(replayed.spooledSinceLastReplay);
    expect(metric(metrics, 'dcvix_audit_events_replayed_total')).toBe(replayed.spooledSinceLastReplay);
    expect(replayed.spooledSinceLastReplay).toBeGreaterThanOrEqual(answered.filter((a) => a.phase === 'down').length);
  }, 90_000);

  test('ok: a director killed (kill -9) while PostgreSQL is away replays its spool when it starts again; each event once, in order', async () => {
    const admin = await login(handle.url, handle.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const before = await storedLogins(admin);
    const mark = handle.proc.lines.length;
    await pg.pause();
    const answered: string[] = [];
    for (const user of ['bob', 'carol', 'alice', 'bob', 'alice']) {
      await login(handle.url, handle.caPem, user, TEST_USERS[user]!);
      answered.push(user);
    }
    await handle.proc.waitForMsg('audit store unreachable: events go to the spool until it is back', 10_000, mark);
    await handle.proc.stop('SIGKILL');

    await pg.resume();
    handle = await startDirector(directorOptions(pg, handle.dir));
    await handle.proc.waitForMsg('audit spool replayed into the store', 20_000);
    const adminAgain = await login(handle.url, handle.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const after = await storedLogins(adminAgain);
    expect(after.map((event) => event.actor)).toEqual([...before.map((event) => event.actor), ...answered]);
    expect(new Set(after.map((event) => event.id)).size).toBe(after.length);
    // The hash chain went on from the spool's last event across the kill: nothing lost, nothing out of order.
    const verified = await handle.command('audit', 'verify');
    expect([verified.code, verified.stdout]).toEqual([0, expect.stringContaining('audit chains intact')]);
  }, 60_000);
});
