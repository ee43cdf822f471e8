import { Elysia } from 'elysia';
import { isSessionId, parseConfigRequest, parseCreateSessionRequest, toWireSession, type DcvSession } from '../../shared/api/agent-wire.ts';
import { badRequest, forbidden, notFound, unauthorized } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { DIRECTOR_CN } from '../../shared/pki/names.ts';
import type { DcvClient } from '../dcv/commands.ts';
import type { AgentStats } from '../../shared/api/agent-wire.ts';

/** Whether the request came over a connection whose client certificate is the director's (from our CA, CN dcvix-director). */
export function fromDirector(request: Request): boolean {
  const { peer } = connectionInfo(request);
  return peer.authorized && peer.subjectCn === DIRECTOR_CN;
}

/** Only the director may call: a certificate from our CA (checked in TLS) whose CN is dcvix-director. */
export const requireDirector = new Elysia({ name: 'agent.guard.director' }).resolve({ as: 'scoped' }, ({ request }) => {
  const { peer } = connectionInfo(request);
  if (!peer.raw) throw unauthorized('CLIENT_CERT_REQUIRED', 'this route requires the director client certificate');
  if (!peer.authorized) throw unauthorized('CLIENT_CERT_UNTRUSTED', 'client certificate is not from the director CA');
  if (peer.subjectCn !== DIRECTOR_CN) throw forbidden('NOT_DIRECTOR', 'only the director may call the agent');
  return { caller: DIRECTOR_CN };
});

export interface AgentApiDeps {
  dcv: DcvClient;
  stats: () => Promise<AgentStats>;
  /** After a session changes, push an update to the director at once. */
  onSessionsChanged: () => void;
}

const parseJson = (body: unknown): unknown => {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
};

/**
 * The create answer: `sessionID` (what a Go dcvix director reads; it decodes the body as a map of
 * strings, so every value here is a string and nothing is nested) plus the session's string facts.
 */
function createAnswer(s: DcvSession): Record<string, string> {
  const wire = toWireSession(s);
  const out: Record<string, string> = { sessionID: s.id, id: s.id, owner: s.owner, type: s.type };
  if (wire.status) out.status = wire.status;
  if (wire['creation-time']) out['creation-time'] = wire['creation-time'];
  return out;
}

/**
 * The agent's API on 8446 (docs/api.md): health without a certificate, the rest mTLS director-only.
 * Answers follow the wire both directors read: create is 201 with a flat string map, the list is a bare
 * kebab-case array, close is 200 with an empty body.
 */
export const agentApi = (d: AgentApiDeps) =>
  new Elysia({ name: 'agent.api', prefix: '/v1' })
    .get('/health', () => ({ status: 'ok' }))
    .use(requireDirector)
    .get('/sessions', async () => (await d.dcv.listSessions()).map(toWireSession))
    .post(
      '/sessions',
      async ({ body, set }) => {
        const req = parseCreateSessionRequest(parseJson(body));
        await d.dcv.createSession({ id: req.sessionId, owner: req.userId, type: req.sessionType });
        const session = (await d.dcv.listSessions()).find((s) => s.id === req.sessionId);
        d.onSessionsChanged();
        set.status = 201;
        return createAnswer(session ?? { id: req.sessionId, owner: req.userId, type: req.sessionType, numOfConnections: 0 });
      },
      { parse: 'text' },
    )
    .delete('/sessions/:id', async ({ params }) => {
      if (!isSessionId(params.id)) throw badRequest('INVALID_SESSION_ID', 'invalid session id');
      if (!(await d.dcv.listSessions()).some((s) => s.id === params.id)) throw notFound('SESSION_NOT_FOUND', 'no such session on this host');
      await d.dcv.closeSession(params.id);
      d.onSessionsChanged();
      return new Response(null, { status: 200 });
    })
    .post(
      '/config',
      async ({ body }) => {
        const req = parseConfigRequest(parseJson(body));
        for (const e of req.config) await d.dcv.setConfig(e.section, e.key, e.value);
        return { ok: true, applied: req.config.length };
      },
      { parse: 'text' },
    )
    .get('/stats', async () => {
      const [stats, sessions] = await Promise.all([d.stats(), d.dcv.listSessions().catch(() => [])]);
      return { stats, sessions: sessions.map(toWireSession) };
    });
