import type { SessionType } from '../../shared/api/agent-wire.ts';
import type { Logger } from '../../shared/log.ts';

/** What the agent reports to its metrics; every call is cheap and never throws. */
export interface AgentMetrics {
  /** One update sent to the director: taken (true) or failed (false). */
  updateSent(ok: boolean): void;
  /** One `dcv` invocation: its duration and, when it failed, why (exit_status, DCV_TIMEOUT, ...). */
  dcvCommand(command: string, seconds: number, failure?: string): void;
  /** The sessions the last `dcv list-sessions` showed. */
  sessionsListed(sessions: readonly { type: SessionType }[]): void;
  stop(): Promise<void>;
}

/** Metrics switched off (`metrics_enabled = false`): nothing recorded, prom-client never loaded. */
export const noAgentMetrics: AgentMetrics = {
  updateSent: () => {},
  dcvCommand: () => {},
  sessionsListed: () => {},
  stop: async () => {},
};

export interface AgentMetricsOptions {
  enabled: boolean;
  host: string;
  port: number;
  /** The certificate's not-after now (it changes on renewal), or undefined before enrolment. */
  certNotAfter: () => Date | undefined;
  log: Logger;
}

/**
 * Starts the agent's plain-HTTP metrics listener. prom-client is imported only here, when metrics are
 * on, so an agent with metrics off does not pay for it in memory. A listener that cannot bind (port
 * taken) is logged and the agent carries on: metrics must never stop DCV sessions from working.
 */
export async function startAgentMetrics(options: AgentMetricsOptions): Promise<AgentMetrics> {
  if (!options.enabled) return noAgentMetrics;
  const { createPromAgentMetrics } = await import('./prom-agent-metrics.ts');
  const metrics = createPromAgentMetrics(options.certNotAfter);
  let server: ReturnType<typeof Bun.serve> | undefined;
  try {
    server = Bun.serve({ hostname: options.host, port: options.port, fetch: metrics.handle });
    options.log.info('agent metrics listening', { host: options.host, port: server.port, url: `http://${options.host}:${server.port}/metrics` });
  } catch (error) {
    options.log.error('agent metrics listener failed; running without it', { host: options.host, port: options.port, error });
  }
  return {
    ...metrics,
    stop: async () => {
      await server?.stop(true);
    },
  };
}
