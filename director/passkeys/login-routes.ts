import { Elysia, t } from 'elysia';
import { forbidden, notFound } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { checkSameOrigin } from '../http/guards.ts';
import { errorAnswers, jsonBody } from '../http/models.ts';
import { LoginAnswer } from '../login/models.ts';
import { startSession, type SessionStarter } from '../login/start-session.ts';
import { PasskeyOffer, PasswordlessBody } from './models.ts';
import type { Passkeys } from './service.ts';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

export interface PasswordlessDeps extends SessionStarter {
  passkeys?: Passkeys;
  /** The policy's groups for a user (no backend vouches for any here). */
  groupsOf(user: string): string[];
  isAdmin(user: string, groups: readonly string[]): boolean;
}

/**
 * Passwordless sign-in ([auth.passkeys] allow_passwordless): GET /v1/passkeys/login (whether it is
 * on, for the login page), POST /v1/passkeys/login/options (a
 * discoverable-credential request) and POST /v1/passkeys/login (the answer; the user is the
 * credential's owner, role user or admin as the policy allows).
 */
export const passwordlessRoutes = (deps: PasswordlessDeps) => {
  const service = () => {
    if (!deps.passkeys?.allowPasswordless) throw notFound('PASSWORDLESS_DISABLED', 'signing in with a passkey alone is not enabled on this director');
    return deps.passkeys;
  };
  return new Elysia({ name: 'director.passkeys.login', prefix: '/v1/passkeys/login' })
    .get('', () => ({ passwordless: !!deps.passkeys?.allowPasswordless }), {
      response: { 200: t.Object({ passwordless: t.Boolean() }) },
      detail: { summary: 'Whether a passkey alone may sign in', security: [] },
    })
    .post(
      '/options',
      async ({ request, set }) => {
        checkSameOrigin(request);
        set.headers['cache-control'] = 'no-store';
        return (await service().loginOffer())!;
      },
      { response: { 200: PasskeyOffer, ...errorAnswers(403, 404) }, detail: { summary: 'Start a passwordless sign-in: options for navigator.credentials.get()', security: [] } },
    )
    .post(
      '',
      async ({ request, body, set }) => {
        checkSameOrigin(request);
        const clientAddress = connectionInfo(request).remoteAddress;
        const answer = { challengeId: body.challengeId, response: body.response as unknown as AuthenticationResponseJSON };
        const user = await service().verifyLogin(answer, clientAddress);
        const role = body.role ?? 'user';
        const groups = deps.groupsOf(user);
        if (role === 'admin' && !deps.isAdmin(user, groups)) throw forbidden('NOT_ADMIN', 'this account may not use the admin interface');
        return startSession(deps, { user, role, groups }, set);
      },
      {
        ...jsonBody,
        body: PasswordlessBody,
        response: { 200: LoginAnswer, ...errorAnswers(400, 401, 403, 404) },
        detail: { summary: 'Sign in with a passkey alone; sets the dcvix_session cookie (audited passkey.login)', security: [] },
      },
    );
};
