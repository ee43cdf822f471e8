import type { ConfigBody, CreateSessionBody, SetPermissionsBody } from '../../shared/api/agent-api.ts';
import type { DcvSession } from '../../shared/api/agent-wire.ts';
import type { ScreenshotSize } from '../../shared/api/screenshot.ts';
import { ApiError } from '../../shared/errors.ts';
import { AgentTimeoutError } from './agent-timeout.ts';
import { agentCn } from '../../shared/pki/names.ts';
import type { ServerEntry } from '../servers/runtime-state.ts';
import { currentRequestId } from '../../shared/http/request-context.ts';
import { agentError, readCreateAnswer, readSessionList } from './answers.ts';
import { readScreenshotAnswer } from './screenshot-answer.ts';

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

/** A raw agent answer: status and body text, read before any parsing (and the bytes, when asked for). */
interface RawAnswer {
  status: number;
  text: string;
  contentType: string;
  bytes?: Uint8Array<ArrayBuffer>;
}

/**
 * Director -> agent calls over mTLS. The director presents its own certificate and accepts only the
 * agent it meant to reach: a certificate from our CA whose CN is dcvix-agent-{that server's GUID}
 * (agents are reached by address, so a host-name check would prove nothing).
 *
 * Both kinds of agent are understood: ours (200, `{session}`, `{sessions}`, JSON error envelope) and the
 * public Go dcvix agent (201 `{"sessionID"}`, a bare kebab-case array, empty 200 on close, text errors).
 * The status is always checked before the body is parsed.
 */
export class AgentClient {
  constructor(private readonly o: AgentClientOptions) {}

  /**
   * Asks the agent to create a session. The answer's id wins: a Go agent may hand back an existing
   * session of that owner and type instead of the id asked for. `timeoutMs` shortens the call below
   * agent_request_timeout (placement's overall deadline).
   */
  async createSession(server: ServerEntry, req: CreateSessionBody, opts: { timeoutMs?: number } = {}): Promise<{ session: DcvSession }> {
    const res = await this.call(server, 'POST', '/v1/sessions', req, opts.timeoutMs);
    if (res.status !== 200 && res.status !== 201) throw agentError(server.id, res.status, res.text);
    return { session: readCreateAnswer(server.id, res.text, req) };
  }

  /** Closes a session; "already gone" (404, or a dcv error saying so) becomes SESSION_NOT_FOUND. */
  async closeSession(server: ServerEntry, sessionId: string): Promise<void> {
    const res = await this.call(server, 'DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`);
    if (res.status < 200 || res.status > 299) throw agentError(server.id, res.status, res.text);
  }

  /** Replaces a session's DCV permissions with `permissions`, a whole permissions file (PUT /v1/sessions/{id}/permissions). */
  async setPermissions(server: ServerEntry, sessionId: string, permissions: string): Promise<void> {
    const body: SetPermissionsBody = { permissions };
    const res = await this.call(server, 'PUT', `/v1/sessions/${encodeURIComponent(sessionId)}/permissions`, body);
    if (res.status < 200 || res.status > 299) throw agentError(server.id, res.status, res.text);
  }

  async setConfig(server: ServerEntry, config: ConfigBody['config']): Promise<void> {
    const body: ConfigBody = { config };
    const res = await this.call(server, 'POST', '/v1/config', body);
    if (res.status < 200 || res.status > 299) throw agentError(server.id, res.status, res.text);
  }

  /** The agent's sessions (bare array or `{sessions}`, either key form); malformed entries are left out. */
  async listSessions(server: ServerEntry): Promise<{ sessions: DcvSession[]; skipped: number }> {
    const res = await this.call(server, 'GET', '/v1/sessions');
    if (res.status !== 200) throw agentError(server.id, res.status, res.text);
    return readSessionList(server.id, res.text);
  }

  /**
   * A PNG screenshot of a session (`GET /v1/sessions/{id}/screenshot` on the agent).
   * @throws ApiError 404 SESSION_NOT_FOUND | 502 AGENT_ERROR (an agent without screenshots) | 502 AGENT_BAD_RESPONSE | dcv's errors
   */
  async screenshot(server: ServerEntry, sessionId: string, size: ScreenshotSize): Promise<Uint8Array<ArrayBuffer>> {
    const query = `maxWidth=${size.width}&maxHeight=${size.height}`;
    const res = await this.call(server, 'GET', `/v1/sessions/${encodeURIComponent(sessionId)}/screenshot?${query}`, undefined, undefined, true);
    return readScreenshotAnswer(server.id, res);
  }

  private async call(server: ServerEntry, method: string, path: string, body?: unknown, timeoutMs = this.o.timeoutMs, binary = false): Promise<RawAnswer> {
    const host = server.address.includes(':') ? `[${server.address}]` : server.address;
    const expected = agentCn(server.guid);
    const limit = Math.max(1, Math.min(timeoutMs, this.o.timeoutMs));
    try {
      const res = await fetch(`https://${host}:${server.agentPort}${path}`, {
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
          checkServerIdentity: (_host: string, cert: { subject?: { CN?: string } }) => (cert?.subject?.CN === expected ? undefined : new Error(`agent certificate is not ${expected}`)),
        },
      } as RequestInit);
      const contentType = res.headers.get('content-type') ?? '';
      if (!binary || res.status !== 200) return { status: res.status, text: await res.text(), contentType };
      return { status: res.status, text: '', contentType, bytes: new Uint8Array(await res.arrayBuffer()) };
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new AgentTimeoutError(server.id, limit);
      throw new ApiError(502, 'AGENT_UNREACHABLE', `agent on ${server.id} is unreachable: ${(err as Error).message}`);
    }
  }
}
