import type { SQL, TransactionSQL } from 'bun';
import type { AgentState } from '../agents/store.ts';
import { ADVISORY_LOCKS } from '../store/postgres.ts';
import { FleetPlan, SessionIdTaken, type FleetReads, type FleetWrites } from './fleet-plan.ts';
import type { FleetStore, FleetTransaction } from './fleet-store.ts';
import {
  SERVER_COLUMNS,
  SESSION_COLUMNS,
  seenColumns,
  serverColumns,
  serverFromRow,
  sessionColumns,
  sessionFromRow,
  type ServerRow,
  type ServerSnapshot,
  type SessionEntry,
  type SessionRow,
} from './records.ts';

type Tx = TransactionSQL;

/** Column types for rows that travel as one JSON array (jsonb_to_recordset). */
const SERVER_TYPES: Record<(typeof SERVER_COLUMNS)[number], string> = {
  id: 'text',
  guid: 'text',
  revision: 'bigint',
  state: 'text',
  address: 'text',
  agent_port: 'int',
  agent_version: 'text',
  dcv_error: 'text',
  dcv_timeout_ms: 'bigint',
  failure_reason: 'text',
  failure_message: 'text',
  failure_at: 'bigint',
  failure_until: 'bigint',
  health_since: 'bigint',
  last_seen: 'bigint',
  reported_hostname: 'text',
  free_memory: 'float8',
  total_memory: 'float8',
  cores: 'float8',
  cpu_usage: 'float8',
  load1: 'float8',
  load5: 'float8',
  load15: 'float8',
  attrs: 'text',
  attrs_version: 'int',
  updated_at: 'bigint',
  drained_at: 'bigint',
  drained_by: 'text',
  drain_reason: 'text',
};
const SESSION_TYPES: Record<(typeof SESSION_COLUMNS)[number], string> = {
  id: 'text',
  server_id: 'text',
  owner: 'text',
  type: 'text',
  pool: 'text',
  state: 'text',
  origin: 'text',
  orphaned: 'boolean',
  created_at: 'bigint',
  refreshed_at: 'bigint',
  attrs: 'text',
  attrs_version: 'int',
};
const SEEN = ['id', 'last_seen', 'reported_hostname', 'free_memory', 'total_memory', 'cores', 'cpu_usage', 'load1', 'load5', 'load15', 'attrs', 'attrs_version'] as const;

const recordset = (types: Record<string, string>, columns: readonly string[]) => `jsonb_to_recordset($1::text::jsonb) AS x(${columns.map((c) => `${c} ${types[c]}`).join(', ')})`;
const upsertSql = (table: string, types: Record<string, string>, columns: readonly string[], onConflict: string) =>
  `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${recordset(types, columns)} ${onConflict}`;
const updateAll = (columns: readonly string[]) =>
  `ON CONFLICT (id) DO UPDATE SET ${columns
    .filter((c) => c !== 'id')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`;

const LIVE = "('starting', 'running')";
const STATS = SEEN.filter((c) => c !== 'id' && c !== 'last_seen');
const STATEMENTS = {
  figures: `UPDATE sessions t SET attrs = f.attrs, attrs_version = f.attrs_version FROM jsonb_to_recordset($1::text::jsonb) AS f(id text, server_id text, attrs text, attrs_version int)
    WHERE t.id = f.id AND t.server_id = f.server_id AND t.state IN ${LIVE}`,
  refreshSeen: `WITH registered AS (SELECT guid FROM agents WHERE state = 'registered' AND guid IN (SELECT guid FROM jsonb_to_recordset($1::text::jsonb) AS y(guid text)) ORDER BY guid FOR SHARE)
    , updated AS (UPDATE servers s SET last_seen = GREATEST(s.last_seen, x.last_seen), ${STATS.map((c) => `${c} = CASE WHEN x.last_seen >= s.last_seen THEN x.${c} ELSE s.${c} END`).join(', ')}
    FROM jsonb_to_recordset($1::text::jsonb) AS x(${[...SEEN, 'guid'].map((c) => `${c} ${c === 'guid' ? 'text' : SERVER_TYPES[c as keyof typeof SERVER_TYPES]}`).join(', ')})
    WHERE s.id = x.id AND s.guid = x.guid AND s.state = 'active' AND x.guid IN (SELECT guid FROM registered) RETURNING s.id),
    figured AS (UPDATE sessions t SET attrs = f.attrs, attrs_version = f.attrs_version FROM jsonb_to_recordset($2::text::jsonb) AS f(id text, server_id text, attrs text, attrs_version int)
      WHERE t.id = f.id AND t.server_id = f.server_id AND t.server_id IN (SELECT id FROM updated) AND t.state IN ${LIVE} RETURNING 1)
    SELECT id FROM updated`,
  putServers: upsertSql('servers', SERVER_TYPES, SERVER_COLUMNS, updateAll(SERVER_COLUMNS)),
  seen: `UPDATE servers s SET ${SEEN.filter((c) => c !== 'id')
    .map((c) => `${c} = x.${c}`)
    .join(', ')} FROM ${recordset(SERVER_TYPES, SEEN)} WHERE s.id = x.id AND s.last_seen <= x.last_seen`,
  putSessions: upsertSql('sessions', SESSION_TYPES, SESSION_COLUMNS, updateAll(SESSION_COLUMNS)),
  newSessions: upsertSql('sessions', SESSION_TYPES, SESSION_COLUMNS, ''),
};

