import type { SQL } from 'bun';
import type { Logger } from '../../shared/log.ts';
import { ignoredError } from '../../shared/ignored.ts';
import type { LiveDirector } from '../store/migrate.ts';
import { knownSchemaVersion } from '../store/schema/extra-steps.ts';

export interface DirectorInstance {
  id: string;
  name: string;
  policyHash: string;
  startedAt: number;
  lastSeen: number;
}

/**
 * The directors sharing a store, each with the hash of the policy it loaded. Implementations: below
 * (PostgreSQL heartbeat table) and the single-director one for the embedded store.
 */
export interface DirectorRegistry {
  /** This director's row: written now and then every interval until stop(). */
  start(self: () => Omit<DirectorInstance, 'lastSeen'>): void;
  /** Directors seen within `withinMs`, this one included. */
  list(withinMs: number): Promise<DirectorInstance[]>;
  stop(): Promise<void>;
}

/** Directors silent for longer than this are not counted as present. */
export const DIRECTOR_ALIVE_MS = 10_000;

/** Whether the present directors disagree on the policy (a warning for admins and the log). */
export function policyDisagreement(list: DirectorInstance[]): boolean {
  return new Set(list.map((d) => d.policyHash)).size > 1;
}

export function soleDirectorRegistry(): DirectorRegistry {
  let self: (() => Omit<DirectorInstance, 'lastSeen'>) | undefined;
  return {
    start(describeSelf) {
      self = describeSelf;
    },
    async list() {
      return self ? [{ ...self(), lastSeen: Date.now() }] : [];
    },
    stop: async () => {},
  };
}

export function postgresDirectorRegistry(sql: SQL, log: Logger, intervalMs = 2000): DirectorRegistry {
  let timer: ReturnType<typeof setInterval> | undefined;
  let disagreeing = false;
  let selfId = '';
  const beat = async (self: Omit<DirectorInstance, 'lastSeen'>) => {
    const now = Date.now();
    // schema_known: a newer director does not apply a schema step this one cannot run beside (store/migrate.ts).
    await sql`INSERT INTO director_instances (id, name, policy_hash, started_at, last_seen, schema_known) VALUES (${self.id}, ${self.name}, ${self.policyHash}, ${self.startedAt}, ${now}, ${knownSchemaVersion()})
      ON CONFLICT (id) DO UPDATE SET policy_hash = EXCLUDED.policy_hash, last_seen = EXCLUDED.last_seen`;
    await sql`DELETE FROM director_instances WHERE last_seen < ${now - 86_400_000}`;
    const present = await list(DIRECTOR_ALIVE_MS);
    const now_disagree = policyDisagreement(present);
    if (now_disagree && !disagreeing) log.warn('directors disagree on the policy', { directors: present.map((d) => ({ name: d.name, policyHash: d.policyHash })) });
    if (!now_disagree && disagreeing) log.info('directors agree on the policy again', { policyHash: self.policyHash });
    disagreeing = now_disagree;
  };
  const list = async (withinMs: number): Promise<DirectorInstance[]> => {
    const rows = await sql`SELECT * FROM director_instances WHERE last_seen >= ${Date.now() - withinMs} ORDER BY started_at`;
    return rows.map((r: Record<string, unknown>) => ({ id: String(r.id), name: String(r.name), policyHash: String(r.policy_hash), startedAt: Number(r.started_at), lastSeen: Number(r.last_seen) }));
  };
  return {
    start(self) {
      selfId = self().id;
      const run = () => void beat(self()).catch((error: unknown) => log.debug('director heartbeat failed', { error }));
      run();
      timer = setInterval(run, intervalMs);
      timer.unref?.();
    },
    list,
    async stop() {
      clearInterval(timer);
      // Best effort: a row not deleted ages out of every list after DIRECTOR_ALIVE_MS.
      if (selfId) await sql`DELETE FROM director_instances WHERE id = ${selfId}`.catch((error: unknown) => ignoredError(log, 'director-registry.stop', 'own heartbeat row left to age out', error));
    },
  };
}

/**
 * Directors whose heartbeat is recent, with the newest schema version each knows (null: it does not
 * say, i.e. it predates the audit chain's schema step, which added the column), for the migration's refuseBesideOlder. Works on any store
 * state: before the registry table, or its schema_known column, exists.
 */
export async function liveDirectorSchemas(sql: SQL): Promise<LiveDirector[]> {
  const [{ table, column }] = await sql`SELECT to_regclass('director_instances') IS NOT NULL AS table,
    EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'director_instances' AND column_name = 'schema_known') AS column`;
  if (!table) return [];
  const since = Date.now() - DIRECTOR_ALIVE_MS;
  const rows = column
    ? await sql`SELECT name, schema_known AS known FROM director_instances WHERE last_seen >= ${since}`
    : await sql`SELECT name, NULL AS known FROM director_instances WHERE last_seen >= ${since}`;
  return rows.map((row: { name: string; known: number | null }) => ({ name: row.name, known: row.known === null ? null : Number(row.known) }));
}
