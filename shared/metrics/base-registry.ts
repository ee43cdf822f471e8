import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Registry from 'prom-client/lib/registry.js';
import { ignoredErrorCounts } from '../ignored.ts';
import { COMMIT, VERSION } from '../version.ts';

/**
 * A registry of its own (never prom-client's global one, so two programs or test instances in one
 * process do not collide) with `dcvix_build_info{version,revision}` and the process metrics that
 * `addProcessMetrics` registers (the director: prom-client's full defaults; the agent: a light set),
 * and `dcvix_ignored_errors_total{site}`: errors deliberately let go (shared/ignored.ts), read at scrape.
 */
export function createBaseRegistry(addProcessMetrics: (registry: Registry) => void): Registry {
  const registry = new Registry();
  addProcessMetrics(registry);
  const buildInfo = new Gauge({
    name: 'dcvix_build_info',
    help: 'Always 1; the labels name the running version and source revision',
    labelNames: ['version', 'revision'],
    registers: [registry],
  });
  buildInfo.set({ version: VERSION, revision: COMMIT }, 1);
  new Counter({
    name: 'dcvix_ignored_errors_total',
    help: 'Errors deliberately not passed on (a best-effort clean-up, a refresh the next tick repeats, a malformed notice), by the site that let them go; each is also logged',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [site, count] of ignoredErrorCounts()) this.inc({ site }, count);
    },
  });
  return registry;
}

/** Seconds buckets for request-sized work: 1 ms to 30 s (agent calls time out at 30 s by default). */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The exposition answer for a scrape. */
export async function scrapeResponse(registry: Registry): Promise<Response> {
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
}