/** Sessions' figures as the JSON rows the figures statements read. */
const figureRows = (sessions: readonly SessionEntry[]) =>
  JSON.stringify(
    sessions.map((session) => {
      const { id, server_id, attrs, attrs_version } = sessionColumns(session);
      return { id, server_id, attrs, attrs_version };
    }),
  );

/** A JSON array of strings, bound as one parameter and read with jsonb_array_elements_text. */
const list = (values: readonly string[]) => JSON.stringify(values);
const anyOf = (param: string) => `ANY(ARRAY(SELECT jsonb_array_elements_text(${param}::text::jsonb)))`;
/**
 * The locking reads of a transaction: servers by id or GUID, sessions on servers or by id ($1, $2 are
 * JSON lists). `column = ANY(ARRAY(SELECT ...))`, unlike `IN (SELECT ...)` on both sides of an OR,
 * lets PostgreSQL combine the two conditions through their indexes (a BitmapOr) instead of walking the
 * whole table (measured: 12 ms down to 0.07 ms for one session among 100,000). Exported for the bench's
 * query-plan check, which must look at these very statements.
 */
export const LOCKING_READS = {
  servers: `SELECT * FROM servers WHERE id = ${anyOf('$1')} OR guid = ${anyOf('$2')} ORDER BY id FOR UPDATE`,
  sessions: `SELECT * FROM sessions WHERE server_id = ${anyOf('$1')} OR id = ${anyOf('$2')} ORDER BY id FOR UPDATE`,
};
/** One consistent picture per server: its row and its live sessions, read by one statement. */
const SNAPSHOT_SELECT = `SELECT s.*, coalesce((SELECT json_agg(x) FROM sessions x WHERE x.server_id = s.id AND x.state IN ${LIVE}), '[]') AS live FROM servers s`;
/** Deadlocks are possible when a batch locks a session row held on another server; PostgreSQL breaks them, we retry. */
const RETRIES = 3;

/**
 * FleetStore on PostgreSQL, shared by every director. A transaction locks what it reads: agents shared
 * (a revoke waits for it, and it for a revoke), servers and their sessions for update in id order; a
 * server not stored yet is guarded by an advisory lock on its id so two directors cannot both create it.
 * Rows travel as one JSON array per statement, so a batch of a thousand reports is a handful of round trips.
 */
