import type { SchemaStep } from './step.ts';

/**
 * Servers and sessions as rows (they were one JSON blob per server). A server row has columns for what
 * placement and health read; a session row is keyed by its id across every director, with its state.
 * `revision` counts the writes to a server and its sessions, so a director's memory applies a newer
 * picture over an older one and never the reverse. `attrs` holds the rest of a record as JSON in the
 * format `attrs_version` names: version 1 is the whole old blob entry (what this step copies), version
 * 2 what the director writes now (servers/records.ts reads both).
 *
 * Session states: creating (id reserved, agent asked), starting (the agent created it, no update listed
 * it yet), running (an update listed it), abandoned (the director gave up on the create; if the session
 * shows up later it is adopted or closed), closed (closed through the director; kept a while so an
 * update sent before the close cannot bring it back). Server states: active, orphaned (its agent was
 * revoked while sessions ran: kept for them, never placed on), removed (kept so other directors see the
 * removal in order; purged later).
 */
export const fleetRows: SchemaStep = {
  version: 6,
  name: 'servers and sessions as rows',
  sqlite: `
    CREATE TABLE servers (
      id                TEXT PRIMARY KEY,
      guid              TEXT NOT NULL,
      revision          INTEGER NOT NULL,
      state             TEXT NOT NULL CHECK (state IN ('active', 'orphaned', 'removed')),
      address           TEXT NOT NULL,
      agent_port        INTEGER NOT NULL,
      agent_version     TEXT,
      dcv_error         TEXT,
      dcv_timeout_ms    INTEGER,
      failure_reason    TEXT,
      failure_message   TEXT,
      failure_at        INTEGER,
      failure_until     INTEGER,
      health_since      INTEGER NOT NULL,
      last_seen         INTEGER NOT NULL,
      reported_hostname TEXT,
      free_memory       REAL,
      total_memory      REAL,
      cores             REAL,
      cpu_usage         REAL,
      load1             REAL,
      load5             REAL,
      load15            REAL,
      attrs             TEXT NOT NULL,
      attrs_version     INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL
    );
    CREATE INDEX servers_guid ON servers (guid);
    CREATE INDEX servers_last_seen ON servers (last_seen);
    CREATE TABLE sessions (
      id            TEXT PRIMARY KEY,
      server_id     TEXT NOT NULL,
      owner         TEXT NOT NULL,
      type          TEXT NOT NULL CHECK (type IN ('console', 'virtual')),
      pool          TEXT,
      state         TEXT NOT NULL CHECK (state IN ('creating', 'starting', 'running', 'abandoned', 'closed')),
      origin        TEXT NOT NULL CHECK (origin IN ('director', 'agent')),
      orphaned      INTEGER NOT NULL DEFAULT 0,
      created_at    INTEGER NOT NULL,
      refreshed_at  INTEGER NOT NULL,
      attrs         TEXT NOT NULL,
      attrs_version INTEGER NOT NULL
    );
    CREATE INDEX sessions_server ON sessions (server_id);
    CREATE INDEX sessions_owner ON sessions (owner);
    -- The few rows the housekeeper looks at (creates in flight, unconfirmed, closed, abandoned): not the running many.
    CREATE INDEX sessions_unsettled ON sessions (state, server_id) WHERE state != 'running';
    INSERT INTO servers (id, guid, revision, state, address, agent_port, agent_version, dcv_error, dcv_timeout_ms,
                         failure_reason, failure_message, failure_at, failure_until, health_since, last_seen,
                         reported_hostname, free_memory, total_memory, cores, cpu_usage, load1, load5, load15,
                         attrs, attrs_version, updated_at)
    SELECT r.id, r.guid, 1,
           CASE WHEN json_array_length(r.sessions) > 0
                 AND NOT EXISTS (SELECT 1 FROM json_each(r.sessions) s WHERE coalesce(json_extract(s.value, '$.orphaned'), 0) = 0)
                THEN 'orphaned' ELSE 'active' END,
           coalesce(json_extract(r.entry, '$.address'), ''), coalesce(json_extract(r.entry, '$.agentPort'), 8446),
           json_extract(r.entry, '$.version'), json_extract(r.entry, '$.dcvError'), json_extract(r.entry, '$.dcvTimeoutMs'),
           json_extract(r.entry, '$.placementFailure.reason'), json_extract(r.entry, '$.placementFailure.message'),
           json_extract(r.entry, '$.placementFailure.at'), json_extract(r.entry, '$.placementFailure.until'),
           coalesce(json_extract(r.entry, '$.healthSince'), r.written_at), coalesce(json_extract(r.entry, '$.lastSeen'), r.written_at),
           json_extract(r.entry, '$.stats.hostname'), json_extract(r.entry, '$.stats.free_memory'), json_extract(r.entry, '$.stats.total_memory'),
           json_extract(r.entry, '$.stats.cores'), json_extract(r.entry, '$.stats.cpu_usage'), json_extract(r.entry, '$.stats.load1'),
           json_extract(r.entry, '$.stats.load5'), json_extract(r.entry, '$.stats.load15'),
           r.entry, 1, r.written_at
      FROM runtime_servers r;
    INSERT OR IGNORE INTO sessions (id, server_id, owner, type, pool, state, origin, orphaned, created_at, refreshed_at, attrs, attrs_version)
    SELECT json_extract(s.value, '$.id'), r.id, json_extract(s.value, '$.owner'), json_extract(s.value, '$.type'), json_extract(s.value, '$.pool'),
           CASE WHEN json_extract(s.value, '$.confirmed') THEN 'running' ELSE 'starting' END,
           CASE WHEN json_extract(s.value, '$.createdByDirector') THEN 'director' ELSE 'agent' END,
           coalesce(json_extract(s.value, '$.orphaned'), 0),
           coalesce(json_extract(s.value, '$.refreshedAt'), r.written_at), coalesce(json_extract(s.value, '$.refreshedAt'), r.written_at),
           s.value, 1
      FROM runtime_servers r, json_each(r.sessions) s
     WHERE json_extract(s.value, '$.id') IS NOT NULL AND json_extract(s.value, '$.owner') IS NOT NULL
       AND json_extract(s.value, '$.type') IN ('console', 'virtual');
    DROP TABLE runtime_servers;
  `,
  postgres: `
    CREATE TABLE servers (
      id                TEXT PRIMARY KEY,
      guid              TEXT NOT NULL,
      revision          BIGINT NOT NULL,
      state             TEXT NOT NULL CHECK (state IN ('active', 'orphaned', 'removed')),
      address           TEXT NOT NULL,
      agent_port        INTEGER NOT NULL,
      agent_version     TEXT,
      dcv_error         TEXT,
      dcv_timeout_ms    BIGINT,
      failure_reason    TEXT,
      failure_message   TEXT,
      failure_at        BIGINT,
      failure_until     BIGINT,
      health_since      BIGINT NOT NULL,
      last_seen         BIGINT NOT NULL,
      reported_hostname TEXT,
      free_memory       DOUBLE PRECISION,
      total_memory      DOUBLE PRECISION,
      cores             DOUBLE PRECISION,
      cpu_usage         DOUBLE PRECISION,
      load1             DOUBLE PRECISION,
      load5             DOUBLE PRECISION,
      load15            DOUBLE PRECISION,
      attrs             TEXT NOT NULL,
      attrs_version     INTEGER NOT NULL,
      updated_at        BIGINT NOT NULL
    );
    CREATE INDEX servers_guid ON servers (guid);
    CREATE INDEX servers_last_seen ON servers (last_seen);
    CREATE TABLE sessions (
      id            TEXT PRIMARY KEY,
      server_id     TEXT NOT NULL,
      owner         TEXT NOT NULL,
      type          TEXT NOT NULL CHECK (type IN ('console', 'virtual')),
      pool          TEXT,
      state         TEXT NOT NULL CHECK (state IN ('creating', 'starting', 'running', 'abandoned', 'closed')),
      origin        TEXT NOT NULL CHECK (origin IN ('director', 'agent')),
      orphaned      BOOLEAN NOT NULL DEFAULT false,
      created_at    BIGINT NOT NULL,
      refreshed_at  BIGINT NOT NULL,
      attrs         TEXT NOT NULL,
      attrs_version INTEGER NOT NULL
    );
    CREATE INDEX sessions_server ON sessions (server_id);
    CREATE INDEX sessions_owner ON sessions (owner);
    -- The few rows the housekeeper looks at (creates in flight, unconfirmed, closed, abandoned): not the running many.
    CREATE INDEX sessions_unsettled ON sessions (state, server_id) WHERE state != 'running';
    INSERT INTO servers (id, guid, revision, state, address, agent_port, agent_version, dcv_error, dcv_timeout_ms,
                         failure_reason, failure_message, failure_at, failure_until, health_since, last_seen,
                         reported_hostname, free_memory, total_memory, cores, cpu_usage, load1, load5, load15,
                         attrs, attrs_version, updated_at)
    SELECT r.id, r.guid, 1,
           CASE WHEN jsonb_array_length(r.sessions) > 0
                 AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(r.sessions) s WHERE coalesce((s->>'orphaned')::boolean, false) = false)
                THEN 'orphaned' ELSE 'active' END,
           coalesce(r.entry->>'address', ''), coalesce((r.entry->>'agentPort')::int, 8446),
           r.entry->>'version', r.entry->>'dcvError', (r.entry->>'dcvTimeoutMs')::bigint,
           r.entry->'placementFailure'->>'reason', r.entry->'placementFailure'->>'message',
           (r.entry->'placementFailure'->>'at')::bigint, (r.entry->'placementFailure'->>'until')::bigint,
           coalesce((r.entry->>'healthSince')::bigint, r.written_at), coalesce((r.entry->>'lastSeen')::bigint, r.written_at),
           r.entry->'stats'->>'hostname', (r.entry->'stats'->>'free_memory')::float8, (r.entry->'stats'->>'total_memory')::float8,
           (r.entry->'stats'->>'cores')::float8, (r.entry->'stats'->>'cpu_usage')::float8, (r.entry->'stats'->>'load1')::float8,
           (r.entry->'stats'->>'load5')::float8, (r.entry->'stats'->>'load15')::float8,
           r.entry::text, 1, r.written_at
      FROM runtime_servers r;
    INSERT INTO sessions (id, server_id, owner, type, pool, state, origin, orphaned, created_at, refreshed_at, attrs, attrs_version)
    SELECT s->>'id', r.id, s->>'owner', s->>'type', s->>'pool',
           CASE WHEN coalesce((s->>'confirmed')::boolean, false) THEN 'running' ELSE 'starting' END,
           CASE WHEN coalesce((s->>'createdByDirector')::boolean, false) THEN 'director' ELSE 'agent' END,
           coalesce((s->>'orphaned')::boolean, false),
           coalesce((s->>'refreshedAt')::bigint, r.written_at), coalesce((s->>'refreshedAt')::bigint, r.written_at),
           s::text, 1
      FROM runtime_servers r, jsonb_array_elements(r.sessions) s
     WHERE s->>'id' IS NOT NULL AND s->>'owner' IS NOT NULL AND s->>'type' IN ('console', 'virtual')
    ON CONFLICT (id) DO NOTHING;
    DROP TABLE runtime_servers;
  `,
};
