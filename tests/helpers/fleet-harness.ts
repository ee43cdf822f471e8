/**
 * A director's fleet on a real store, in-process, with a fake clock: the Fleet, its memory
 * (RuntimeState) and the agents table it checks, over bun:sqlite or a PostgreSQL database. Several
 * harnesses on one PostgreSQL database with linked feeds stand for several directors.
 */
import type { SQL } from 'bun';
import { afterAll, beforeAll } from 'bun:test';
import type { DcvSession } from '../../shared/api/agent-wire.ts';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { SqliteAgentStore, type AgentStore } from '../../director/agents/store.ts';
import { PostgresAgentStore } from '../../director/agents/store-postgres.ts';
import type { AuditEvent } from '../../director/audit/types.ts';
import { silentFeed, type ChangeFeed } from '../../director/cluster/change-feed.ts';
import { Fleet } from '../../director/servers/fleet.ts';
import type { FleetStore } from '../../director/servers/fleet-store.ts';
import { createPostgresFleetStore } from '../../director/servers/fleet-store-postgres.ts';
import { createSqliteFleetStore } from '../../director/servers/fleet-store-sqlite.ts';
import type { AgentReport } from '../../director/servers/report-plan.ts';
import { RuntimeState } from '../../director/servers/runtime-state.ts';
import { openDatabase } from '../../director/store/db.ts';
import { migratePostgres } from '../../director/store/migrate.ts';
import { connectPostgres } from '../../director/store/postgres.ts';
import type { Reservation } from '../../director/servers/session-rows.ts';
import { startPostgres, type Postgres } from './postgres.ts';
import { sampleStats } from './fleet.ts';

export type FleetBackend = { kind: 'sqlite'; path?: string } | { kind: 'postgres'; sql: SQL };

export interface FleetHarness {
  clock: FakeClock;
  state: RuntimeState;
  fleet: Fleet;
  store: FleetStore;
  agents: AgentStore;
  /** Audit events the fleet recorded. */
  events: AuditEvent[];
  /** Session ids the fleet asked a host to close. */
  closedOnHost: string[];
  /** A registered agent (its row in the agents table). */
  registerAgent(guid: string, hostname: string): Promise<void>;
  /** An update from an agent with these sessions, received now. */
  report(guid: string, hostname: string, sessions: Partial<DcvSession>[], extra?: Partial<AgentReport>): ReturnType<Fleet['report']>;
}

export const RULES = { agentRequestTimeoutMs: 30_000 };

/** A fleet on `backend`; `feed` links it to others; `startedAt` is when its director started (default: now). */
export function fleetHarness(backend: FleetBackend, options: { clock?: FakeClock; feed?: ChangeFeed; startedAt?: number } = {}): FleetHarness {
  const clock = options.clock ?? new FakeClock(Date.UTC(2026, 5, 1));
  const db = backend.kind === 'sqlite' ? openDatabase(backend.path ?? ':memory:') : undefined;
  const store = db ? createSqliteFleetStore(db) : createPostgresFleetStore((backend as { sql: SQL }).sql);
  const agents = db ? new SqliteAgentStore(db) : new PostgresAgentStore((backend as { sql: SQL }).sql);
  const state = new RuntimeState(clock, RULES, options.startedAt ?? clock.now());
  const events: AuditEvent[] = [];
  const closedOnHost: string[] = [];
  const fleet = new Fleet({
    store,
    state,
    feed: options.feed ?? silentFeed,
    clock,
    log: silentLogger,
    audit: { record: (event) => void events.push(event), list: async () => [] },
    healthRules: RULES,
    closeOnHost: async (_server, id) => void closedOnHost.push(id),
    seenNoticeMs: 1000,
    creatingTimeoutMs: 65_000,
  });
  return {
    clock,
    state,
    fleet,
    store,
    agents,
    events,
    closedOnHost,
    async registerAgent(guid, hostname) {
      const now = clock.now();
      await agents.insertPending({ guid, hostname, publicKey: new Uint8Array([1]), csr: new Uint8Array([2]), csrFingerprint: 'FP', remoteAddress: '127.0.0.1', now });
      await agents.approve(guid, 'admin', now);
    },
    report(guid, hostname, sessions, extra = {}) {
      return fleet.report({
        guid,
        hostname,
        address: '127.0.0.1',
        agentPort: 8446,
        stats: { ...sampleStats, hostname },
        tags: [],
        sessions: sessions.map((session) => ({ owner: 'alice', type: 'virtual' as const, numOfConnections: 0, ...session }) as DcvSession),
        at: clock.now(),
        ...extra,
      });
    },
  };
}

/**
 * A private PostgreSQL cluster for one test file (started before its tests, stopped after), and a
 * fresh migrated database from it for each call: the PostgreSQL side of the fleet tests.
 */
export function freshPostgresDatabases(prefix: string): () => Promise<SQL> {
  let pg: Postgres | undefined;
  let count = 0;
  const clients: SQL[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await pg?.stop();
  });
  return async () => {
    const sql = await connectPostgres(await pg!.createDatabase(`${prefix}${++count}`), undefined);
    clients.push(sql);
    await migratePostgres(sql, silentLogger);
    return sql;
  };
}

/** A reservation for alice's virtual session `id` on ws1 (agent g1). */
export const sampleReservation = (id: string, extra: Partial<Reservation> = {}): Reservation => ({ id, serverId: 'ws1', guid: 'g1', owner: 'alice', type: 'virtual', ...extra });

/** What an agent answers for a created session `id` of alice. */
export const sampleCreated = (id: string) => ({ id, owner: 'alice', type: 'virtual' as const, numOfConnections: 0 });
