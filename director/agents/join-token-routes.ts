import { Elysia } from 'elysia';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers, jsonBody } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { CreatedJoinToken, CreateJoinTokenBody, JoinTokenAnswer, JoinTokenList, JoinTokenParams } from './join-token-models.ts';
import type { JoinTokenRecord } from './join-token-store.ts';
import type { JoinTokens } from './join-tokens.ts';

/** Admin routes over join tokens: create (the secret is answered this once), list, revoke. */
export const joinTokenAdminRoutes = (joinTokens: JoinTokens, tokens: TokenService) =>
  new Elysia({ name: 'director.agents.join-tokens', prefix: '/v1/admin/join-tokens' })
    .use(requireAdmin(tokens))
    .get('', async () => ({ joinTokens: (await joinTokens.list()).map((record) => joinTokenView(joinTokens, record)) }), {
      response: { 200: JoinTokenList, ...errorAnswers(401, 403) },
      detail: { summary: 'Join tokens, newest first (revoked, expired and used-up ones too)', ...ADMIN },
    })
    .post(
      '',
      async ({ body, session, set }) => {
        const created = await joinTokens.create({ expiresInSeconds: body.expiresIn, uses: body.uses, hostnamePattern: body.hostnamePattern }, session.sub);
        // The one answer that carries the secret: no cache keeps a copy.
        set.headers['cache-control'] = 'no-store';
        return { token: created.token, joinToken: joinTokenView(joinTokens, created.record) };
      },
      {
        ...jsonBody,
        body: CreateJoinTokenBody,
        response: { 200: CreatedJoinToken, ...errorAnswers(400, 401, 403) },
        detail: { summary: 'Create a join token: agents registering with it are admitted without approval while it is valid', ...ADMIN },
      },
    )
    .delete('/:id', async ({ params, session }) => ({ joinToken: joinTokenView(joinTokens, await joinTokens.revoke(params.id, session.sub)) }), {
      params: JoinTokenParams,
      response: { 200: JoinTokenAnswer, ...errorAnswers(400, 401, 403, 404, 409) },
      detail: { summary: 'Revoke a join token (it stays listed as revoked); 409 INVALID_STATE when it already is', ...ADMIN },
    });

/** What admins see of a token: limits, uses and state, never the secret or its hash. */
function joinTokenView(joinTokens: JoinTokens, record: JoinTokenRecord) {
  const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: record.id,
    state: joinTokens.stateOf(record),
    hostnamePattern: record.hostnamePattern || null,
    uses: record.uses,
    used: record.used,
    expiresAt: new Date(record.expiresAt).toISOString(),
    createdAt: new Date(record.createdAt).toISOString(),
    createdBy: record.createdBy,
    revokedAt: time(record.revokedAt),
    revokedBy: record.revokedBy,
    lastUsedAt: time(record.lastUsedAt),
  };
}