export function createPostgresFleetStore(sql: SQL): FleetStore {
  const read = async (tx: Tx, plan: FleetPlan | undefined, reads: FleetReads) => {
    const agents = new Map(plan?.view.agents ?? []);
    const servers = new Map(plan?.view.servers ?? []);
    const sessions = new Map(plan?.view.sessions ?? []);
    const owners = new Set(plan?.view.owners ?? []);
    if (reads.agents?.length) {
      const rows = await tx`SELECT guid, state FROM agents WHERE guid = ANY(ARRAY(SELECT jsonb_array_elements_text(${list(reads.agents)}::text::jsonb))) ORDER BY guid FOR SHARE`;
      for (const row of rows as { guid: string; state: AgentState }[]) agents.set(row.guid, row.state);
    }
    const ids = reads.servers ?? [];
    const guids = reads.serversOfGuids ?? [];
    if (ids.length || guids.length) {
      const lockServers = async () => (await tx.unsafe(LOCKING_READS.servers, [list(ids), list(guids)])) as ServerRow[];
      let rows = await lockServers();
      const missing = ids.filter((id) => !rows.some((row) => row.id === id)).sort();
      if (missing.length) {
        for (const id of missing) await tx`SELECT pg_advisory_xact_lock(${ADVISORY_LOCKS.serverRow}, hashtext(${id}))`;
        rows = await lockServers();
      }
      for (const row of rows) servers.set(row.id, serverFromRow(row));
    }
    if (reads.sessionsOn?.length || reads.sessions?.length) {
      const rows =
        await tx`SELECT * FROM sessions WHERE server_id = ANY(ARRAY(SELECT jsonb_array_elements_text(${list(reads.sessionsOn ?? [])}::text::jsonb))) OR id = ANY(ARRAY(SELECT jsonb_array_elements_text(${list(reads.sessions ?? [])}::text::jsonb))) ORDER BY id FOR UPDATE`;
      for (const row of rows as SessionRow[]) sessions.set(row.id, sessionFromRow(row));
    }
    if (reads.liveOf?.length) {
      const rows = await tx`SELECT * FROM sessions WHERE owner = ANY(ARRAY(SELECT jsonb_array_elements_text(${list(reads.liveOf)}::text::jsonb))) AND state IN ('starting', 'running')`;
      for (const row of rows as SessionRow[]) if (!sessions.has(row.id)) sessions.set(row.id, sessionFromRow(row));
      for (const owner of reads.liveOf) owners.add(owner);
    }
    return new FleetPlan({ agents, servers, sessions, owners });
  };

  const write = async (tx: Tx, writes: FleetWrites, now: number) => {
    if (writes.servers.length) await tx.unsafe(STATEMENTS.putServers, [JSON.stringify(writes.servers.map((server) => serverColumns(server, now)))]);
    if (writes.seen.length) await tx.unsafe(STATEMENTS.seen, [JSON.stringify(writes.seen.map(seenColumns))]);
    if (writes.figures.length) await tx.unsafe(STATEMENTS.figures, [figureRows(writes.figures)]);
    if (writes.dropSessions.length) await tx`DELETE FROM sessions WHERE id IN (SELECT jsonb_array_elements_text(${list(writes.dropSessions)}::text::jsonb))`;
    if (writes.sessions.length) await tx.unsafe(STATEMENTS.putSessions, [JSON.stringify(writes.sessions.map(sessionColumns))]);
    if (writes.newSessions.length) await tx.unsafe(STATEMENTS.newSessions, [JSON.stringify(writes.newSessions.map(sessionColumns))]);
  };

  const snapshots = (rows: (ServerRow & { live: unknown })[]): ServerSnapshot[] =>
    rows.map((row) => {
      const live = (typeof row.live === 'string' ? JSON.parse(row.live) : row.live) as SessionRow[];
      return { server: serverFromRow(row), sessions: live.map(sessionFromRow) };
    });

  return {
    async transact<T>(tx: FleetTransaction<T>, now: number) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await sql.begin(async (conn) => {
            let plan = await read(conn, undefined, tx.reads);
            const more = tx.more?.(plan);
            if (more) plan = await read(conn, plan, more);
            const result = tx.decide(plan);
            await write(conn, plan.writes(), now);
            return { result, plan };
          });
        } catch (err) {
          const state = (err as { errno?: unknown }).errno;
          if (state === '23505') throw new SessionIdTaken(String((err as Error).message));
          if ((state === '40P01' || state === '40001') && attempt < RETRIES) continue;
          throw err;
        }
      }
    },
    async loadAll() {
      return snapshots(await sql.unsafe(`${SNAPSHOT_SELECT} WHERE s.state != 'removed'`));
    },
    async loadSnapshots(ids) {
      if (!ids.length) return [];
      return snapshots(await sql.unsafe(`${SNAPSHOT_SELECT} WHERE s.id IN (SELECT jsonb_array_elements_text($1::text::jsonb))`, [list(ids)]));
    },
    async liveSession(id) {
      const [row] = (await sql`SELECT * FROM sessions WHERE id = ${id} AND state IN ('starting', 'running')`) as SessionRow[];
      return row ? sessionFromRow(row) : undefined;
    },
    async liveSessionsOf(owner) {
      return ((await sql`SELECT * FROM sessions WHERE owner = ${owner} AND state IN ('starting', 'running')`) as SessionRow[]).map(sessionFromRow);
    },
    async sweepCandidates(bounds) {
      const silent = (await sql`SELECT v.id FROM servers v WHERE v.state = 'active' AND v.last_seen < ${bounds.silentBefore}
        AND EXISTS (SELECT 1 FROM sessions s WHERE s.server_id = v.id AND s.state IN ('starting', 'running') AND NOT s.orphaned)`) as { id: string }[];
      const unsettled = (await sql`SELECT DISTINCT server_id FROM sessions WHERE state != 'running'
        AND ((state = 'starting' AND created_at < ${bounds.unconfirmedBefore}) OR (state = 'closed' AND refreshed_at < ${bounds.closedBefore})
          OR (state = 'abandoned' AND refreshed_at < ${bounds.abandonedBefore}) OR (state = 'creating' AND created_at < ${bounds.creatingBefore}))`) as { server_id: string }[];
      return [...new Set([...silent.map((row) => row.id), ...unsettled.map((row) => row.server_id)])];
    },
    async purgeRemoved(before) {
      return (await sql`DELETE FROM servers WHERE state = 'removed' AND updated_at < ${before}`).count;
    },
    async refreshSeen(items) {
      if (!items.length) return [];
      const seen = JSON.stringify(items.map((item) => ({ ...seenColumns(item), guid: item.guid })));
      const rows = (await sql.unsafe(STATEMENTS.refreshSeen, [seen, figureRows(items.flatMap((item) => item.figures))])) as { id: string }[];
      return rows.map((row) => row.id);
    },
  };
}
