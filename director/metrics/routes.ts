import { Elysia } from 'elysia';
import { forbidden } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { scrapeResponse } from '../../shared/metrics/base-registry.ts';
import { inAllowList } from '../net/cidr.ts';
import { errorAnswers } from '../http/models.ts';
import { MetricsAnswer } from './models.ts';
import { ignoredError } from '../../shared/ignored.ts';
import type { Logger } from '../../shared/log.ts';

export interface MetricsRouteDeps {
  /** metrics_allow: the addresses that may scrape. */
  allow: Parameters<typeof inAllowList>[1];
  registry: Parameters<typeof scrapeResponse>[0];
  /** Reads what the gauges show from the store before a scrape (agent counts). */
  refresh: () => Promise<unknown>;
  log: Logger;
}

/** GET /metrics: Prometheus metrics, only to the metrics_allow addresses. */
export const metricsRoutes = (deps: MetricsRouteDeps) =>
  new Elysia({ name: 'director.metrics' }).get(
    '/metrics',
    async ({ request }) => {
      if (!inAllowList(connectionInfo(request).remoteAddress, deps.allow)) throw forbidden('METRICS_NOT_ALLOWED', 'metrics are not served to this address');
      // Agent counts are read from the store before each scrape; unreachable: the last known ones.
      await deps.refresh().catch((error: unknown) => ignoredError(deps.log, 'metrics.refresh', 'agent counts not re-read; the last known ones are served', error));
      return scrapeResponse(deps.registry);
    },
    { response: { 200: MetricsAnswer, ...errorAnswers(403) }, detail: { summary: 'Prometheus metrics (metrics_allow CIDRs)' } },
  );
