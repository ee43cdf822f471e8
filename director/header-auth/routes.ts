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
 * director signs in by header, and whether this request could (the login page tries it only then, so
 * users reaching the director directly see no button and leave no refused sign-ins in the audit).
 */
export const headerAuthRoutes = (deps: SessionStarter & { header: HeaderAuth }) =>
  new Elysia({ name: 'director.header-auth', prefix: '/v1/auth/header' })
    .get('', ({ request }) => ({ enabled: deps.header.enabled, available: deps.header.available(request.headers, connectionInfo(request).remoteAddress) }), {
      response: { 200: t.Object({ enabled: t.Boolean(), available: t.Boolean({ description: 'This request came from a trusted proxy with the user header: POST would sign in' }) }) },
      detail: { summary: 'Whether header sign-in is configured, and open to this request', security: [] },
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
