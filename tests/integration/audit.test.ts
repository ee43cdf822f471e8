import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { startDirectorWithAgent, TEST_USERS, type DirectorWithAgent } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * The audit log through real processes: DCV connections audited (tokens issued, .dcv files, verifier
 * and resolver answers, with reasons and client addresses, never the token), rate-limited per key with
 * a summary of what was left out; paging by cursor, the end time, and the CSV export (admins only).
 */
const PER_MINUTE = 3;
let fleet: DirectorWithAgent;
let alice: string;
let sessionId: string;

interface Event {
  id: number;
  at: number;
  type: string;
  outcome: string;
  actor?: string;
  target?: string;
  clientAddress?: string;
  detail?: string;
}

const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${fleet.director.url}${path}`, { ca: fleet.director.caPem, ...init });
const events = async (query: string): Promise<Event[]> => (await api(`/v1/admin/audit?limit=1000&${query}`, { cookie: fleet.admin })).json.events;
const verify = (fields: Record<string, string>) =>
  api('/v1/user/authtokenverify', { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

beforeAll(async () => {
  fleet = await startDirectorWithAgent({
    director: { config: { dcv_port: 8443, audit_connection_events_per_minute: PER_MINUTE } },
    agent: { config: { hostname: 'ws-audit', update_interval: '500ms' } },
  });
  alice = await login(fleet.director.url, fleet.director.caPem, 'alice', TEST_USERS.alice!);
  const started = await api('/v1/user/sessions', { method: 'POST', cookie: alice, json: { poolId: 'workstations', sessionType: 'virtual' } });
  expect(started.status).toBe(200);
  sessionId = started.json.session.id;
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  cleanupTempDirs();
});

describe('DCV connections in the audit log', () => {
  test('ok: tokens issued, .dcv files, verifier and resolver answers are audited with the reason and addresses, never the token', async () => {
    const issued = await api(`/v1/user/connectiontoken?sessionId=${sessionId}`, { cookie: alice });
    const token = issued.json.token as string;
    const file = await api(`/v1/user/sessions/${sessionId}/connection.dcv`, { cookie: alice });
    expect(file.status).toBe(200);
    expect((await verify({ sessionId, authenticationToken: token, clientAddress: '192.0.2.10' })).text).toContain('result="yes"');
    expect((await verify({ sessionId, authenticationToken: 'garbage', clientAddress: '192.0.2.11' })).text).toContain('result="no"');
    expect((await verify({ sessionId: 'someone-else', authenticationToken: token, clientAddress: '192.0.2.12' })).text).toContain('result="no"');
    expect((await api(`/resolveSession?sessionId=${sessionId}&transport=HTTP&clientIpAddress=192.0.2.1`, { method: 'POST' })).status).toBe(200);
    expect((await api('/resolveSession?sessionId=nope&transport=HTTP&clientIpAddress=192.0.2.2', { method: 'POST' })).status).toBe(404);

    const verified = await eventually(async () => {
      const found = await events('type=connection.verify');
      return found.length >= 3 && found;
    });
    expect(verified.slice(0, 3).map((e) => [e.outcome, e.actor, e.target, e.clientAddress])).toEqual([
      ['failure', undefined, 'someone-else', '192.0.2.12'],
      ['failure', undefined, sessionId, '192.0.2.11'],
      ['success', 'alice', sessionId, '192.0.2.10'],
    ]);
    expect(verified[0]!.detail).toMatch(/^no: wrong_session; token id [\w-]{22}; caller 127\.0\.0\.1$/);
    expect(verified[1]!.detail).toMatch(/^no: token_invalid; token sha256 [0-9a-f]{12}; caller 127\.0\.0\.1$/);
    expect(verified[2]!.detail).toMatch(/^yes: valid; token id [\w-]{22}; caller 127\.0\.0\.1$/);

    const [tokenEvent] = await events('type=connection.token');
    expect(tokenEvent).toMatchObject({ outcome: 'success', actor: 'alice', target: sessionId, clientAddress: '127.0.0.1' });
    expect(tokenEvent!.detail).toBe(`${verified[2]!.detail!.split('; ')[1]}; server ws-audit`);
    const [fileEvent] = await events('type=connection.file');
    expect(fileEvent).toMatchObject({ outcome: 'success', actor: 'alice', target: sessionId, clientAddress: '127.0.0.1' });
    const resolved = await events('type=connection.resolve');
    expect(resolved.map((e) => [e.outcome, e.target, e.clientAddress, e.detail])).toEqual([
      ['failure', 'nope', '192.0.2.2', 'refused: SESSION_NOT_FOUND; caller 127.0.0.1'],
      ['success', sessionId, '192.0.2.1', 'found: ws-audit:8443 (HTTP); caller 127.0.0.1'],
    ]);

    const everything = JSON.stringify(await events(''));
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(-40));
  });

  test('ok: pages by cursor cover every event once, newest first, and stay put while events are added; until ends the range', async () => {
    for (let count = 0; count < 5; count++) await login(fleet.director.url, fleet.director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    const all = await events('type=login');
    expect(all.length).toBeGreaterThanOrEqual(6);
    const paged: Event[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await api(`/v1/admin/audit?type=login&limit=2${next ? `&before=${next}` : ''}`, { cookie: fleet.admin });
      expect(page.status).toBe(200);
      paged.push(...page.json.events);
      next = page.json.next;
      // An event recorded between pages lands before the first page, not on the next one.
      if (pages++ === 0) await login(fleet.director.url, fleet.director.caPem, 'admin', TEST_USERS.admin!, 'admin');
    } while (next);
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));

    const middle = all[Math.floor(all.length / 2)]!;
    const until = new Date(middle.at).toISOString();
    const earlier = await events(`type=login&until=${encodeURIComponent(until)}`);
    expect(earlier.length).toBeGreaterThan(0);
    expect(earlier.every((e) => e.at < middle.at)).toBe(true);
    expect(earlier.map((e) => e.id)).toEqual(all.filter((e) => e.at < middle.at).map((e) => e.id));
  });

  test('ok: the CSV export has the same filters: a header row, RFC 4180 cells, formula-safe, an attachment named by date', async () => {
    await verify({ sessionId, authenticationToken: 'nope', clientAddress: '=HYPERLINK("http://x","y")' });
    const csv = await eventually(async () => {
      const answer = await api(`/v1/admin/audit.csv?type=connection.verify&outcome=failure&since=${encodeURIComponent(new Date(Date.now() - 600_000).toISOString())}`, { cookie: fleet.admin });
      return answer.text.includes('HYPERLINK') && answer;
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toStartWith('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="dcvix-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    expect(csv.headers.get('x-audit-next')).toBeNull();
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('id,time,type,outcome,actor,target,client_address,backend,detail');
    expect(lines.at(-1)).toBe('');
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d+,\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,connection\\.verify,failure,,${sessionId},"'=HYPERLINK\\(""http://x"",""y""\\)",,no: token_invalid; token sha256 [0-9a-f]{12}; caller 127\\.0\\.0\\.1$`,
      ),
    );
    const rows = lines.slice(1, -1);
    expect(rows.every((line) => line.includes(',connection.verify,failure,'))).toBe(true);
    expect(rows.length).toBe((await events('type=connection.verify&outcome=failure')).length);
  });

  test('rejects: the CSV export is for admins only, and a bad filter is 400 INVALID_FILTER on both routes', async () => {
    expect((await api('/v1/admin/audit.csv')).status).toBe(401);
    expect((await api('/v1/admin/audit.csv', { cookie: alice })).status).toBe(403);
    const bad = ['until=yesterday', 'since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z', 'before=abc', 'before=0', 'outcome=maybe'];
    for (const query of bad)
      for (const path of ['/v1/admin/audit', '/v1/admin/audit.csv']) {
        const answer = await api(`${path}?${query}`, { cookie: fleet.admin });
        expect([query, answer.status, answer.json?.error?.code]).toEqual([query, 400, 'INVALID_FILTER']);
      }
    expect((await api('/v1/admin/audit?limit=1001', { cookie: fleet.admin })).json.error.code).toBe('INVALID_FILTER');
  });

  test('rejects: a flood of bad tokens keeps N events a minute per key; at stop one summary counts the rest', async () => {
    const flood = { sessionId, authenticationToken: 'flood', clientAddress: '198.51.100.9' };
    for (let count = 0; count < 25; count++) expect((await verify(flood)).text).toContain('result="no"');
    const kept = await eventually(async () => {
      const found = (await events('type=connection.verify&outcome=failure')).filter((e) => e.clientAddress === '198.51.100.9');
      return found.length >= PER_MINUTE && found;
    });
    await Bun.sleep(300);
    expect((await events('type=connection.verify&outcome=failure')).filter((e) => e.clientAddress === '198.51.100.9')).toHaveLength(kept.length);
    expect(kept).toHaveLength(PER_MINUTE);

    await fleet.director.stop();
    const db = new Database(join(fleet.director.dataDir, 'agents.db'), { readonly: true });
    const summaries = db
      .query<{ detail: string; target: string }, []>("SELECT detail, target FROM audit_events WHERE type = 'connection.verify' AND client_address = '198.51.100.9' AND detail LIKE 'suppressed%'")
      .all();
    db.close();
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.target).toBe(sessionId);
    expect(summaries[0]!.detail).toMatch(new RegExp(`^suppressed ${25 - PER_MINUTE} similar events from \\S+ to \\S+: more than ${PER_MINUTE} a minute$`));
  });
});
