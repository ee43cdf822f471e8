import type { AgentService } from '../agents/service.ts';
import type { AuditEvent, AuditLog } from '../audit/types.ts';
import type { CertificateAuthority } from '../ca/authority.ts';
import type { RuntimeState } from '../servers/runtime-state.ts';
import { parseCertPem } from '../../shared/pki/cert-info.ts';
import { MetricsRegistry } from './registry.ts';

/**
 * The director's metrics: requests by route and status, agents by state, servers and sessions,
 * login outcomes, placement failures by reason, and certificate expiry (CA, director, soonest agent).
 */
export function createDirectorMetrics() {
  const registry = new MetricsRegistry();
  const requests = registry.counter('dcvix_http_requests_total', 'HTTP requests by route, method and status');
  const logins = registry.counter('dcvix_logins_total', 'Login attempts by outcome and backend');
  const policyReloads = registry.counter('dcvix_policy_reloads_total', 'Policy reloads (SIGHUP) by outcome');
  const placementFailures = registry.counter('dcvix_placement_failures_total', 'Session creates that failed on a host for a host-side reason, by health reason');
  return {
    registry,
    countRequest: (route: string, method: string, status: number) => requests.inc({ route, method, status: String(status) }),
    countPlacementFailure: (reason: string) => placementFailures.inc({ reason }),
    /** Wraps the audit log so login events are counted as they are recorded. */
    countingAudit(audit: AuditLog): AuditLog {
      return {
        record(e: AuditEvent) {
          if (e.type === 'login') logins.inc({ outcome: e.outcome, backend: e.backend ?? 'none' });
          if (e.type === 'policy.reload') policyReloads.inc({ outcome: e.outcome });
          audit.record(e);
        },
        list: (f) => audit.list(f),
      };
    },
    /** Gauges read at scrape time from the live services. */
    addStateGauges: (d: { agents: AgentService; state: RuntimeState; ca: CertificateAuthority; offlineAfterMs: number }) => addStateGauges(registry, d),
  };
}

function addStateGauges(registry: MetricsRegistry, d: { agents: AgentService; state: RuntimeState; ca: CertificateAuthority; offlineAfterMs: number }): void {
  registry.gauge('dcvix_agents', 'Agent registrations by state', () =>
    Object.entries(d.agents.countByState()).map(([state, value]) => ({ labels: { state }, value })),
  );
  registry.gauge('dcvix_servers', 'Known DCV servers by liveness', () => {
    let online = 0;
    let offline = 0;
    for (const s of d.state.allServers()) d.state.isOnline(s, d.offlineAfterMs) ? online++ : offline++;
    return [{ labels: { state: 'online' }, value: online }, { labels: { state: 'offline' }, value: offline }];
  });
  registry.gauge('dcvix_sessions', 'DCV sessions known to the director', () => [{ value: d.state.counts().sessions }]);
  const caNotAfter = d.ca.ca.notAfter.getTime() / 1000;
  const serverNotAfter = parseCertPem(d.ca.serverCertPem).notAfter.getTime() / 1000;
  registry.gauge('dcvix_certificate_not_after_seconds', 'Expiry (unix seconds) of the CA, the director certificate and the soonest-expiring registered agent certificate', () => {
    const soonest = d.agents.soonestCertificateExpiry();
    return [
      { labels: { certificate: 'ca' }, value: caNotAfter },
      { labels: { certificate: 'director' }, value: serverNotAfter },
      ...(soonest ? [{ labels: { certificate: 'agent_soonest' }, value: soonest / 1000 }] : []),
    ];
  });
}
