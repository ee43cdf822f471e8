import type { Database } from 'bun:sqlite';
import type { AgentState } from '../agents/store.ts';
import { FleetPlan, SessionIdTaken, type FleetReads, type FleetWrites } from './fleet-plan.ts';
import type { FleetStore, FleetTransaction } from './fleet-store.ts';
import {
  ATTRS_VERSION,
  SERVER_COLUMNS,
  SESSION_COLUMNS,
  seenColumns,
  serverColumns,
  serverFromRow,
  sessionAttrs,
  sessionColumns,
  sessionFromRow,
  type ServerRow,
  type ServerSnapshot,
  type SessionEntry,
  type SessionRow,
} from './records.ts';

const LIVE = "state IN ('starting', 'running')";
const inList = (column: string) => `${column} IN (SELECT value FROM json_each(?))`;

const insertInto = (table: string, columns: readonly string[]) => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `$${c}`).join(', ')})`;
const upsertInto = (table: string, columns: readonly string[]) =>
  `${insertInto(table, columns)} ON CONFLICT (id) DO UPDATE SET ${columns
    .filter((c) => c !== 'id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/**
 * FleetStore on the embedded database. A transaction is one synchronous bun:sqlite transaction (reads,
 * decision and writes with no await in between), so nothing else this process does can slip into it.
 */
export function createSqliteFleetStore(db: Database): FleetStore {
  const statements = {
    agents: db.query<{ guid: string; state: AgentState }, [string]>(`SELECT guid, state FROM agents WHERE ${inList('guid')}`),
    servers: db.query<ServerRow, [string]>(`SELECT * FROM servers WHERE ${inList('id')}`),
    serversOfGuids: db.query<ServerRow, [string]>(`SELECT * FROM servers WHERE ${inList('guid')}`),
    sessionsOn: db.query<SessionRow, [string]>(`SELECT * FROM sessions WHERE ${inList('server_id')}`),
    sessions: db.query<SessionRow, [string]>(`SELECT * FROM sessions WHERE ${inList('id')}`),
    liveOf: db.query<SessionRow, [string]>(`SELECT * FROM sessions WHERE ${inList('owner')} AND ${LIVE}`),
    allServers: db.query<ServerRow, []>("SELECT * FROM servers WHERE state != 'removed'"),
    allLive: db.query<SessionRow, []>(`SELECT * FROM sessions WHERE ${LIVE}`),
    liveOn: db.query<SessionRow, [string]>(`SELECT * FROM sessions WHERE ${inList('server_id')} AND ${LIVE}`),
    liveById: db.query<SessionRow, [string]>(`SELECT * FROM sessions WHERE id = ? AND ${LIVE}`),
    liveOfOwner: db.query<SessionRow, [string]>(`SELECT * FROM sessions WHERE owner = ? AND ${LIVE}`),
    putServer: db.query(upsertInto('servers', SERVER_COLUMNS)),
    seen: db.query(
      `UPDATE servers SET last_seen = $last_seen, reported_hostname = $reported_hostname, free_memory = $free_memory, total_memory = $total_memory,
       cores = $cores, cpu_usage = $cpu_usage, load1 = $load1, load5 = $load5, load15 = $load15, attrs = $attrs, attrs_version = $attrs_version
       WHERE id = $id AND last_seen <= $last_seen`,
    ),
    putSession: db.query(upsertInto('sessions', SESSION_COLUMNS)),
    figures: db.query(`UPDATE sessions SET attrs = $attrs, attrs_version = $attrs_version WHERE id = $id AND server_id = $server_id AND ${LIVE}`),
    newSession: db.query(insertInto('sessions', SESSION_COLUMNS)),
    dropSession: db.query('DELETE FROM sessions WHERE id = ?'),
    sweepSilent: db.query<{ id: string }, [number]>(
      `SELECT v.id FROM servers v WHERE v.state = 'active' AND v.last_seen < ?
         AND EXISTS (SELECT 1 FROM sessions s WHERE s.server_id = v.id AND s.state IN ('starting', 'running') AND NOT s.orphaned)`,
    ),
    sweepUnsettled: db.query<{ server_id: string }, [number, number, number, number]>(
      // The partial index holds only the few rows that are not running; without INDEXED BY the planner walks every row to sort them.
      `SELECT server_id FROM sessions INDEXED BY sessions_unsettled WHERE state != 'running'
         AND ((state = 'starting' AND created_at < ?1) OR (state = 'closed' AND refreshed_at < ?2)
           OR (state = 'abandoned' AND refreshed_at < ?3) OR (state = 'creating' AND created_at < ?4))`,
    ),
    purgeRemoved: db.query("DELETE FROM servers WHERE state = 'removed' AND updated_at < ?"),
    refreshSeen: db.query(
      `UPDATE servers SET last_seen = max(last_seen, $last_seen),
         reported_hostname = iif($last_seen >= last_seen, $reported_hostname, reported_hostname), free_memory = iif($last_seen >= last_seen, $free_memory, free_memory),
         total_memory = iif($last_seen >= last_seen, $total_memory, total_memory), cores = iif($last_seen >= last_seen, $cores, cores),
         cpu_usage = iif($last_seen >= last_seen, $cpu_usage, cpu_usage), load1 = iif($last_seen >= last_seen, $load1, load1),
         load5 = iif($last_seen >= last_seen, $load5, load5), load15 = iif($last_seen >= last_seen, $load15, load15),
         attrs = iif($last_seen >= last_seen, $attrs, attrs), attrs_version = iif($last_seen >= last_seen, $attrs_version, attrs_version)
       WHERE id = $id AND guid = $guid AND state = 'active' AND EXISTS (SELECT 1 FROM agents WHERE guid = $guid AND state = 'registered')`,
    ),
  };

  const read = (plan: FleetPlan | undefined, reads: FleetReads) => {
    const agents = new Map(plan?.view.agents ?? []);
    const servers = new Map(plan?.view.servers ?? []);
    const sessions = new Map(plan?.view.sessions ?? []);
    const owners = new Set(plan?.view.owners ?? []);
    const json = (list: readonly string[] | undefined) => JSON.stringify(list ?? []);
    if (reads.agents?.length) for (const row of statements.agents.all(json(reads.agents))) agents.set(row.guid, row.state);
    const serverRows = [
      ...(reads.servers?.length ? statements.servers.all(json(reads.servers)) : []),
      ...(reads.serversOfGuids?.length ? statements.serversOfGuids.all(json(reads.serversOfGuids)) : []),
    ];
    for (const row of serverRows) servers.set(row.id, serverFromRow(row));
    const sessionRows = [
      ...(reads.sessionsOn?.length ? statements.sessionsOn.all(json(reads.sessionsOn)) : []),
      ...(reads.sessions?.length ? statements.sessions.all(json(reads.sessions)) : []),
      ...(reads.liveOf?.length ? statements.liveOf.all(json(reads.liveOf)) : []),
    ];
    for (const row of sessionRows) sessions.set(row.id, sessionFromRow(row));
    for (const owner of reads.liveOf ?? []) owners.add(owner);
    return new FleetPlan({ agents, servers, sessions, owners });
  };

  const write = (writes: FleetWrites, now: number) => {
    for (const server of writes.servers) statements.putServer.run(serverColumns(server, now));
    for (const seen of writes.seen) statements.seen.run(seenColumns(seen));
    for (const id of writes.dropSessions) statements.dropSession.run(id);
    writeFigures(writes.figures);
    for (const session of writes.sessions) statements.putSession.run(sessionColumns(session));
    for (const session of writes.newSessions) {
      try {
        statements.newSession.run(sessionColumns(session));
      } catch (err) {
        if (/UNIQUE|PRIMARY/i.test(String((err as Error).message))) throw new SessionIdTaken(session.id);
        throw err;
      }
    }
  };

  // Only the attrs column moves: the other columns are not built (this runs for every session of every update).
  const writeFigures = (sessions: readonly SessionEntry[]) => {
    for (const session of sessions) statements.figures.run({ id: session.id, server_id: session.serverId, attrs: sessionAttrs(session), attrs_version: ATTRS_VERSION });
  };

  const snapshots = (servers: ServerRow[], sessions: SessionRow[]): ServerSnapshot[] => {
    const byServer = new Map<string, SessionEntry[]>();
    for (const row of sessions) {
      const list = byServer.get(row.server_id) ?? [];
      list.push(sessionFromRow(row));
      byServer.set(row.server_id, list);
    }
    return servers.map((row) => ({ server: serverFromRow(row), sessions: byServer.get(row.id) ?? [] }));
  };

  // Transaction functions made once (bun:sqlite builds four wrappers per db.transaction call).
  const transaction = db.transaction((tx: FleetTransaction<unknown>, now: number) => {
    let plan = read(undefined, tx.reads);
    const more = tx.more?.(plan);
    if (more) plan = read(plan, more);
    const result = tx.decide(plan);
    write(plan.writes(), now);
    return { result, plan };
  });
  const refresh = db.transaction((items: Parameters<FleetStore['refreshSeen']>[0]) => {
    const taken = items.filter((item) => {
      const columns: ReturnType<typeof seenColumns> & { guid?: string } = seenColumns(item);
      columns.guid = item.guid;
      return statements.refreshSeen.run(columns).changes === 1;
    });
    for (const item of taken) writeFigures(item.figures);
    return taken.map((item) => item.id);
  });

  return {
    async transact<T>(tx: FleetTransaction<T>, now: number) {
      return transaction(tx, now) as { result: T; plan: FleetPlan };
    },
    async loadAll() {
      return snapshots(statements.allServers.all(), statements.allLive.all());
    },
    async loadSnapshots(ids) {
      const list = JSON.stringify(ids);
      return snapshots(statements.servers.all(list), statements.liveOn.all(list));
    },
    async liveSession(id) {
      const row = statements.liveById.get(id);
      return row ? sessionFromRow(row) : undefined;
    },
    async liveSessionsOf(owner) {
      return statements.liveOfOwner.all(owner).map(sessionFromRow);
    },
    async sweepCandidates(bounds) {
      const silent = statements.sweepSilent.all(bounds.silentBefore).map((row) => row.id);
      const unsettled = statements.sweepUnsettled.all(bounds.unconfirmedBefore, bounds.closedBefore, bounds.abandonedBefore, bounds.creatingBefore).map((row) => row.server_id);
      return [...new Set([...silent, ...unsettled])];
    },
    async purgeRemoved(before) {
      return statements.purgeRemoved.run(before).changes;
    },
    async refreshSeen(items) {
      return refresh(items) as string[];
    },
  };
}
