/**
 * In-place upgrade from the previous release (commit 4b345db). tests/fixtures/upgrade holds databases
 * that release wrote, a bun:sqlite data dir and a PostgreSQL dump, and manifest.json lists what is in
 * each. The director starts on a copy of each and must keep everything: agents and their states,
 * servers and sessions (one JSON blob per server before, rows now, their attributes read in the old
 * format), the audit trail, TOTP secrets, unexpired revocations and the CA. A second start changes
 * nothing more, and a store written by a newer release is refused without being touched. The fixtures
 * themselves are never changed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generate } from 'otplib';
import type { DirectorHandle } from '../helpers/dcvix.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { startPostgres, type Postgres } from '../helpers/postgres.ts';
import { describeWith } from '../helpers/system-packages.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';
import { manifest, postgresCopy, sqliteCopy, type Row, type StoreCopy } from '../helpers/upgrade-fixtures.ts';
import { SCHEMA } from '../../director/store/schema/index.ts';

const SCHEMA_VERSIONS_DDL = 'CREATE TABLE schema_versions (version INTEGER PRIMARY KEY, name TEXT NOT NULL, how TEXT NOT NULL, applied_at BIGINT NOT NULL)';
const AUDIT_COLUMNS = 'id, at, type, actor, target, client_address, backend, outcome, detail';
const ADOPTED_MSG = 'store schema adopted from the earlier numbering';
const APPLIED_MSG = 'store migration applied';

/**
 * Steps of the one list each old chain already held (adopted) and those that run: every later step of
 * SCHEMA. Step 2 (cluster identity) was never part of the old bun:sqlite chain and has nothing to do
 * there: recorded as applied.
 */
const LATER = SCHEMA.map((step) => step.version).filter((version) => version > 4);
const STEPS = {
  sqlite: { adopted: [1, 3, 4], applied: [2, ...LATER] },
  postgres: { adopted: [1, 2, 3, 4], applied: LATER },
};

/** Time-limited rows and when the housekeeper may delete them; those not due within 10 minutes must survive. */
function aliveConditions(now: number): { table: string; key: string; alive: string }[] {
  const due = now + 10 * 60_000;
  return [
    { table: 'revoked_tokens', key: 'jti', alive: `expires_at > ${due}` },
    { table: 'connection_token_uses', key: 'jti', alive: `expires_at > ${due}` },
    // the login throttle's window (default 15 minutes) counted back from then
    { table: 'login_throttle', key: 'key', alive: `newest > ${due - 15 * 60_000}` },
  ];
}

const json = (value: unknown): any => (typeof value === 'string' ? JSON.parse(value) : value);
const byKey =
  <T>(key: keyof T) =>
  (left: T, right: T) =>
    String(left[key]).localeCompare(String(right[key]));
