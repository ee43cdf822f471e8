import type { Database } from 'bun:sqlite';

/** How a version came to be: the policy files seeding an empty store, an admin's edit, `policy import`. */
export type PolicySource = 'files' | 'edit' | 'import';

/** One stored version of the policy: the two documents as saved, and who saved them when. */
export interface PolicyVersion {
  version: number;
  users: unknown;
  pools: unknown;
  source: PolicySource;
  createdAt: number;
  createdBy: string;
}

/** A version without its documents (the history list). */
export type PolicyVersionInfo = Omit<PolicyVersion, 'users' | 'pools'>;

/** What append() writes. */
export type NewPolicyVersion = Omit<PolicyVersion, 'version'>;

/**
 * The policy's versions, on bun:sqlite (below) or PostgreSQL (version-store-postgres.ts); both pass
 * the store contract.
 */
export interface PolicyVersionStore {
  /** The newest version, or undefined while the store holds none. */
  latest(): Promise<PolicyVersion | undefined>;
  /** The newest version's number, 0 while there is none: what a director asks to learn of a change. */
  latestNumber(): Promise<number>;
  /** The newest version taken from the policy files (seeded, or stored at start-up or on SIGHUP). */
  latestFromFiles(): Promise<PolicyVersion | undefined>;
  /**
   * Stores `entry` as version `after + 1` only while `after` is the newest version (0: none yet), in
   * one conditional statement: of two saves made from the same version, on any director, exactly one
   * lands. Undefined when the condition did not hold.
   */
  append(after: number, entry: NewPolicyVersion): Promise<PolicyVersion | undefined>;
  /** The newest `limit` versions, newest first, without their documents. */
  history(limit: number): Promise<PolicyVersionInfo[]>;
}

/** A row of table policy_versions (same columns in both stores). */
export interface PolicyVersionRow {
  version: number;
  users: string;
  pools: string;
  source: string;
  created_at: number;
  created_by: string;
}

/** A history row from either store (PostgreSQL hands int8 as strings). */
export const versionInfoFromRow = (row: Omit<PolicyVersionRow, 'users' | 'pools'>): PolicyVersionInfo => ({
  version: Number(row.version),
  source: row.source as PolicySource,
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
});

/** A full row from either store as a version, its documents parsed. */
export const versionFromRow = (row: PolicyVersionRow): PolicyVersion => ({ ...versionInfoFromRow(row), users: JSON.parse(row.users), pools: JSON.parse(row.pools) });

/** The columns append() writes, documents as JSON text. */
export const versionColumns = (after: number, entry: NewPolicyVersion) => ({
  version: after + 1,
  after,
  users: JSON.stringify(entry.users ?? {}),
  pools: JSON.stringify(entry.pools ?? {}),
  source: entry.source,
  createdAt: entry.createdAt,
  createdBy: entry.createdBy,
});

/** PolicyVersionStore on the embedded database: every statement prepared once. */
export function createSqlitePolicyVersionStore(db: Database): PolicyVersionStore {
  const statements = {
    latest: db.query<PolicyVersionRow, []>('SELECT * FROM policy_versions ORDER BY version DESC LIMIT 1'),
    latestFromFiles: db.query<PolicyVersionRow, []>("SELECT * FROM policy_versions WHERE source = 'files' ORDER BY version DESC LIMIT 1"),
    latestNumber: db.query<{ version: number }, []>('SELECT COALESCE(MAX(version), 0) AS version FROM policy_versions'),
    append: db.query<PolicyVersionRow, [ReturnType<typeof versionColumns>]>(
      `INSERT INTO policy_versions (version, users, pools, source, created_at, created_by)
       SELECT $version, $users, $pools, $source, $createdAt, $createdBy
       WHERE (SELECT COALESCE(MAX(version), 0) FROM policy_versions) = $after
       ON CONFLICT (version) DO NOTHING RETURNING *`,
    ),
    history: db.query<PolicyVersionRow, [number]>('SELECT version, source, created_at, created_by FROM policy_versions ORDER BY version DESC LIMIT ?'),
  };
  return {
    latest: async () => {
      const row = statements.latest.get();
      return row ? versionFromRow(row) : undefined;
    },
    latestNumber: async () => statements.latestNumber.get()?.version ?? 0,
    latestFromFiles: async () => {
      const row = statements.latestFromFiles.get();
      return row ? versionFromRow(row) : undefined;
    },
    append: async (after, entry) => {
      const row = statements.append.get(versionColumns(after, entry));
      return row ? versionFromRow(row) : undefined;
    },
    history: async (limit) => statements.history.all(limit).map(versionInfoFromRow),
  };
}
