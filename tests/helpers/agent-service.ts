import type { Clock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { AgentService, type AgentServiceOptions } from '../../director/agents/service.ts';
import type { AgentStore } from '../../director/agents/store.ts';
import type { AuditLog } from '../../director/audit/types.ts';
import type { CertificateAuthority } from '../../director/ca/authority.ts';

/** An AgentService for unit tests: the defaults a director starts with, no fleet behind it. */
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
    ...overrides,
  });
}
