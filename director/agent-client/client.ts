import type { ConfigEntry, CreateSessionRequest, DcvSession } from '../../shared/api/agent-wire.ts';
import { ApiError } from '../../shared/errors.ts';
import { agentCn } from '../../shared/pki/names.ts';
import type { ServerEntry } from '../servers/runtime-state.ts';
import { currentRequestId } from '../../shared/http/request-context.ts';

const requestIdHeader = (): Record<string, string> => {
  const id = currentRequestId();
  return id ? { 'x-request-id': id } : {};
};

export interface AgentClientOptions {
  certPem: string;
  keyPem: string;
  caPem: string;
  timeoutMs: number;
}

/**
 * Director -> agent calls over mTLS. The director presents its own certificate and accepts only the
 * agent it meant to reach: a certificate from our CA whose CN is dcvix-agent-{that server's GUID}
 * (agents are reached by address, so a host-name check would prove nothing).
 */
export class AgentClient {
  constructor(private readonly o: AgentClientOptions) {}

  /** `timeoutMs` shortens the call below agent_request_timeout (placement's overall deadline). */
  createSession(server: ServerEntry, req: CreateSessionRequest, opts: { timeoutMs?: number } = {}): Promise<{ session: DcvSession }> {
    return this.call(server, 'POST', '/v1/sessions', req, opts.timeoutMs);
  }

  closeSession(server: ServerEntry, sessionId: string): Promise<unknown> {
    return this.call(server, 'DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`);
  }

  setConfig(server: ServerEntry, config: ConfigEntry[]): Promise<unknown> {
    return this.call(server, 'POST', '/v1/config', { config });
  }

  listSessions(server: ServerEntry): Promise<{ sessions: DcvSession[] }> {
    return this.call(server, 'GET', '/v1/sessions');
  }

  private async call<T>(server: ServerEntry, method: string, path: string, body?: unknown, timeoutMs = this.o.timeoutMs): Promise<T> {
    const host = server.address.includes(':') ? `[${server.address}]` : server.address;
    const expected = agentCn(server.guid);
    const limit = Math.max(1, Math.min(timeoutMs, this.o.timeoutMs));
    let res: Response;
    try {
      res = await fetch(`https://${host}:${server.agentPort}${path}`, {
        method,
        // The agent logs under the same id: one id traces a create through both logs.
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...requestIdHeader() },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(limit),
        tls: {
          ca: this.o.caPem,
          cert: this.o.certPem,
          key: this.o.keyPem,
          rejectUnauthorized: true,
          checkServerIdentity: (_host: string, cert: { subject?: { CN?: string } }) =>
            cert?.subject?.CN === expected ? undefined : new Error(`agent certificate is not ${expected}`),
        },
      } as RequestInit);
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      const why = timedOut ? `did not answer within ${limit} ms` : `is unreachable: ${(err as Error).message}`;
      throw new ApiError(502, 'AGENT_UNREACHABLE', `agent on ${server.id} ${why}`);
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(502, 'AGENT_BAD_RESPONSE', `agent on ${server.id} answered something that is not JSON`);
    }
    if (!res.ok) {
      // Pass the agent's own code on (DCV_FAILED carries dcv's text, e.g. "All licenses in use").
      const status = res.status >= 500 ? 502 : res.status;
      throw new ApiError(status, json?.error?.code ?? 'AGENT_ERROR', json?.error?.message ?? `agent answered ${res.status}`);
    }
    return json as T;
  }
}
