import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../shared/clock.ts';
import { writeFileAtomic } from '../../shared/fs-atomic.ts';
import type { Logger } from '../../shared/log.ts';
import { AuditChain, CHAIN_START } from './chain.ts';
import type { AuditChainStore } from './chain-store.ts';
import type { AuditExport } from './export-record.ts';
import { createAuditLog, type AuditStamp } from './log.ts';
import { AUDIT_SPOOL_FILE, AuditSpool } from './spool-file.ts';
import { createSpoolingAuditLog, type AuditSpoolCounters } from './spooling-log.ts';
import type { AuditStore, PagedAuditLog } from './types.ts';

/** The file in data_dir naming this director's hash chain (kept across restarts, and in backups). */
export const AUDIT_CHAIN_FILE = 'audit-chain';

/**
 * The audit log on the configured store. PostgreSQL can be away: events then wait in a spool file in
 * data_dir until it is back (spooling-log.ts). The embedded database is always there: events recorded
 * in one turn of the event loop are written together right after it (log.ts). Each event is linked
 * into this director's hash chain as it is recorded and then sent to the exports. `close` at stop
 * stores (or spools) what is still in memory and closes the exports.
 */
export async function openAuditLog(deps: {
  store: AuditStore;
  chainStore: AuditChainStore;
  exports: AuditExport[];
  kind: 'sqlite' | 'postgres';
  available: () => boolean;
  dataDir: string;
  clock: Clock;
  log: Logger;
  counters?: AuditSpoolCounters;
}): Promise<{ audit: PagedAuditLog; close(): Promise<void> }> {
  const spool = deps.kind === 'postgres' ? new AuditSpool(join(deps.dataDir, AUDIT_SPOOL_FILE)) : undefined;
  const name = chainName(deps.dataDir);
  // Spooled events are newer than any stored one: the chain goes on from the last of them.
  const head = (spool && lastSpooledHash(spool, name)) ?? (await deps.chainStore.head(name)) ?? CHAIN_START;
  const chain = new AuditChain(name, head);
  const stamp: AuditStamp = (event) => {
    const linked = chain.link(event);
    for (const target of deps.exports) target.send(linked);
    return linked;
  };
  const closeExports = () => Promise.all(deps.exports.map((target) => target.close())).then(() => {});
  if (!spool) {
    const audit = createAuditLog(deps.store, deps.clock, (error) => deps.log.error('audit write failed', { error }), stamp);
    return { audit, close: () => audit.flush().then(closeExports) };
  }
  const audit = createSpoolingAuditLog({ store: deps.store, spool, clock: deps.clock, log: deps.log, isAvailable: deps.available, counters: deps.counters, stamp });
  return { audit, close: () => audit.close().then(closeExports) };
}

/** This director's chain name: made once (host name and a random suffix) and kept in data_dir. */
function chainName(dataDir: string): string {
  const file = join(dataDir, AUDIT_CHAIN_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const name = `${hostname()}-${crypto.randomUUID().slice(0, 8)}`;
  writeFileAtomic(file, `${name}\n`, 0o644);
  return name;
}

function lastSpooledHash(spool: AuditSpool, chain: string): string | undefined {
  let hash: string | undefined;
  for (let offset = 0; ; ) {
    const chunk = spool.read(offset, 1000);
    if (chunk.next === offset) return hash;
    for (const event of chunk.events) if (event.chain === chain && event.hash) hash = event.hash;
    offset = chunk.next;
  }
}
