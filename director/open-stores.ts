import type { SQL } from 'bun';
import { join } from 'node:path';
import type { Logger } from '../shared/log.ts';
import { createPostgresChainStore } from './audit/chain-store-postgres.ts';
import { createSqliteChainStore, type AuditChainStore } from './audit/chain-store.ts';
import { createPostgresAuditRetention, createPostgresAuditStore } from './audit/postgres.ts';
import { createSqliteAuditRetention, type AuditRetention } from './audit/retention.ts';
import { createSqliteAuditStore } from './audit/sqlite.ts';
import type { AuditStore } from './audit/types.ts';
import { createSqliteApiClientStore, type ApiClientStore } from './api-clients/store.ts';
import { createPostgresApiClientStore } from './api-clients/store-postgres.ts';
import { createSqliteRequestStore, type SessionRequestStore } from './session-manager/request-store.ts';
import { createPostgresRequestStore } from './session-manager/request-store-postgres.ts';
import { SqliteAgentStore, type AgentStore } from './agents/store.ts';
import { PostgresAgentStore } from './agents/store-postgres.ts';
import { notifyingAgentStore } from './agents/notifying-store.ts';
import { createSqliteJoinTokenStore, type JoinTokenStore } from './agents/join-token-store.ts';
import { createPostgresJoinTokenStore } from './agents/join-token-store-postgres.ts';
import { createSqliteThrottleStore, type ThrottleStore } from './auth/throttle-store.ts';
import { createPostgresThrottleStore } from './auth/throttle-store-postgres.ts';
import { postgresFeed, silentFeed, type ChangeFeed } from './cluster/change-feed.ts';
import { liveDirectorSchemas } from './cluster/director-registry.ts';
import { createSqliteTokenUses, type TokenUseStore } from './dcv/token-uses.ts';
import { createPostgresTokenUses } from './dcv/token-uses-postgres.ts';
import { createSqliteTotpStore, type TotpSecretStore } from './otp/totp-store.ts';
import { createPostgresTotpStore } from './otp/totp-store-postgres.ts';
import { createSqlitePolicyVersionStore, type PolicyVersionStore } from './policy/version-store.ts';
import { createPostgresPolicyVersionStore } from './policy/version-store-postgres.ts';
import type { FleetStore } from './servers/fleet-store.ts';
import { createPostgresFleetStore } from './servers/fleet-store-postgres.ts';
import { createSqliteFleetStore } from './servers/fleet-store-sqlite.ts';
import { guardStore, StoreMonitor } from './store/availability.ts';
import { WalCheckpointer } from './store/checkpointer.ts';
import { openDatabase } from './store/db.ts';
import { migratePostgres } from './store/migrate.ts';
import { connectPostgres, redactUrl } from './store/postgres.ts';
import { createSqliteThumbnailStore, type ThumbnailStore } from './thumbnails/store.ts';
import { createPostgresThumbnailStore } from './thumbnails/store-postgres.ts';
import { createSqliteShareStore, type ShareStore } from './sharing/share-store.ts';
import { createPostgresShareStore } from './sharing/share-store-postgres.ts';
import { createSqlitePasskeyStore, type PasskeyStore } from './passkeys/store.ts';
import { createPostgresPasskeyStore } from './passkeys/store-postgres.ts';
import { createSqliteRevocationStore, type RevocationStore } from './tokens/revocation-store.ts';
import { createPostgresRevocationStore } from './tokens/revocation-store-postgres.ts';

/** The durable aggregates, each behind its own async interface, on one backing store. */
export interface DirectorStores {
  kind: 'sqlite' | 'postgres';
  agents: AgentStore;
  /** Join tokens admitting agents without approval (a use is one conditional write, atomic across directors). */
  joinTokens: JoinTokenStore;
  audit: AuditStore;
  /** The audit hash chains' heads, rows and checkpoints (for the writer's start and `audit verify`). */
  auditChain: AuditChainStore;
  totp: TotpSecretStore;
  auditRetention: AuditRetention;
  /** Logouts and sign-outs; with PostgreSQL shared by every director (each re-reads it every second). */
  revocations: RevocationStore;
  /**
   * Servers and sessions as rows. Not guarded: the fleet turns an unreachable store into 503 itself,
   * and keeps agents' last contact in memory meanwhile.
   */
  fleet: FleetStore;
  /** Login throttle failures (written behind; retried while the store is away). */
  throttle: ThrottleStore;
  /** Connection-token use counts (on PostgreSQL with a per-director fallback while it is away). */
  tokenUses: TokenUseStore;
  /** Session screenshots, one per session, shared by the directors (so one of them asks the agent). */
  thumbnails: ThumbnailStore;
  /** The access policy's versions: the newest is in force on every director. */
  policyVersions: PolicyVersionStore;
  /** Session shares: who an owner let into which session (the DCV verifier asks it for every invitee). */
  shares: ShareStore;
  /** API clients of the Session Manager API (their tokens are checked against the row on every request). */
  apiClients: ApiClientStore;
  /** Passkeys and the challenges of registrations and sign-ins in progress (any director finishes them). */
  passkeys: PasskeyStore;
  /** The Session Manager API's creates still placing, failed creates and deletes (describeSessions on any director). */
  sessionRequests: SessionRequestStore;
  /** Changes other directors must hear of (silent on the embedded store). */
  feed: ChangeFeed;
  /** False while PostgreSQL cannot be reached (always true on the embedded store). */
  available(): boolean;
  /** The PostgreSQL client, for features that need locks or notifications (absent on sqlite). */
  sql?: SQL;
  /**
   * A second, small PostgreSQL pool for locks held by a transaction while the holder works through
   * `sql` (placement): holders taking every connection of one pool would wait on themselves.
   */
  lockSql?: SQL;
  close(): Promise<void>;
}

