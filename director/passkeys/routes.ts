import { Elysia } from 'elysia';
import { notFound } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireUser } from '../http/guards.ts';
import { errorAnswers, jsonBody, OkAnswer, USER } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { PasskeyInfo, PasskeyList, PasskeyOffer, PasskeyParams, RegisterBody } from './models.ts';
import type { Passkeys } from './service.ts';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * A signed-in user's passkeys: GET /v1/user/passkeys, POST /v1/user/passkeys/options (registration
 * options), POST /v1/user/passkeys (the registration answer, with a name), DELETE /v1/user/passkeys/{id}.
 */
export const passkeyRoutes = (deps: { tokens: TokenService; passkeys?: Passkeys }) => {
  const service = () => {
    if (!deps.passkeys) throw notFound('PASSKEYS_DISABLED', 'passkeys are not enabled on this director');
    return deps.passkeys;
  };
  return new Elysia({ name: 'director.passkeys', prefix: '/v1/user/passkeys' })
    .use(requireUser(deps.tokens))
    .get(
      '',
      async ({ session }) => ({
        enabled: !!deps.passkeys,
        allowPasswordless: deps.passkeys?.allowPasswordless ?? false,
        passkeys: deps.passkeys ? await deps.passkeys.list(session.sub) : [],
      }),
      { response: { 200: PasskeyList, ...errorAnswers(401, 403) }, detail: { summary: "The caller's passkeys", ...USER } },
    )
    .post(
      '/options',
      async ({ session, set }) => {
        set.headers['cache-control'] = 'no-store';
        return service().registrationOptions(session.sub);
      },
      { response: { 200: PasskeyOffer, ...errorAnswers(401, 403, 404, 409) }, detail: { summary: 'Start registering a passkey: options for navigator.credentials.create()', ...USER } },
    )
    .post(
      '',
      async ({ session, body, request }) =>
        service().register({
          username: session.sub,
          challengeId: body.challengeId,
          name: body.name,
          response: body.response as unknown as RegistrationResponseJSON,
          clientAddress: connectionInfo(request).remoteAddress,
        }),
      {
        ...jsonBody,
        body: RegisterBody,
        response: { 200: PasskeyInfo, ...errorAnswers(400, 401, 403, 404, 409) },
        detail: { summary: 'Finish registering a passkey (audited passkey.register)', ...USER },
      },
    )
    .delete(
      '/:id',
      async ({ session, params, request }) => {
        await service().remove(session.sub, params.id, connectionInfo(request).remoteAddress);
        return { ok: true as const };
      },
      { params: PasskeyParams, response: { 200: OkAnswer, ...errorAnswers(401, 403, 404) }, detail: { summary: 'Remove one of your passkeys (audited passkey.remove)', ...USER } },
    );
};
