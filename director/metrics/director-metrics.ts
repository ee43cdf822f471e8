import type { Registry } from 'prom-client';
import Counter from 'prom-client/lib/counter.js';
import Histogram from 'prom-client/lib/histogram.js';
import { addDefaultMetrics } from './default-metrics.ts';
import { ApiError } from '../../shared/errors.ts';
import { createBaseRegistry, DURATION_BUCKETS } from '../../shared/metrics/base-registry.ts';
import type { AuditSpoolCounters } from '../audit/spooling-log.ts';
import type { AuditEvent, PagedAuditLog } from '../audit/types.ts';
import type { DcvOutcome } from '../dcv/outcome.ts';
import { addStateGauges, type StateGaugeSources } from './state-gauges.ts';

/** What session placement reports: pool placements by outcome, failed creates on hosts by reason. */
export interface PlacementMetrics {
  /** Times a pool placement by outcome: placed, reconnected, refused (the user's error, 4xx) or failed. */
  track<T extends { reconnected: boolean }>(placing: Promise<T>): Promise<T>;
  /** Counts one create that failed on a host, by health reason (DCV_TIMEOUT, LICENSES_EXHAUSTED, ...). */
  placementFailed(reason: string): void;
}

/**
 * The director's metrics on prom-client: request durations by route template, logins, verifier and
 * resolver outcomes, placement, and gauges read at scrape time from the live state (state-gauges.ts).
 * Every metric is listed in docs/metrics.md.
 */
export function createDirectorMetrics() {
  const registry: Registry = createBaseRegistry(addDefaultMetrics);
  const registers = [registry];
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const requests = new Counter({ name: 'dcvix_http_requests_total', help: 'HTTP requests by route template, method and status', labelNames: ['route', 'method', 'status'], registers });
  const logins = new Counter({ name: 'dcvix_logins_total', help: 'Login attempts by outcome and backend', labelNames: ['outcome', 'backend'], registers });
  const policyReloads = new Counter({ name: 'dcvix_policy_reloads_total', help: 'Policy reloads (SIGHUP) by outcome', labelNames: ['outcome'], registers });
  const verifier = new Counter({ name: 'dcvix_verifier_requests_total', help: 'DCV auth-token verifications by result (yes/no) and reason', labelNames: ['result', 'reason'], registers });
  const resolver = new Counter({
    name: 'dcvix_resolver_requests_total',
    help: 'DCV Connection Gateway session resolutions by result (yes/no) and reason',
    labelNames: ['result', 'reason'],
    registers,
  });
  const placementDuration = new Histogram({
    name: 'dcvix_placement_duration_seconds',
    help: 'Pool placement duration (choice plus the agent creating the session) by outcome',
    labelNames: ['outcome'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const skippedUpdateItems = new Counter({
    name: 'dcvix_agent_update_items_skipped_total',
    help: 'Sessions, tags, GPUs and host facts left out of agent updates because they were malformed',
    labelNames: ['kind'],
    registers,
  });
  const localTokenUses = new Counter({
    name: 'dcvix_connection_token_uses_local_total',
    help: 'Connection-token uses counted on this director only because the shared store was unreachable',
    registers,
  });
  const auditSpooled = new Counter({ name: 'dcvix_audit_events_spooled_total', help: 'Audit events written to the local spool file because the store was unreachable', registers });
  const auditReplayed = new Counter({ name: 'dcvix_audit_events_replayed_total', help: 'Spooled audit events replayed into the store', registers });
  const auditDropped = new Counter({ name: 'dcvix_audit_events_dropped_total', help: 'Audit events that could not be stored, by reason', labelNames: ['reason'], registers });
  const smCreateFailures = new Counter({
    name: 'dcvix_session_manager_create_failures_total',
    help: 'createSessions items answered CREATING whose placement then failed (describeSessions shows them DELETED with the reason)',
    registers,
  });
  const placementFailures = new Counter({
    name: 'dcvix_placement_failures_total',
    help: 'Session creates that failed on a host for a host-side reason, by health reason',
    labelNames: ['reason'],
    registers,
  });

  const placement: PlacementMetrics = {
    placementFailed: (reason) => placementFailures.inc({ reason }),
    async track(placing) {
      const stop = placementDuration.startTimer();
      try {
        const result = await placing;
        stop({ outcome: result.reconnected ? 'reconnected' : 'placed' });
        return result;
      } catch (err) {
        // A refused request (no such pool, not permitted) is the user's, not a placement failure.
        stop({ outcome: err instanceof ApiError && err.status < 500 ? 'refused' : 'failed' });
        throw err;
      }
    },
  };

  const auditSpool: AuditSpoolCounters = {
    spooled: (count) => auditSpooled.inc(count),
    replayed: (count) => auditReplayed.inc(count),
    dropped: (reason, count) => auditDropped.inc({ reason }, count),
  };

  return {
    registry,
    /** One finished request (request-log.ts). */
    observeRequest(route: string, method: string, status: number, seconds: number): void {
      const labels = { route, method, status: String(status) };
      requestDuration.observe(labels, seconds);
      requests.inc(labels);
    },
    dcvOutcome: ((endpoint, result, reason) => (endpoint === 'verifier' ? verifier : resolver).inc({ result, reason })) as DcvOutcome,
    placement,
    countLocalTokenUse: () => localTokenUses.inc(),
    countSessionManagerCreateFailure: () => smCreateFailures.inc(),
    auditSpool,
    countSkippedUpdateItems(items: { kind: string }[]): void {
      for (const item of items) skippedUpdateItems.inc({ kind: item.kind });
    },
    /** Wraps the audit log so login events are counted as they are recorded. */
    countingAudit(audit: PagedAuditLog): PagedAuditLog {
      return {
        record(event: AuditEvent) {
          if (event.type === 'login') logins.inc({ outcome: event.outcome, backend: event.backend ?? 'none' });
          if (event.type === 'policy.reload') policyReloads.inc({ outcome: event.outcome });
          audit.record(event);
        },
        list: (f) => audit.list(f),
        page: (f) => audit.page(f),
      };
    },
    /** Gauges read at scrape time from the live services. */
    addStateGauges: (sources: StateGaugeSources) => addStateGauges(registry, sources),
  };
}