export interface StoreSettings {
  /** "" = bun:sqlite in dataDir; "postgres://..." = PostgreSQL. */
  url: string;
  /** Password for PostgreSQL, from store_password_file or DCVIX_STORE_PASSWORD (never in the URL in config files). */
  password?: string;
  dataDir: string;
}

/**
 * Opens the configured store and builds every aggregate's store on it (the composition root's job:
 * store/ is infrastructure and knows none of them). PostgreSQL is migrated under an advisory lock before use.
 */
export async function openStores(settings: StoreSettings, log: Logger): Promise<DirectorStores> {
  if (!settings.url) {
    const path = join(settings.dataDir, 'agents.db');
    const db = openDatabase(path, log);
    const checkpointer = WalCheckpointer.start(db, path, log);
    return {
      kind: 'sqlite',
      agents: new SqliteAgentStore(db),
      joinTokens: createSqliteJoinTokenStore(db),
      audit: createSqliteAuditStore(db),
      auditChain: createSqliteChainStore(db),
      totp: createSqliteTotpStore(db),
      auditRetention: createSqliteAuditRetention(db),
      revocations: createSqliteRevocationStore(db),
      fleet: createSqliteFleetStore(db),
      throttle: createSqliteThrottleStore(db),
      tokenUses: createSqliteTokenUses(db),
      thumbnails: createSqliteThumbnailStore(db),
      policyVersions: createSqlitePolicyVersionStore(db),
      shares: createSqliteShareStore(db),
      apiClients: createSqliteApiClientStore(db),
      passkeys: createSqlitePasskeyStore(db),
      sessionRequests: createSqliteRequestStore(db),
      feed: silentFeed,
      available: () => true,
      close: async () => {
        await checkpointer.stop();
        db.close();
      },
    };
  }
  const sql = await connectPostgres(settings.url, settings.password);
  await migratePostgres(sql, log, undefined, () => liveDirectorSchemas(sql));
  log.info('store ready', { store: redactUrl(settings.url) });
  const feed = await postgresFeed(sql, log);
  const lockSql = await connectPostgres(settings.url, settings.password, { max: 8 });
  const monitor = new StoreMonitor(sql, log, () => feed.resync());
  monitor.start();
  const down = () => monitor.reportDown();
  return {
    kind: 'postgres',
    agents: guardStore(notifyingAgentStore(new PostgresAgentStore(sql), feed), down),
    joinTokens: guardStore(createPostgresJoinTokenStore(sql), down),
    audit: guardStore(createPostgresAuditStore(sql), down),
    auditChain: guardStore(createPostgresChainStore(sql), down),
    totp: guardStore(createPostgresTotpStore(sql), down),
    auditRetention: guardStore(createPostgresAuditRetention(sql), down),
    revocations: guardStore(createPostgresRevocationStore(sql), down),
    fleet: createPostgresFleetStore(sql),
    throttle: createPostgresThrottleStore(sql),
    tokenUses: createPostgresTokenUses(sql),
    thumbnails: guardStore(createPostgresThumbnailStore(sql), down),
    policyVersions: guardStore(createPostgresPolicyVersionStore(sql), down),
    shares: guardStore(createPostgresShareStore(sql), down),
    apiClients: guardStore(createPostgresApiClientStore(sql), down),
    passkeys: guardStore(createPostgresPasskeyStore(sql), down),
    sessionRequests: guardStore(createPostgresRequestStore(sql), down),
    sql,
    lockSql,
    feed,
    available: () => monitor.available,
    close: async () => {
      monitor.stop();
      await feed.close().catch((error: unknown) => log.debug('change feed did not close cleanly (closing anyway)', { error }));
      await lockSql.close();
      await sql.close();
    },
  };
}
