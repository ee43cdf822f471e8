import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import { createBaseRegistry, DURATION_BUCKETS, scrapeResponse } from '../../shared/metrics/base-registry.ts';
import type { AgentMetrics } from './agent-metrics.ts';
import { addProcessMetrics } from './process-metrics.ts';

/**
 * The agent's metrics on prom-client (listed in docs/metrics.md) and the handler of its listener:
 * GET /metrics answers the exposition text, anything else 404.
 */
export function createPromAgentMetrics(certNotAfter: () => Date | undefined): Omit<AgentMetrics, 'stop'> & { handle: (request: Request) => Promise<Response> | Response } {
  const registry = createBaseRegistry(addProcessMetrics);
  const registers = [registry];
  const updates = new Counter({ name: 'dcvix_agent_updates_total', help: 'Updates sent to the director by outcome (success/failure)', labelNames: ['outcome'], registers });
  const dcvDuration = new Histogram({
    name: 'dcvix_agent_dcv_command_duration_seconds',
    help: 'Duration of dcv command-line invocations by command',
    labelNames: ['command'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const dcvFailures = new Counter({
    name: 'dcvix_agent_dcv_command_failures_total',
    help: 'Failed dcv invocations by command and reason (exit_status, DCV_TIMEOUT, DCV_UNAVAILABLE)',
    labelNames: ['command', 'reason'],
    registers,
  });
  const sessions = new Gauge({ name: 'dcvix_agent_sessions', help: 'DCV sessions on this host by type, as the last dcv list-sessions showed', labelNames: ['type'], registers });
  new Gauge({
    name: 'dcvix_agent_certificate_expiry_seconds',
    help: "Seconds until the agent certificate's not-after (negative once expired); absent before enrolment",
    registers,
    collect() {
      const notAfter = certNotAfter();
      this.reset();
      if (notAfter) this.set((notAfter.getTime() - Date.now()) / 1000);
    },
  });
  // Both outcomes from the start, so a rate() over failures exists before the first failure.
  updates.inc({ outcome: 'success' }, 0);
  updates.inc({ outcome: 'failure' }, 0);
  for (const type of ['console', 'virtual']) sessions.set({ type }, 0);

  return {
    updateSent: (ok) => updates.inc({ outcome: ok ? 'success' : 'failure' }),
    dcvCommand(command, seconds, failure) {
      dcvDuration.observe({ command }, seconds);
      if (failure) dcvFailures.inc({ command, reason: failure });
    },
    sessionsListed(list) {
      const counts: Record<string, number> = { console: 0, virtual: 0 };
      for (const session of list) counts[session.type] = (counts[session.type] ?? 0) + 1;
      for (const [type, count] of Object.entries(counts)) sessions.set({ type }, count);
    },
    handle: (request) => (new URL(request.url).pathname === '/metrics' && request.method === 'GET' ? scrapeResponse(registry) : new Response('not found\n', { status: 404 })),
  };
}
