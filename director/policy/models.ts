import { t } from 'elysia';
import { coded, Int, Nullable, OneOf, Time } from '../http/models.ts';

/** GET /v1/admin/policy: the policy as loaded, with the last reload's outcome. */
export const PolicyAnswer = t.Object({
  status: t.Object({ loadedAt: Nullable(Time()), lastAttemptAt: Nullable(Time()), lastError: Nullable(t.String()), files: t.Array(t.String()) }),
  documents: t.Object({ users: t.Unknown({ description: 'users.json as loaded' }), pools: t.Unknown({ description: 'pools.json as loaded' }) }),
});

/** GET /v1/admin/audit filters (strings on the wire; bad values answer 400 INVALID_FILTER). */
export const AuditQuery = coded(
  'INVALID_FILTER',
  t.Object({
    type: t.Optional(t.String({ description: 'Event type, e.g. login, agent.approve' })),
    actor: t.Optional(t.String()),
    outcome: t.Optional(t.String({ description: 'success or failure' })),
    since: t.Optional(t.String({ description: 'RFC 3339 time' })),
    limit: t.Optional(t.String({ description: '1 to 1000, default 200' })),
  }),
);

export const AuditEvent = t.Object({
  id: Int(),
  at: Int({ description: 'Epoch milliseconds' }),
  type: t.String(),
  outcome: OneOf(['success', 'failure']),
  actor: t.Optional(t.String()),
  target: t.Optional(t.String()),
  clientAddress: t.Optional(t.String()),
  backend: t.Optional(t.String()),
  detail: t.Optional(t.String()),
});
export const AuditAnswer = t.Object({ events: t.Array(AuditEvent) });

/** GET /v1/admin/directors: the directors sharing the store and whether their policies agree. */
export const DirectorsAnswer = t.Object({
  directors: t.Array(
    t.Object({
      id: t.String(),
      name: t.String({ description: 'Host name' }),
      policyHash: t.String({ description: 'Hash of the policy this director loaded' }),
      startedAt: Time(),
      lastSeen: Time(),
      self: t.Boolean({ description: 'The director answering' }),
    }),
  ),
  policyConsistent: t.Boolean(),
  warning: t.Optional(t.String()),
});
