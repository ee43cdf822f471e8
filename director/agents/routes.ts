import { Elysia } from 'elysia';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireAdmin, requireAgent } from '../http/guards.ts';
import { ADMIN, AGENT_CERT, errorAnswers, jsonBody, OkAnswer, optionalJsonBody } from '../http/models.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { runBulk } from './bulk.ts';
import { AgentList, AgentListQuery, AgentAnswer, ApproveBody, BulkAnswer, BulkBody, GuidParams, IssuedCertificate, RegisterBody, RenewBody, RevokeBody } from './models.ts';
import type { AgentService } from './service.ts';
import type { AgentRecord } from './store.ts';

/** Agent-facing enrolment routes: register (no client cert, TOFU) and renew (mTLS). */
export const agentEnrolmentRoutes = (agents: AgentService) =>
  new Elysia({ name: 'director.agents.enrolment', prefix: '/v1/agent' })
    .post('/register', async ({ body, request }) => agents.register({ ...body, remoteAddress: connectionInfo(request).remoteAddress }), {
      ...jsonBody,
      body: RegisterBody,
      response: { 200: IssuedCertificate, ...errorAnswers(400, 403, 409, 429) },
      detail: { summary: 'Agent registration (TOFU or pinned CA): 403 AGENT_PENDING until approved, then the certificate', security: [] },
    })
    .use(requireAgent(agents))
    .post('/renew', async ({ body, agent }) => agents.renew(agent, body.csr), {
      ...jsonBody,
      body: RenewBody,
      response: { 200: IssuedCertificate, ...errorAnswers(400, 401, 403) },
      detail: { summary: 'Certificate renewal with the same key', security: AGENT_CERT },
    });

/** Admin routes over agent registrations. */
export const agentAdminRoutes = (agents: AgentService, tokens: TokenService) =>
  new Elysia({ name: 'director.agents.admin', prefix: '/v1/admin/agents' })
    .use(requireAdmin(tokens))
    .get('', async ({ query }) => ({ agents: (await agents.list(query.state)).map((a) => ({ ...agentView(a), sessionCount: agents.liveSessions(a.guid) })) }), {
      query: AgentListQuery,
      response: { 200: AgentList, ...errorAnswers(400, 401, 403) },
      detail: { summary: 'Agent registrations', ...ADMIN },
    })
    .post('/bulk', async ({ body, session }) => runBulk(agents, session.sub, body.action, [...new Set(body.guids)]), {
      ...jsonBody,
      body: BulkBody,
      response: { 200: BulkAnswer, ...errorAnswers(400, 401, 403) },
      detail: { summary: 'Approve, deny or clear (pending or revoked) many registrations; one failing does not stop the others', ...ADMIN },
    })
    .post('/:guid/approve', async ({ params, session, body }) => ({ agent: agentView(await agents.approve(params.guid, session.sub, body.csrFingerprint || undefined)) }), {
      ...optionalJsonBody,
      params: GuidParams,
      body: ApproveBody,
      response: { 200: AgentAnswer, ...errorAnswers(400, 401, 403, 404, 409) },
      detail: { summary: 'Approve a pending agent (or a parked new key); the body is optional', ...ADMIN },
    })
    .post(
      '/:guid/deny',
      async ({ params, session }) => {
        await agents.deny(params.guid, session.sub);
        return { ok: true as const };
      },
      { params: GuidParams, response: { 200: OkAnswer, ...errorAnswers(401, 403, 404, 409) }, detail: { summary: 'Deny a pending agent (or a parked new key)', ...ADMIN } },
    )
    .post('/:guid/revoke', async ({ params, session, body }) => ({ agent: agentView(await agents.revoke(params.guid, session.sub, body.force === true)) }), {
      ...optionalJsonBody,
      params: GuidParams,
      body: RevokeBody,
      response: { 200: AgentAnswer, ...errorAnswers(400, 401, 403, 404, 409) },
      detail: { summary: 'Revoke a registered agent; with live sessions 409 AGENT_HAS_SESSIONS unless force (they are then shown orphaned)', ...ADMIN },
    });

/** What admins see of a registration: never key material beyond fingerprints. */
export function agentView(agent: AgentRecord) {
  return {
    guid: agent.guid,
    hostname: agent.hostname,
    state: agent.state,
    csrFingerprint: agent.csrFingerprint,
    certSerial: agent.certSerial,
    certNotAfter: agent.certNotAfter ? new Date(agent.certNotAfter).toISOString() : null,
    remoteAddress: agent.remoteAddress,
    createdAt: new Date(agent.createdAt).toISOString(),
    approvedAt: agent.approvedAt ? new Date(agent.approvedAt).toISOString() : null,
    approvedBy: agent.approvedBy,
    revokedAt: agent.revokedAt ? new Date(agent.revokedAt).toISOString() : null,
    lastSeen: agent.lastSeen ? new Date(agent.lastSeen).toISOString() : null,
    keyChangePending: agent.conflictPublicKey !== null,
    /** Pending again after it was registered with this same key (certificate expired or lost). */
    returning: agent.state === 'pending' && agent.returning,
  };
}
