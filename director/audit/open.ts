import { join } from 'node:path';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { createAuditLog } from './log.ts';
import { AUDIT_SPOOL_FILE, AuditSpool } from './spool-file.ts';
import { createSpoolingAuditLog, type AuditSpoolCounters } from './spooling-log.ts';
import type { AuditStore, PagedAuditLog } from './types.ts';

/**
 * The audit log on the configured store. PostgreSQL can be away: events then wait in a spool file in
 * data_dir until it is back (spooling-log.ts). The embedded database is always there: events recorded
 * in one turn of the event loop are written together right after it (log.ts). `close` at stop stores
 * (or spools) what is still in memory.
 */
export function openAuditLog(deps: { store: AuditStore; kind: 'sqlite' | 'postgres'; available: () => boolean; dataDir: string; clock: Clock; log: Logger; counters?: AuditSpoolCounters }): {
  audit: PagedAuditLog;
  close(): Promise<void>;
} {
  if (deps.kind === 'sqlite') {
    const audit = createAuditLog(deps.store, deps.clock, (error) => deps.log.error('audit write failed', { error }));
    return { audit, close: () => audit.flush() };
  }
  const audit = createSpoolingAuditLog({
    store: deps.store,
    spool: new AuditSpool(join(deps.dataDir, AUDIT_SPOOL_FILE)),
    clock: deps.clock,
    log: deps.log,
    isAvailable: deps.available,
    counters: deps.counters,
  });
  return { audit, close: () => audit.close() };
}
