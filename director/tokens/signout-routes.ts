import { Elysia } from 'elysia';
import { isUserName } from '../../shared/api/agent-wire.ts';
import { badRequest } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import type { AuditLog } from '../audit/types.ts';
import { requireAdmin } from '../http/guards.ts';
import type { Revocations } from './revocations.ts';
import type { TokenService } from './token-service.ts';

/** POST /v1/admin/users/{user}/signout: every session token of that user from an earlier login is refused. */
export const signoutRoutes = (d: { tokens: TokenService; revocations: Revocations; audit: AuditLog }) =>
  new Elysia({ name: 'director.tokens.signout', prefix: '/v1/admin/users' })
    .use(requireAdmin(d.tokens))
    .post('/:user/signout', async ({ params, session, request }) => {
      if (!isUserName(params.user)) throw badRequest('INVALID_USER', 'not a valid user name');
      const at = await d.revocations.signOutEverywhere(params.user);
      const validAfter = new Date(at).toISOString();
      d.audit.record({ type: 'user.signout', actor: session.sub, target: params.user, clientAddress: connectionInfo(request).remoteAddress, outcome: 'success', detail: `validAfter=${validAfter}` });
      return { user: params.user, validAfter };
    });