const iso = (ms: number) => new Date(ms).toISOString();
const countOf = async (copy: StoreCopy, table: string) => Number((await copy.sql(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

/** The director's JSON log records with this message. */
function logged(director: DirectorHandle, msg: string): Record<string, any>[] {
  return director.proc.lines.flatMap((line) => {
    try {
      const record = JSON.parse(line);
      return record.msg === msg ? [record] : [];
    } catch {
      return [];
    }
  });
}

/** What the old database held before the director saw it. */
interface OldFacts {
  counts: Record<string, number>;
  servers: { id: string; guid: string; entry: any; sessions: any[] }[];
  audit: Row[];
  alive: { table: string; key: string; keys: unknown[] }[];
}

async function readOldFacts(copy: StoreCopy): Promise<OldFacts> {
  const counts: Record<string, number> = {};
  for (const table of Object.keys(copy.store.counts)) counts[table] = await countOf(copy, table);
  const servers = (await copy.sql('SELECT id, guid, entry, sessions FROM runtime_servers ORDER BY id')).map((row) => ({
    id: row.id as string,
    guid: row.guid as string,
    entry: json(row.entry),
    sessions: json(row.sessions) as any[],
  }));
  const alive = [];
  for (const { table, key, alive: condition } of aliveConditions(Date.now())) {
    alive.push({ table, key, keys: (await copy.sql(`SELECT ${key} AS k FROM ${table} WHERE ${condition}`)).map((row) => row.k) });
  }
  return { counts, servers, audit: await copy.sql(`SELECT ${AUDIT_COLUMNS} FROM audit_events ORDER BY id`), alive };
}

/** The upgrade checks, run on the copy `open` makes (one describe per store). */
function upgradeSuite(dialect: 'sqlite' | 'postgres', open: () => Promise<StoreCopy>): void {
  const steps = STEPS[dialect];
  let copy: StoreCopy;
  let director: DirectorHandle;
  let admin: string;
  let old: OldFacts;
  const store = manifest.stores[dialect];
  const sessionOf = (owner: string) => store.sessions.find((session) => session.owner === owner)!;
  const oldSession = (id: string) => old.servers.flatMap((server) => server.sessions).find((session) => session.id === id);
  const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
  const poolReconnect = (cookie: string) => api('/v1/user/sessions', { method: 'POST', cookie, json: { poolId: 'workstations', sessionType: 'virtual' } });

  beforeAll(async () => {
    copy = await open();
    // The fixture's sessions had no client connected, which is also what a row without attributes
    // reads as: one old blob is given 2 connections first, so reading the old format shows.
    const carol = sessionOf('carol');
    const blob = json((await copy.sql(`SELECT sessions FROM runtime_servers WHERE id = '${carol.serverId}'`))[0]!.sessions) as { id: string }[];
    await copy.setOldConnections(
      carol.serverId,
      blob.findIndex((session) => session.id === carol.id),
      2,
    );
    old = await readOldFacts(copy);
    director = await copy.start();
    admin = await login(director.url, director.caPem, 'admin', manifest.passwords.admin!, 'admin');
  }, 60_000);

  afterAll(async () => {
    await director?.stop();
    await copy?.close();
  });

  test('ok: the old schema numbering is adopted, the later steps applied, both logged and recorded; runtime_servers became rows', async () => {
    expect(old.counts).toEqual(store.counts);
    expect(logged(director, ADOPTED_MSG).map((record) => record.versions)).toEqual([steps.adopted]);
    expect(logged(director, APPLIED_MSG).map((record) => record.version)).toEqual(steps.applied);
    const recorded = await copy.sql('SELECT version, how FROM schema_versions ORDER BY version');
    expect(recorded.map((row) => [Number(row.version), row.how])).toEqual([1, 2, 3, 4, ...LATER].map((version) => [version, steps.adopted.includes(version) ? 'adopted' : 'applied']));
    await expect(copy.sql('SELECT COUNT(*) FROM runtime_servers')).rejects.toThrow(/runtime_servers/);
    // Step 13: the policy the old release read from its files is the store's first version.
    const policy = await copy.sql('SELECT version, source, created_by, users, pools FROM policy_versions');
    expect(policy.map((row) => [Number(row.version), row.source, row.created_by, json(row.users), json(row.pools)])).toEqual([[1, 'files', 'start-up', manifest.policy.users, manifest.policy.pools]]);
    const servers = await copy.sql('SELECT id, guid, state, revision, attrs_version FROM servers ORDER BY id');
    expect(servers.map((row) => ({ ...row, revision: Number(row.revision), attrs_version: Number(row.attrs_version) }))).toEqual(
      old.servers.map((server) => ({ id: server.id, guid: server.guid, state: 'active', revision: 1, attrs_version: 1 })),
    );
    const sessions = await copy.sql('SELECT id, server_id, owner, type, pool, state, origin, attrs_version FROM sessions ORDER BY id');
    expect(sessions.map((row) => ({ ...row, attrs_version: Number(row.attrs_version) }))).toEqual(
      [...store.sessions].sort(byKey('id')).map((session) => ({
        id: session.id,
        server_id: session.serverId,
        owner: session.owner,
        type: session.type,
        pool: session.pool,
        state: 'running',
        origin: 'director',
        attrs_version: 1,
      })),
    );
  });

  test('ok: the agents keep their states (3 registered, 1 pending, 1 revoked) and certificates', async () => {
    const response = await api('/v1/admin/agents', { cookie: admin });
    expect(response.status).toBe(200);
    const agents = [...response.json.agents].sort(byKey('guid'));
    expect(agents).toEqual(
      [...store.agents]
        .sort(byKey('guid'))
        .map((agent) => expect.objectContaining({ guid: agent.guid, hostname: agent.hostname, state: agent.state, certSerial: agent.cert_serial, certNotAfter: agent.cert_not_after })),
    );
    expect(agents.map((agent: { state: string }) => agent.state).sort()).toEqual(['pending', 'registered', 'registered', 'registered', 'revoked']);
  });

  test('ok: sessions and servers come back from the rows, the old-format attributes (attrs_version 1) read', async () => {
    const sessions = (await api('/v1/sessions', { cookie: admin })).json.sessions;
    expect([...sessions].sort(byKey('id'))).toEqual(
      [...store.sessions].sort(byKey('id')).map((session) => {
        const before = oldSession(session.id);
        return expect.objectContaining({
          id: session.id,
          serverId: session.serverId,
          owner: session.owner,
          type: session.type,
          pool: session.pool,
          status: before.status,
          numOfConnections: before.numOfConnections,
          creationTime: before.creationTime,
          lastDisconnectionTime: before.lastDisconnectionTime,
        });
      }),
    );
    expect(sessions.find((session: { owner: string }) => session.owner === 'carol').numOfConnections).toBe(2);
    // No agent has updated since: every server is stale, its figures those the old release stored.
    const servers = (await api('/v1/servers', { cookie: admin })).json.servers;
    expect([...servers].sort(byKey('id'))).toEqual(
      old.servers.map(({ id, guid, entry, sessions: held }) =>
        expect.objectContaining({
          id,
          guid,
          online: true,
          stale: true,
          // Step 8 adds the drain mark: no upgraded server is in maintenance.
          maintenance: null,
          address: entry.address,
          agentPort: entry.agentPort,
          tags: entry.tags,
          stats: entry.stats,
          version: entry.version,
          dcvError: entry.dcvError,
          dcvTimeoutMs: entry.dcvTimeoutMs,
          lastSeen: iso(entry.lastSeen),
          health: expect.objectContaining({ since: iso(entry.healthSince) }),
          sessions: held.map((session) => expect.objectContaining({ id: session.id })),
        }),
      ),
    );
  });

  test('ok: a pool reconnect gives alice her old session from the stale server (no agent runs: nothing new reserved)', async () => {
    const alice = await login(director.url, director.caPem, 'alice', manifest.passwords.alice!);
    const response = await poolReconnect(alice);
    expect(response.status).toBe(200);
    const mine = sessionOf('alice');
    expect(response.json).toMatchObject({ reconnected: true, session: { id: mine.id, serverId: mine.serverId, pool: 'workstations' } });
    expect(await countOf(copy, 'sessions')).toBe(store.sessions.length);
  });

  test('ok: the audit trail keeps the old events and adds director.start; the CA and unexpired revocations are kept', async () => {
    expect(director.caPem).toBe(copy.oldCaPem);
    const oldIds = old.audit.length;
    expect(await copy.sql(`SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE id <= ${oldIds} ORDER BY id`)).toEqual(old.audit);
    const byType = await eventually(
      async () => {
        const rows = await copy.sql('SELECT type, COUNT(*) AS n FROM audit_events GROUP BY type');
        const counts = Object.fromEntries(rows.map((row) => [row.type, Number(row.n)]));
        return counts['director.start'] === store.audit_events_by_type['director.start']! + 1 && counts;
      },
      10_000,
      'the new director.start audit event',
    );
    for (const [type, count] of Object.entries(store.audit_events_by_type)) expect(byType[type]).toBeGreaterThanOrEqual(count);
    const revoked = store.agents.find((agent) => agent.state === 'revoked')!;
    const revokes = (await api('/v1/admin/audit?type=agent.revoke', { cookie: admin })).json.events;
    expect(revokes).toEqual([expect.objectContaining({ type: 'agent.revoke', target: revoked.guid, outcome: 'success' })]);
    for (const { table, key, keys } of old.alive) {
      const now = (await copy.sql(`SELECT ${key} AS k FROM ${table}`)).map((row) => row.k);
      expect(now).toEqual(expect.arrayContaining(keys));
    }
  });

  test("ok: a second start applies nothing more; alice's TOTP secret from the old release still logs her in", async () => {
    await director.stop();
    const recorded = await copy.sql('SELECT version, name, how, applied_at FROM schema_versions ORDER BY version');
    // The old release enrolled alice while TOTP was on, then ran without a second factor: turn it on again.
    director = await copy.start({ otp: { backend: 'totp' } });
    expect([logged(director, ADOPTED_MSG), logged(director, APPLIED_MSG)]).toEqual([[], []]);
    expect(await copy.sql('SELECT version, name, how, applied_at FROM schema_versions ORDER BY version')).toEqual(recorded);
    expect((await copy.sql('SELECT version FROM policy_versions')).map((row) => Number(row.version))).toEqual([1]);
    expect(logged(director, 'runtime state loaded')).toEqual([expect.objectContaining({ servers: 3, sessions: 3 })]);
    const password = manifest.passwords.alice!;
    const noCode = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password } });
    expect(noCode.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'] });
    expect(noCode.json.error.enrolmentRequired).toBeUndefined();
    const secret = store.totp.find((entry) => entry.username === 'alice')!.secret;
    const alice = await login(director.url, director.caPem, 'alice', password, 'user', { otp: await generate({ secret }) });
    expect((await poolReconnect(alice)).json).toMatchObject({ reconnected: true, session: { id: sessionOf('alice').id } });
  });
}

/**
 * A store whose schema_versions names a version this director does not know was written by a newer
 * release: the director must stop at start, naming the version, before it writes anything.
 */
async function expectNewerSchemaRefused(copy: StoreCopy, fileHash?: () => string): Promise<void> {
  await copy.sql(SCHEMA_VERSIONS_DDL);
  await copy.sql(`INSERT INTO schema_versions (version, name, how, applied_at) VALUES (99, 'from a later release', 'applied', ${Date.now()})`);
  const hashBefore = fileHash?.();
  const outcome = await copy.start().catch((err: Error) => err);
  if (!(outcome instanceof Error)) await outcome.stop();
  expect(outcome).toBeInstanceOf(Error);
  const message = (outcome as Error).message;
  expect(message).toMatch(/exited with [1-9]/);
  expect(message).toContain("start-up failed: the store's schema is at version 99 and needs a director that knows schema version 99 or later");
  expect(fileHash?.()).toBe(hashBefore);
  expect((await copy.sql('SELECT version FROM schema_versions')).map((row) => Number(row.version))).toEqual([99]);
  for (const [table, count] of Object.entries(copy.store.counts)) expect([table, await countOf(copy, table)]).toEqual([table, count]);
  await expect(copy.sql('SELECT COUNT(*) FROM servers')).rejects.toThrow(/servers/);
}

afterAll(() => cleanupTempDirs());

describe('upgrade in place from 4b345db: bun:sqlite data dir', () => {
  upgradeSuite('sqlite', async () => sqliteCopy());

  test('rejects: a data dir whose schema_versions says 99 is refused at start, naming the version; nothing written', async () => {
    const copy = sqliteCopy();
    await expectNewerSchemaRefused(copy, () => createHash('sha256').update(readFileSync(copy.dbFile)).digest('hex'));
  }, 60_000);
});

describeWith(['postgresql'], 'upgrade in place from 4b345db: PostgreSQL dump', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => pg?.stop());

  upgradeSuite('postgres', () => postgresCopy(pg, 'upgrade'));

  test('rejects: a database whose schema_versions says 99 is refused at start, naming the version; nothing written', async () => {
    const copy = await postgresCopy(pg, 'upgrade_future');
    try {
      await expectNewerSchemaRefused(copy);
    } finally {
      await copy.close();
    }
  }, 60_000);
});
