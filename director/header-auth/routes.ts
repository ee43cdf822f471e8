import { Elysia, t } from 'elysia';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { checkSameOrigin } from '../http/guards.ts';
import { errorAnswers, optionalJsonBody } from '../http/models.ts';
import { LoginAnswer } from '../login/models.ts';
import { startSession, type SessionStarter } from '../login/start-session.ts';
import type { HeaderAuth } from './service.ts';

/**
 * POST /v1/auth/header: the web app asks for a session from the header the authenticating proxy in
 * front set ([auth.header]); answers like a password login. GET /v1/auth/header says whether the
 * director signs in by header at all (the login page tries it first when it does).
 */
export const headerAuthRoutes = (deps: SessionStarter & { header: HeaderAuth }) =>
  new Elysia({ name: 'director.header-auth', prefix: '/v1/auth/header' })
    .get('', () => ({ enabled: deps.header.enabled }), {
      response: { 200: t.Object({ enabled: t.Boolean() }) },
      detail: { summary: 'Whether header sign-in is configured', security: [] },
    })
    .post(
      '',
      async ({ request, body, set }) => {
        checkSameOrigin(request);
        const who = deps.header.signIn({ headers: request.headers, clientAddress: connectionInfo(request).remoteAddress, role: body.role ?? 'user' });
        return startSession(deps, who, set);
      },
      {
        ...optionalJsonBody,
        body: t.Object({ role: t.Optional(t.Union([t.Literal('user'), t.Literal('admin')])) }),
        response: { 200: LoginAnswer, ...errorAnswers(400, 401, 403, 404) },
        detail: { summary: 'Sign in by the trusted proxy header; sets the dcvix_session cookie', security: [] },
      },
    );
