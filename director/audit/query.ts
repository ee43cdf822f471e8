import { badRequest } from '../../shared/errors.ts';
import { AUDIT_PAGE_MAX } from './log.ts';
import type { AuditFilter } from './types.ts';

/** The query of GET /v1/admin/audit and /v1/admin/audit.csv, as strings off the wire. */
export interface AuditQueryText {
  type?: string;
  actor?: string;
  outcome?: string;
  since?: string;
  until?: string;
  before?: string;
  limit?: string;
}

const OUTCOMES = new Set(['success', 'failure']);
/** Events a page shows when the query does not say. */
const DEFAULT_LIMIT = 200;

const invalid = (message: string) => badRequest('INVALID_FILTER', message);

/** A time filter: RFC 3339 (anything Date.parse reads) to epoch milliseconds. */
function time(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw invalid(`${name} must be an RFC 3339 time`);
  return at;
}

/**
 * The filter a query asks for (limit included when `paged`). A bad value is 400 INVALID_FILTER naming
 * it, and nothing is read; an empty value is no filter; values are cut to 128 characters.
 */
export function auditFilterFromQuery(query: AuditQueryText, paged: boolean): AuditFilter {
  const text = (k: keyof AuditQueryText) => (typeof query[k] === 'string' && query[k] !== '' ? query[k].slice(0, 128) : undefined);
  const outcome = text('outcome');
  if (outcome && !OUTCOMES.has(outcome)) throw invalid('outcome must be success or failure');
  const since = time(text('since'), 'since');
  const until = time(text('until'), 'until');
  if (since !== undefined && until !== undefined && until <= since) throw invalid('until must be after since');
  const beforeText = text('before');
  const before = beforeText === undefined ? undefined : Number(beforeText);
  if (before !== undefined && !(/^\d{1,15}$/.test(beforeText!) && before > 0)) throw invalid('before must be the "next" of an earlier page');
  const filter: AuditFilter = { type: text('type'), actor: text('actor'), outcome: outcome as AuditFilter['outcome'], since, until, before };
  if (!paged) return filter;
  const limit = text('limit') ? Number(text('limit')) : DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) throw invalid(`limit must be 1 to ${AUDIT_PAGE_MAX}`);
  return { ...filter, limit };
}
