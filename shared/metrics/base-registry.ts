import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { COMMIT, VERSION } from '../version.ts';

/**
 * prom-client's default metrics include three gauges named `*_total`, which `promtool check metrics`
 * rejects (only counters may end in _total); their per-type siblings without the suffix stay.
 */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * A registry of its own (never prom-client's global one, so two programs or test instances in one
 * process do not collide) with the default process metrics and `dcvix_build_info{version,revision}`.
 */
export function createBaseRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  const buildInfo = new Gauge({
    name: 'dcvix_build_info',
    help: 'Always 1; the labels name the running version and source revision',
    labelNames: ['version', 'revision'],
    registers: [registry],
  });
  buildInfo.set({ version: VERSION, revision: COMMIT }, 1);
  return registry;
}

/** Seconds buckets for request-sized work: 1 ms to 30 s (agent calls time out at 30 s by default). */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The exposition answer for a scrape. */
export async function scrapeResponse(registry: Registry): Promise<Response> {
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
}
