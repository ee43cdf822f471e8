import { t } from 'elysia';
import { coded, Int, OneOf } from '../http/models.ts';

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
