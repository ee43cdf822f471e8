import { Elysia } from 'elysia';
import {
  AgentHealthAnswer,
  AgentStatsAnswer,
  ConfigAnswer,
  ConfigBody,
  configEntries,
  CreateSessionAnswer,
  CreateSessionBody,
  SessionList,
  SessionParams,
  SetPermissionsAnswer,
  SetPermissionsBody,
} from '../../shared/api/agent-api.ts';
import type { AgentStats } from '../../shared/api/agent-wire.ts';
import { ScreenshotQuery, screenshotSize } from '../../shared/api/screenshot.ts';
import { toWireSession } from '../../shared/api/wire-session.ts';
import { badRequest, forbidden, notFound, unauthorized } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { parseJsonSafely } from '../../shared/http/safe-json.ts';
import { DIRECTOR_CN } from '../../shared/pki/names.ts';
import { DcvError, type DcvClient } from '../dcv/commands.ts';
import { withPermissionsFile } from '../dcv/permissions-file.ts';
import { ignoredError } from '../../shared/ignored.ts';
import type { Logger } from '../../shared/log.ts';

/** Whether the request came over a connection whose client certificate is the director's (from our CA, CN dcvix-director). */
export function fromDirector(request: Request): boolean {
  const { peer } = connectionInfo(request);
  return peer.authorized && peer.subjectCn === DIRECTOR_CN;
}

/**
 * Only the director may call: a certificate from our CA (checked in TLS) whose CN is dcvix-director.
 * It derives (transform stage), so it speaks before the route's models: a stranger learns nothing
 * about what a body should be.
 */
const requireDirector = new Elysia({ name: 'agent.guard.director' }).derive({ as: 'scoped' }, ({ request }) => {
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
  log: Logger;
}

/**
 * A body as JSON whatever its Content-Type label. Only the director's bodies are read: anyone else's is
 * left unread for the guard to refuse (401/403), so a stranger learns nothing of what a body should be.
 * A body that is not a JSON object is 400 INVALID_BODY (Elysia would read a string or a list as `{}`);
 * keys that trap a printing validator are dropped.
 */
async function directorJson({ request }: { request: Request }): Promise<unknown> {
  if (!fromDirector(request)) return {};
  let value: unknown;
  try {
    value = parseJsonSafely(await request.text());
  } catch {
    throw badRequest('INVALID_BODY', 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('INVALID_BODY', 'request body must be a JSON object');
  return value;
}

/** The create answer: the session's id under `sessionID` (and `id`), its owner and type. */
function createAnswer(body: CreateSessionBody): CreateSessionAnswer {
  return { sessionID: body.sessionId, id: body.sessionId, owner: body.userId, type: body.sessionType };
}

/**
 * The agent's API on 8446 (docs/api.md), each body and answer by its model: health without a
 * certificate, the rest mTLS director-only.
 */
export const agentApi = (d: AgentApiDeps) =>
  new Elysia({ name: 'agent.api', prefix: '/v1' })
    .get('/health', () => ({ status: 'ok' as const }), { response: { 200: AgentHealthAnswer } })
    .use(requireDirector)
    .get('/sessions', async () => (await d.dcv.listSessions()).map(toWireSession), { response: { 200: SessionList } })
    .post(
      '/sessions',
      async ({ body, set }) => {
        const { name, init, storageRoot, gl, maxConcurrentClients, permissions } = body;
        const options = { id: body.sessionId, owner: body.userId, type: body.sessionType, name, init, storageRoot, gl, maxConcurrentClients };
        if (permissions === undefined) await d.dcv.createSession(options);
        else await withPermissionsFile(permissions, (permissionsFile) => d.dcv.createSession({ ...options, permissionsFile }));
        // No list-sessions to describe it: a second dcv run would double the create's time, and the
        // director needs only the id; the update sent now (onSessionsChanged) carries its status.
        d.onSessionsChanged();
        set.status = 201;
        return createAnswer(body);
      },
      { parse: directorJson, body: CreateSessionBody, response: { 201: CreateSessionAnswer } },
    )
    .delete(
      '/sessions/:id',
      async ({ params }) => {
        if (!(await d.dcv.listSessions()).some((s) => s.id === params.id)) throw notFound('SESSION_NOT_FOUND', 'no such session on this host');
        await d.dcv.closeSession(params.id);
        d.onSessionsChanged();
        return new Response(null, { status: 200 });
      },
      { params: SessionParams },
    )
    .get(
      '/sessions/:id/screenshot',
      async ({ params, query }) => {
        const size = screenshotSize(query);
        let png: Uint8Array<ArrayBuffer>;
        try {
          png = await d.dcv.getScreenshot(params.id, size);
        } catch (err) {
          // dcv's words for a missing session are not documented: the list says whether it exists.
          if (err instanceof DcvError && !(await d.dcv.listSessions()).some((s) => s.id === params.id)) throw notFound('SESSION_NOT_FOUND', 'no such session on this host');
          throw err;
        }
        return new Response(png, { headers: { 'content-type': 'image/png', 'cache-control': 'no-store' } });
      },
      { params: SessionParams, query: ScreenshotQuery },
    )
    .put(
      '/sessions/:id/permissions',
      async ({ params, body }) => {
        if (!(await d.dcv.listSessions()).some((s) => s.id === params.id)) throw notFound('SESSION_NOT_FOUND', 'no such session on this host');
        await withPermissionsFile(body.permissions, (file) => d.dcv.setPermissions(params.id, file));
        return { ok: true as const };
      },
      { parse: directorJson, params: SessionParams, body: SetPermissionsBody, response: { 200: SetPermissionsAnswer } },
    )
    .post(
      '/config',
      async ({ body }) => {
        const entries = configEntries(body);
        for (const entry of entries) await d.dcv.setConfig(entry.section, entry.key, entry.value);
        return { ok: true as const, applied: entries.length };
      },
      { parse: directorJson, body: ConfigBody, response: { 200: ConfigAnswer } },
    )
    .get(
      '/stats',
      async () => {
        // The figures are still worth having when dcv fails: its sessions are then an empty list.
        const sessions = d.dcv.listSessions().catch((error: unknown) => {
          ignoredError(d.log, 'agent.stats.sessions', 'dcv list-sessions failed: stats answered without sessions', error, 'warn');
          return [];
        });
        const [stats, listed] = await Promise.all([d.stats(), sessions]);
        return { stats, sessions: listed.map(toWireSession) };
      },
      { response: { 200: AgentStatsAnswer } },
    );
