/**
 * Query plans of the fleet store's reads (EXPLAIN QUERY PLAN on bun:sqlite, EXPLAIN ANALYZE on
 * PostgreSQL), and PostgreSQL's scan counters, which show which index the statements the store really
 * ran used.
 */
import { Database } from 'bun:sqlite';
import type { SQL } from 'bun';
import { LOCKING_READS } from '../../director/servers/fleet-store-postgres.ts';

export interface PlanCheck {
  name: string;
  /** The indexes the statement should search (sqlite_autoindex_X_1 / X_pkey: the primary key of table X). */
  indexes: string[];
  /** The plan's scan lines (and, on PostgreSQL, rows filtered out and the execution time). */
  summary: string;
  plan: string[];
  /** It searches those indexes by key and scans no table. */
  ok: boolean;
}

/** Keys the plans are asked for: an owner, a session id, and a report batch's server, agent and session ids. */
export interface PlanSample {
  owner: string;
  sessionId: string;
  serverIds: string[];
  guids: string[];
  sessionIds: string[];
}

interface Statement {
  name: string;
  text: string;
  indexes: string[];
  params: (sample: PlanSample) => string[];
}

const LIVE = "state IN ('starting', 'running')";
const json = (values: string[]) => JSON.stringify(values);
const OWNER = "(a) an owner's live sessions (liveSessionsOf)";
const BY_ID = '(b) a live session by id (liveSession)';

/** The statements fleet-store-sqlite.ts runs for these reads, word for word. */
const SQLITE: Statement[] = [
  { name: OWNER, text: `SELECT * FROM sessions WHERE owner = ? AND ${LIVE}`, indexes: ['sessions_owner'], params: (sample) => [sample.owner] },
  { name: BY_ID, text: `SELECT * FROM sessions WHERE id = ? AND ${LIVE}`, indexes: ['sqlite_autoindex_sessions_1'], params: (sample) => [sample.sessionId] },
  {
    name: 'transaction: servers by id',
    text: 'SELECT * FROM servers WHERE id IN (SELECT value FROM json_each(?))',
    indexes: ['sqlite_autoindex_servers_1'],
    params: (sample) => [json(sample.serverIds)],
  },
  { name: 'transaction: servers by agent', text: 'SELECT * FROM servers WHERE guid IN (SELECT value FROM json_each(?))', indexes: ['servers_guid'], params: (sample) => [json(sample.guids)] },
  {
    name: 'transaction: sessions on servers',
    text: 'SELECT * FROM sessions WHERE server_id IN (SELECT value FROM json_each(?))',
    indexes: ['sessions_server'],
    params: (sample) => [json(sample.serverIds)],
  },
  {
    name: 'transaction: sessions by id',
    text: 'SELECT * FROM sessions WHERE id IN (SELECT value FROM json_each(?))',
    indexes: ['sqlite_autoindex_sessions_1'],
    params: (sample) => [json(sample.sessionIds)],
  },
];

const SERVERS_LOCKED = LOCKING_READS.servers;
const SESSIONS_LOCKED = LOCKING_READS.sessions;

/** The statements fleet-store-postgres.ts runs for these reads (the locking reads are its own exported texts). */
const POSTGRES: Statement[] = [
  { name: OWNER, text: `SELECT * FROM sessions WHERE owner = $1 AND ${LIVE}`, indexes: ['sessions_owner'], params: (sample) => [sample.owner] },
  { name: BY_ID, text: `SELECT * FROM sessions WHERE id = $1 AND ${LIVE}`, indexes: ['sessions_pkey'], params: (sample) => [sample.sessionId] },
  {
    name: 'transaction: servers by id or agent (a report batch)',
    text: SERVERS_LOCKED,
    indexes: ['servers_pkey', 'servers_guid'],
    params: (sample) => [json(sample.serverIds), json(sample.guids)],
  },
  {
    name: 'transaction: sessions on servers or by id (a report batch)',
    text: SESSIONS_LOCKED,
    indexes: ['sessions_server', 'sessions_pkey'],
    params: (sample) => [json(sample.serverIds), json(sample.sessionIds)],
  },
  { name: 'transaction: one server by id (reserve, confirm, close)', text: SERVERS_LOCKED, indexes: ['servers_pkey'], params: (sample) => [json(sample.serverIds.slice(0, 1)), json([])] },
  { name: 'transaction: one session by id (reserve, confirm, close)', text: SESSIONS_LOCKED, indexes: ['sessions_pkey'], params: (sample) => [json([]), json([sample.sessionId])] },
];

