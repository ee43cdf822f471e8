import type { Clock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { AgentService, type AgentServiceOptions } from '../../director/agents/service.ts';
import type { AgentStore } from '../../director/agents/store.ts';
import type { AuditLog } from '../../director/audit/types.ts';
import type { CertificateAuthority } from '../../director/ca/authority.ts';
import { createSqliteJoinTokenStore } from '../../director/agents/join-token-store.ts';
import { JoinTokens } from '../../director/agents/join-tokens.ts';
import { openDatabase } from '../../director/store/db.ts';

/** An AgentService for unit tests: the defaults a director starts with, no fleet behind it (join tokens in a database of their own). */
export function testAgentService(store: AgentStore, ca: CertificateAuthority, clock: Clock, audit: AuditLog, overrides: Partial<AgentServiceOptions> = {}): AgentService {
  return new AgentService({
    store,
    ca,
    clock,
    audit,
    log: silentLogger,
    maxPending: 1000,
    reissueToKnownKey: false,
    onRevoked: async () => {},
    liveSessions: () => 0,
    admitNewRegistration: () => {},
    joinTokens: new JoinTokens({ store: createSqliteJoinTokenStore(openDatabase(':memory:')), clock, audit, log: silentLogger }),
    ...overrides,
  });
}
