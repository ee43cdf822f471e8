import type { Registry } from 'prom-client';
import collectDefaultMetrics from 'prom-client/lib/defaultMetrics.js';

/**
 * prom-client's default metrics include three gauges named `*_total`, which `promtool check metrics`
 * rejects (only counters may end in _total); their per-type siblings without the suffix stay.
 */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** prom-client's default process and runtime metrics, minus the three that fail promtool's lint. */
export function addDefaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
}