/** sqlite: "SEARCH t USING INDEX i" for each index, and no "SCAN t" of a table. */
function sqliteOk(lines: string[], indexes: string[]): boolean {
  const plan = lines.join('; ');
  return indexes.every((index) => new RegExp(`SEARCH \\w+ USING (?:COVERING )?INDEX ${index} \\(`).test(plan)) && !/\bSCAN (?!json_each)\w+/.test(plan);
}

/**
 * PostgreSQL: no Seq Scan, and each index searched by key: its scan node has an Index Cond (an index
 * scan with a Filter only reads the whole index, which is a table scan in id order).
 */
function postgresOk(lines: string[], indexes: string[]): boolean {
  if (lines.some((line) => line.includes('Seq Scan'))) return false;
  const searched = new Set<string>();
  lines.forEach((line, at) => {
    const index = /Index (?:Only )?Scan (?:using|on) (\w+)/.exec(line)?.[1];
    if (!index) return;
    for (let next = at + 1; next < lines.length && !lines[next]!.includes('->'); next++) if (lines[next]!.includes('Index Cond')) searched.add(index);
  });
  return indexes.every((index) => searched.has(index));
}

/** EXPLAIN QUERY PLAN of the store's reads, on a second (read-only) connection to the director's database file. */
export function sqlitePlans(path: string, sample: PlanSample): PlanCheck[] {
  const db = new Database(path, { readonly: true });
  try {
    return SQLITE.map((statement) => {
      const plan = db
        .query<{ detail: string }, string[]>(`EXPLAIN QUERY PLAN ${statement.text}`)
        .all(...statement.params(sample))
        .map((row) => row.detail);
      const summary = plan.filter((line) => !/json_each|SUBQUERY/.test(line)).join('; ');
      return { name: statement.name, indexes: statement.indexes, summary, plan, ok: sqliteOk(plan, statement.indexes) };
    });
  } finally {
    db.close();
  }
}

/**
 * EXPLAIN ANALYZE of the store's reads with the sample's values bound as the store binds them: the
 * plan, and what it cost (the locking reads lock their rows until the statement's own commit).
 */
export async function postgresPlans(sql: SQL, sample: PlanSample): Promise<PlanCheck[]> {
  const checks: PlanCheck[] = [];
  for (const statement of POSTGRES) {
    const rows = (await sql.unsafe(`EXPLAIN ANALYZE ${statement.text}`, statement.params(sample))) as { 'QUERY PLAN': string }[];
    const plan = rows.map((row) => row['QUERY PLAN'].trim());
    const summary = plan
      .filter((line) => /Scan|Rows Removed by Filter|Execution Time/.test(line))
      .map((line) => line.replace(/^->\s*/, '').replace(/\s+\(cost=.*$/, ''))
      .join('; ');
    checks.push({ name: statement.name, indexes: statement.indexes, summary, plan, ok: postgresOk(plan, statement.indexes) });
  }
  return checks;
}

export interface ScanCounts {
  /** Sequential scans of the sessions table. */
  seqScans: number;
  /** Scans of each index of the sessions table. */
  indexScans: Record<string, number>;
}

/** pg_stat_user_tables / pg_stat_user_indexes for table sessions. */
export async function sessionScans(sql: SQL): Promise<ScanCounts> {
  const [table] = (await sql`SELECT seq_scan::float8 AS seq FROM pg_stat_user_tables WHERE relname = 'sessions'`) as { seq: number }[];
  const indexes = (await sql`SELECT indexrelname AS name, idx_scan::float8 AS scans FROM pg_stat_user_indexes WHERE relname = 'sessions'`) as { name: string; scans: number }[];
  return { seqScans: table?.seq ?? 0, indexScans: Object.fromEntries(indexes.map((index) => [index.name, index.scans])) };
}
