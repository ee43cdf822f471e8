import { Elysia } from 'elysia';
import { isSessionId } from '../../shared/api/agent-wire.ts';
import { screenshotSize, type ScreenshotSize } from '../../shared/api/screenshot.ts';
import { ApiError, badRequest, notFound } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/types.ts';
import { requireAdmin, requireUser } from '../http/guards.ts';
import { ADMIN, errorAnswers, USER } from '../http/models.ts';
import type { ServerEntry, SessionEntry } from '../servers/runtime-state.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { PngAnswer, SCREENSHOT_RULES, ScreenshotParams, ScreenshotQuery } from './models.ts';
import type { SessionThumbnails } from './thumbnails.ts';

export interface ThumbnailRouteDeps {
  tokens: TokenService;
  thumbnails: SessionThumbnails;
  /** Any live session by id (admins). */
  findSession: (id: string) => Promise<SessionEntry | undefined>;
  /** The caller's own session, 404 SESSION_NOT_FOUND for anyone else's (SessionService.ownSession). */
  ownSession: (id: string, user: string, groups: readonly string[]) => Promise<SessionEntry>;
  /** The session's server while it is online (SessionService.onlineServer: 404/503 otherwise). */
  onlineServer: (id: string) => ServerEntry;
  cacheMs: number;
  /** An admin looking at another user's desktop is recorded (session.screenshot). */
  audit: AuditLog;
}

const checkedId = (id: string): string => {
  if (!isSessionId(id)) throw badRequest('INVALID_SESSION_ID', 'not a valid session id');
  return id;
};

/** The session's screenshot as the answer: PNG, cacheable by this browser for the cache time. */
async function pngAnswer(deps: ThumbnailRouteDeps, session: SessionEntry, size: ScreenshotSize): Promise<Response> {
  const { png } = await deps.thumbnails.image(session.id, () => deps.onlineServer(session.serverId), size);
  return new Response(png, { headers: { 'content-type': 'image/png', 'cache-control': `private, max-age=${Math.round(deps.cacheMs / 1000)}` } });
}

const models = { params: ScreenshotParams, query: ScreenshotQuery };

/** GET /v1/user/sessions/{id}/screenshot: the owner's own session only. */
export const userThumbnailRoutes = (d: ThumbnailRouteDeps) =>
  new Elysia({ name: 'director.thumbnails.user', prefix: '/v1/user' }).use(requireUser(d.tokens)).get(
    '/sessions/:id/screenshot',
    async ({ params, query, session }) => {
      const size = screenshotSize(query);
      return pngAnswer(d, await d.ownSession(checkedId(params.id), session.sub, session.groups), size);
    },
    {
      ...models,
      response: { 200: PngAnswer, ...errorAnswers(400, 401, 403, 404, 502, 503) },
      detail: { summary: "A screenshot of one of the caller's sessions (thumbnail)", description: SCREENSHOT_RULES, ...USER },
    },
  );

/**
 * GET /v1/sessions/{id}/screenshot: any session, for admins. Each image an admin is answered is
 * audited (session.screenshot, naming the owner): a picture of someone's desktop is theirs to know of.
 * The browser keeps it for the cache time, so a page of thumbnails is one entry a session per window.
 */
export const adminThumbnailRoutes = (d: ThumbnailRouteDeps) =>
  new Elysia({ name: 'director.thumbnails.admin', prefix: '/v1' }).use(requireAdmin(d.tokens)).get(
    '/sessions/:id/screenshot',
    async ({ params, query, session: caller }) => {
      const size = screenshotSize(query);
      const session = await d.findSession(checkedId(params.id));
      if (!session) throw notFound('SESSION_NOT_FOUND', 'no such session');
      // Its agent was revoked: the director does not talk to that host any more.
      if (session.orphaned) throw new ApiError(409, 'INVALID_STATE', 'the session is orphaned (its agent was revoked): no screenshot');
      const answer = await pngAnswer(d, session, size);
      d.audit.record({ type: 'session.screenshot', actor: caller.sub, target: session.id, outcome: 'success', detail: `screenshot of ${session.owner}'s session on ${session.serverId}` });
      return answer;
    },
    {
      ...models,
      response: { 200: PngAnswer, ...errorAnswers(400, 401, 403, 404, 409, 502, 503) },
      detail: { summary: 'A screenshot of any session (thumbnail)', ...ADMIN, description: `${ADMIN.description} ${SCREENSHOT_RULES} Orphaned sessions: 409 INVALID_STATE.` },
    },
  );
