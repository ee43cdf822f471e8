import { Elysia } from 'elysia';
import { requireUser } from '../http/guards.ts';
import { errorAnswers, jsonBody, USER } from '../http/models.ts';
import { sessionView } from '../servers/views.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { ShareAnswer, ShareBody, ShareParams, SharesAnswer, ShareSessionParams, UnshareAnswer } from './models.ts';
import type { SharingService } from './service.ts';
import type { Share } from './share-store.ts';

export interface SharingRouteDeps {
  tokens: TokenService;
  sharing: SharingService;
}

const shareView = (share: Share, serverId: string) => ({ sessionId: share.sessionId, serverId, user: share.user, role: share.role, grantedAt: new Date(share.grantedAt).toISOString() });

/** The owner shares a session and takes shares back; everyone lists the shares made with them and by them. */
export const sharingRoutes = (d: SharingRouteDeps) =>
  new Elysia({ name: 'director.sharing', prefix: '/v1/user' })
    .use(requireUser(d.tokens))
    .get(
      '/shares',
      async ({ session, set }) => {
        set.headers['cache-control'] = 'no-store';
        const found = await d.sharing.listFor({ user: session.sub, groups: session.groups });
        return {
          sharedWithMe: found.withMe.map((entry) => ({ session: sessionView(entry.session), role: entry.share.role, owner: entry.session.owner })),
          myShares: found.byMe.map((entry) => shareView(entry.share, entry.session.serverId)),
        };
      },
      { response: { 200: SharesAnswer, ...errorAnswers(401, 403) }, detail: { summary: 'Sessions shared with the caller, and the shares the caller made', ...USER } },
    )
    .post(
      '/sessions/:id/shares',
      async ({ params, body, session }) => {
        const made = await d.sharing.share({ user: session.sub, groups: session.groups }, params.id, body.user, body.role);
        return { share: shareView(made.share, made.session.serverId) };
      },
      {
        ...jsonBody,
        params: ShareSessionParams,
        body: ShareBody,
        response: { 200: ShareAnswer, ...errorAnswers(400, 401, 403, 404, 409, 502, 503) },
        detail: {
          summary: "Share one of the caller's sessions with another user, as viewer or collaborator (again: the role is replaced)",
          description:
            'The user must be one the policy allows on the session’s server (403 NOT_PERMITTED), named safely for a DCV permissions file (400 INVALID_SHARE_USER); at most 20 per session (409 SHARE_LIMIT_REACHED). The host applies the session’s new permissions file before the share is stored: a refusal there changes nothing.',
          ...USER,
        },
      },
    )
    .delete('/sessions/:id/shares/:user', async ({ params, session }) => ({ ok: true as const, ...(await d.sharing.unshare({ user: session.sub, groups: session.groups }, params.id, params.user)) }), {
      params: ShareParams,
      response: { 200: UnshareAnswer, ...errorAnswers(401, 403, 404) },
      detail: { summary: 'Take a share back: the user gets no new connection token and the DCV verifier refuses them from now on', ...USER },
    });
