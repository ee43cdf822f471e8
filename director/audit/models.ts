import { t } from 'elysia';
import { coded, Int, mediaType, OneOf } from '../http/models.ts';

const filters = {
  type: t.Optional(t.String({ description: 'Event type, e.g. login, agent.approve, connection.verify' })),
  actor: t.Optional(t.String()),
  outcome: t.Optional(t.String({ description: 'success or failure' })),
  since: t.Optional(t.String({ description: 'RFC 3339 time: events at or after it' })),
  until: t.Optional(t.String({ description: 'RFC 3339 time: events before it (the end of the range)' })),
  before: t.Optional(t.String({ description: 'Paging cursor: the `next` of the page before; only older events' })),
};

/** GET /v1/admin/audit filters and paging (strings on the wire; bad values answer 400 INVALID_FILTER). */
export const AuditQuery = coded('INVALID_FILTER', t.Object({ ...filters, limit: t.Optional(t.String({ description: 'Events per page, 1 to 1000, default 200' })) }));

/** GET /v1/admin/audit.csv: the same filters, no page size (at most 50,000 rows a file). */
export const AuditCsvQuery = coded('INVALID_FILTER', t.Object(filters));

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
export const AuditAnswer = t.Object({
  events: t.Array(AuditEvent),
  next: t.Optional(t.String({ description: 'Present when older events match: pass it as `before` for the next page' })),
});

/** The CSV export as it goes out. */
export const AuditCsv = mediaType(
  'text/csv',
  t.String({
    description:
      "RFC 4180, UTF-8, CRLF, a header row (id,time,type,outcome,actor,target,client_address,backend,detail), newest first. Cells starting with = + - @ tab or CR are prefixed with `'`. At most 50,000 rows: when more match, the X-Audit-Next header holds the `before` of the rest.",
  }),
);
