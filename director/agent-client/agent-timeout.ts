import { ApiError } from '../../shared/errors.ts';

/**
 * The director stopped waiting for an agent after `limitMs`: AGENT_UNREACHABLE on the wire. Placement
 * tells a time-out at the full agent_request_timeout from one its own deadline cut short.
 */
export class AgentTimeoutError extends ApiError {
  constructor(serverId: string, readonly limitMs: number) {
    super(502, 'AGENT_UNREACHABLE', `agent on ${serverId} did not answer within ${limitMs} ms`);
  }
}
