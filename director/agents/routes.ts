import { Elysia } from 'elysia';
import { badRequest } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireAdmin, requireAgent } from '../http/guards.ts';
import { jsonObject, optionalString, requireString } from '../http/json-body.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { parseBulk, runBulk } from './bulk.ts';
import type { AgentService } from './service.ts';
import type { AgentRecord, AgentState } from './store.ts';

/** Agent-facing enrolment routes: register (no client cert, TOFU) and renew (mTLS). */
export const agentEnrolmentRoutes = (agents: AgentService) =>
  new Elysia({ name: 'director.agents.enrolment', prefix: '/v1/agent' })
    .post(
      '/register',
      async ({ body, request }) => {
        const b = jsonObject(body);
        return agents.register({
          guid: requireString(b, 'guid', 64, 'INVALID_GUID'),
          hostname: requireString(b, 'hostname', 253, 'INVALID_HOSTNAME'),
          csr: requireString(b, 'csr', 8192, 'INVALID_CSR_ENCODING'),
          remoteAddress: connectionInfo(request).remoteAddress,
        });
      },
      { parse: 'text' },
    )
    .use(requireAgent(agents))
    .post(
      '/renew',
      async ({ body, agent }) => {
        const b = jsonObject(body);
        return agents.renew(agent, requireString(b, 'csr', 8192, 'INVALID_CSR_ENCODING'));
      },
      { parse: 'text' },
    );

const STATES = new Set<AgentState>(['pending', 'registered', 'revoked']);

/** Admin routes over agent registrations. */
export const agentAdminRoutes = (agents: AgentService, tokens: TokenService) =>
  new Elysia({ name: 'director.agents.admin', prefix: '/v1/admin/agents' })
    .use(requireAdmin(tokens))
    .get('', async ({ query }) => {
      const state = typeof query.state === 'string' && STATES.has(query.state as AgentState) ? (query.state as AgentState) : undefined;
      if (query.state !== undefined && !state) {
        throw badRequest('INVALID_STATE_FILTER', 'state must be pending, registered or revoked');
      }
      return { agents: (await agents.list(state)).map((a) => ({ ...agentView(a), sessionCount: agents.liveSessions?.(a.guid) ?? 0 })) };
    })
    .post(
      '/bulk',
      async ({ body, session }) => {
        const { action, guids } = parseBulk(jsonObject(body));
        return runBulk(agents, session.sub, action, guids);
      },
      { parse: 'text' },
    )
    .post(
      '/:guid/approve',
      async ({ params, session, body }) => {
        const fingerprint = typeof body === 'string' && body.trim() ? optionalString(jsonObject(body), 'csrFingerprint', 200) : undefined;
        return { agent: agentView(await agents.approve(params.guid, session.sub, fingerprint)) };
      },
      { parse: 'text' },
    )
    .post('/:guid/deny', async ({ params, session }) => {
      await agents.deny(params.guid, session.sub);
      return { ok: true };
    })
    .post(
      '/:guid/revoke',
      async ({ params, session, body }) => {
        const force = typeof body === 'string' && body.trim() ? jsonObject(body).force === true : false;
        return { agent: agentView(await agents.revoke(params.guid, session.sub, force)) };
      },
      { parse: 'text' },
    );

/** What admins see of a registration: never key material beyond fingerprints. */
export function agentView(a: AgentRecord) {
  return {
    guid: a.guid,
    hostname: a.hostname,
    state: a.state,
    csrFingerprint: a.csrFingerprint,
    certSerial: a.certSerial,
    certNotAfter: a.certNotAfter ? new Date(a.certNotAfter).toISOString() : null,
    remoteAddress: a.remoteAddress,
    createdAt: new Date(a.createdAt).toISOString(),
    approvedAt: a.approvedAt ? new Date(a.approvedAt).toISOString() : null,
    approvedBy: a.approvedBy,
    revokedAt: a.revokedAt ? new Date(a.revokedAt).toISOString() : null,
    lastSeen: a.lastSeen ? new Date(a.lastSeen).toISOString() : null,
    keyChangePending: a.conflictPublicKey !== null,
    /** Pending again after it was registered with this same key (certificate expired or lost). */
    returning: a.state === 'pending' && a.returning,
  };
}
