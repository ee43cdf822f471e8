import { t } from 'elysia';
import { coded, Int, Nullable, OneOf, Time } from '../http/models.ts';
import { BULK_ACTIONS } from './bulk.ts';

/** POST /v1/agent/register: an agent asks for a certificate (TOFU: pending until an admin approves). */
export const RegisterBody = t.Object({
  guid: coded('INVALID_GUID', t.String({ minLength: 1, maxLength: 64 })),
  hostname: coded('INVALID_HOSTNAME', t.String({ minLength: 1, maxLength: 253 })),
  csr: coded('INVALID_CSR_ENCODING', t.String({ minLength: 1, maxLength: 8192, description: 'Base64 DER PKCS#10 request, Ed25519 key' })),
});

/** POST /v1/agent/renew (mTLS): a new certificate for the same key. */
export const RenewBody = t.Object({ csr: coded('INVALID_CSR_ENCODING', t.String({ minLength: 1, maxLength: 8192 })) });

/** The certificate an approved agent gets (register and renew). `ca` repeats caCertificate for the public Go dcvix agent. */
export const IssuedCertificate = t.Object({
  certificate: t.String({ description: 'PEM' }),
  caCertificate: t.String({ description: 'PEM' }),
  ca: t.String({ description: 'PEM (same as caCertificate)' }),
  agentId: t.String(),
  notAfter: Time(),
  renewalIntervalSeconds: Int(),
});

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
