import { t } from 'elysia';
import { coded, Int, Nullable, OneOf, Time } from '../http/models.ts';
import { BULK_ACTIONS } from './bulk.ts';

// Registration and renewal are the agent protocol's: one model each, shared with the agent.
export { IssuedCertificate, RegisterBody, RenewBody } from '../../shared/api/agent-enrolment.ts';

export const AgentState = OneOf(['pending', 'registered', 'revoked']);

/** A registration as admins see it: never key material beyond fingerprints. */
export const AgentView = t.Object({
  guid: t.String(),
  hostname: t.String(),
  state: AgentState,
  csrFingerprint: Nullable(t.String()),
  certSerial: Nullable(t.String()),
  certNotAfter: Nullable(Time()),
  remoteAddress: Nullable(t.String()),
  createdAt: Time(),
  approvedAt: Nullable(Time()),
  approvedBy: Nullable(t.String()),
  revokedAt: Nullable(Time()),
  lastSeen: Nullable(Time()),
  keyChangePending: t.Boolean(),
  returning: t.Boolean({ description: 'Pending again after it was registered with this same key' }),
});

export const AgentListQuery = t.Object({
  state: t.Optional(coded('INVALID_STATE_FILTER', AgentState)),
});
export const AgentList = t.Object({ agents: t.Array(t.Composite([AgentView, t.Object({ sessionCount: Int({ description: "Live sessions on this agent's server" }) })])) });
export const AgentAnswer = t.Object({ agent: AgentView });

export const GuidParams = t.Object({ guid: t.String() });
export const ApproveBody = t.Object({ csrFingerprint: t.Optional(t.String({ maxLength: 200, description: 'Approve only if the pending request still has this fingerprint' })) });
export const RevokeBody = t.Object({ force: t.Optional(t.Boolean({ description: 'Revoke even with live sessions (they are then shown orphaned)' })) });

export const BulkBody = t.Object({
  action: coded('INVALID_ACTION', OneOf(BULK_ACTIONS)),
  guids: coded('INVALID_GUIDS', t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 })),
});
export const BulkAnswer = t.Object({ done: t.Array(t.String()), failed: t.Array(t.Object({ guid: t.String(), code: t.String() })) });
