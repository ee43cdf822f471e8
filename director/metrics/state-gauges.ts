import type { Registry } from 'prom-client';
import Gauge from 'prom-client/lib/gauge.js';
import { parseCertPem } from '../ca/cert-info.ts';
import type { AgentService } from '../agents/service.ts';
import type { RuntimeState, ServerEntry } from '../servers/runtime-state.ts';

/** Where the scrape-time gauges read from. */
export interface StateGaugeSources {
  agents: Pick<AgentService, 'countByState' | 'soonestCertificateExpiry'>;
  state: RuntimeState;
  /** The `health` label of a server (healthy, unhealthy, offline). */
  serverHealth: (server: ServerEntry) => string;
  /** Health values reported even at zero, so every series exists from the first scrape. */
  healthValues: readonly string[];
  caCertPem: string;
  /** The certificate served now: it changes when SIGHUP reloads a replaced one. */
  directorCertPem: () => string;
}

/**
 * Gauges computed when scraped, each one pass over in-memory maps (servers, sessions) or one indexed
 * SQL aggregate (agents), never a per-series store query. Label values come from bounded sets: pool
 * names from the policy, session types, agent and health states.
 */
export function addStateGauges(registry: Registry, src: StateGaugeSources): void {
  const registers = [registry];
  new Gauge({
    name: 'dcvix_agents',
    help: 'Agent registrations by state',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(src.agents.countByState())) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'dcvix_servers',
    help: 'Known DCV servers by health',
    labelNames: ['health'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>(src.healthValues.map((health) => [health, 0]));
      for (const server of src.state.allServers()) {
        const health = src.serverHealth(server);
        counts.set(health, (counts.get(health) ?? 0) + 1);
      }
      for (const [health, count] of counts) this.set({ health }, count);
    },
  });
  new Gauge({
    name: 'dcvix_sessions',
    help: 'DCV sessions known to the director by pool (none: created on a server directly), type and state (confirmed: listed by an agent update; unconfirmed: created, not listed yet)',
    labelNames: ['pool', 'type', 'state'],
    registers,
    collect() {
      this.reset();
      // Per pool, four counters (type x state): no string building per session.
      const byPool = new Map<string, number[]>();
      for (const session of src.state.allSessions()) {
        const pool = session.pool ?? 'none';
        const counts = byPool.get(pool) ?? [0, 0, 0, 0];
        byPool.set(pool, counts);
        counts[(session.type === 'console' ? 0 : 2) + (session.state === 'running' ? 0 : 1)]!++;
      }
      for (const [pool, counts] of byPool) {
        counts.forEach((count, index) => {
          this.set({ pool, type: index < 2 ? 'console' : 'virtual', state: index % 2 ? 'unconfirmed' : 'confirmed' }, count);
        });
      }
    },
  });
  const caNotAfter = parseCertPem(src.caCertPem).notAfter.getTime() / 1000;
  let director = { pem: '', notAfter: 0 };
  new Gauge({
    name: 'dcvix_certificate_not_after_seconds',
    help: 'Expiry (unix seconds) of the CA, the director certificate and the soonest-expiring registered agent certificate',
    labelNames: ['certificate'],
    registers,
    collect() {
      const pem = src.directorCertPem();
      if (pem !== director.pem) director = { pem, notAfter: parseCertPem(pem).notAfter.getTime() / 1000 };
      this.reset();
      this.set({ certificate: 'ca' }, caNotAfter);
      this.set({ certificate: 'director' }, director.notAfter);
      const soonest = src.agents.soonestCertificateExpiry();
      if (soonest) this.set({ certificate: 'agent_soonest' }, soonest / 1000);
    },
  });
}
