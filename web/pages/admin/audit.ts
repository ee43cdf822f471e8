import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote, Freshness } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import { navigate, type Route } from '../../router.ts';
import type { AuditEvent } from '../../types.ts';

const FILTERS = ['type', 'actor', 'outcome', 'since', 'until', 'limit'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const TYPES = ['login', 'agent.approve', 'agent.deny', 'agent.revoke', 'session.create', 'session.close', 'connection.token', 'connection.file', 'connection.verify', 'connection.resolve'];
/** What the API is asked: the filters as the address holds them, times (local, from the form) as RFC 3339. */
const apiFilters = (applied: Filters): Record<string, string> =>
  Object.fromEntries(
    Object.entries(applied)
      .filter(([, v]) => v)
      .map(([k, v]) => [k, (k === 'since' || k === 'until') && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : v]),
  );

const detailText = (detail: unknown): string => {
  if (detail === null || detail === undefined || detail === '') return '';
  if (typeof detail === 'string') return detail;
  if (typeof detail === 'object')
    return Object.entries(detail as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' · ');
  return String(detail);
};

const columns: Column<AuditEvent>[] = [
  { label: 'Time', cell: (e) => html`<span title=${dateTime(e.at)}>${relativeTime(e.at)}</span>` },
  { label: 'Event', cell: (e) => html`<span class="mono">${e.type}</span>` },
  { label: 'Outcome', cell: (e) => html`<${Badge} tone=${e.outcome === 'success' ? 'ok' : 'bad'} label=${e.outcome} />` },
  { label: 'Who', cell: (e) => e.actor ?? '—' },
  { label: 'Target', cell: (e) => html`<span class="mono">${e.target ?? '—'}</span>` },
  { label: 'From', cell: (e) => html`<span class="mono">${e.clientAddress ?? '—'}</span>${e.backend ? html`<div class="muted small">via ${e.backend}</div>` : null}` },
  { label: 'Detail', cell: (e) => html`<span class="small">${detailText(e.detail) || '—'}</span>` },
];

/**
 * The audit trail with filters and the page that live in the URL (#/admin/audit?type=login&before=812):
 * "Older events" follows the answer's `next`, the browser's Back returns; "Export CSV" downloads every
 * event the filters match (GET /v1/admin/audit.csv), whatever the page.
 */
export function AuditPage({ route }: { route: Route }) {
  const applied = Object.fromEntries(FILTERS.map((k) => [k, route.params.get(k) ?? ''])) as Filters;
  const before = route.params.get('before') ?? '';
  const [form, setForm] = useState<Filters>(applied);
  const key = FILTERS.map((k) => applied[k]).join('|');
  useEffect(() => setForm(applied), [key]);
  const filters = apiFilters(applied);
  const pageQuery = { ...filters, limit: applied.limit || '200', ...(before ? { before } : {}) };
  const query = new URLSearchParams(pageQuery).toString();
  const auditQuery = useQuery({
    queryKey: queryKeys.adminAudit(query),
    queryFn: () => call(director.v1.admin.audit.get({ query: pageQuery })),
    refetchInterval: 10_000,
    placeholderData: (prev) => prev,
  });
  // The export takes every event the filters match: no page size, no page.
  const exportQuery = new URLSearchParams(Object.entries(filters).filter(([k]) => k !== 'limit')).toString();
  const next = auditQuery.data?.next;
  const goTo = (cursor: string) => {
    const search = new URLSearchParams({ ...Object.fromEntries(Object.entries(applied).filter(([, v]) => v)), ...(cursor ? { before: cursor } : {}) }).toString();
    navigate(`/admin/audit${search ? `?${search}` : ''}`);
  };

  const set = (k: keyof Filters) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    const search = new URLSearchParams(Object.entries(form).filter(([, v]) => v.trim())).toString();
    navigate(`/admin/audit${search ? `?${search}` : ''}`);
  };

  return html`<div class="page">
    <${AdminNav} path="/admin/audit" />
    <${PageHeader} title="Audit log" actions=${html`<${Freshness} fetching=${auditQuery.isFetching} updatedAt=${auditQuery.dataUpdatedAt} />`}>Sign-ins, approvals, session changes and DCV connections, newest first.<//>
    <form class="card form-row filters" onSubmit=${apply} role="search">
      <label class="field"><span>Event</span>
        <input name="type" list="audit-types" value=${form.type} onInput=${set('type')} placeholder="any" />
        <datalist id="audit-types">${TYPES.map((t) => html`<option key=${t} value=${t} />`)}</datalist>
      </label>
      <label class="field"><span>Who</span><input name="actor" value=${form.actor} onInput=${set('actor')} placeholder="any" autocapitalize="none" /></label>
      <label class="field"><span>Outcome</span>
        <select name="outcome" class="select" value=${form.outcome} onChange=${set('outcome')}>
          <option value="">Any</option><option value="success">Success</option><option value="failure">Failure</option>
        </select>
      </label>
      <label class="field"><span>From</span><input name="since" type="datetime-local" step="1" value=${form.since} onInput=${set('since')} /></label>
      <label class="field"><span>Until</span><input name="until" type="datetime-local" step="1" value=${form.until} onInput=${set('until')} /></label>
      <label class="field"><span>Show</span>
        <select name="limit" class="select" value=${form.limit || '200'} onChange=${set('limit')}>
          ${[...new Set(['50', '200', '1000', form.limit || '200'])].map((n) => html`<option key=${n} value=${n}>${n} events a page</option>`)}
        </select>
      </label>
      <button type="submit" class="btn btn-primary">Filter</button>
      <a class="btn" href=${`/v1/admin/audit.csv${exportQuery ? `?${exportQuery}` : ''}`} download>Export CSV</a>
    </form>
    ${auditQuery.isError ? html`<${ErrorNote} error=${auditQuery.error} onRetry=${() => auditQuery.refetch()} />` : null}
    ${auditQuery.isPending ? html`<${TableSkeleton} rows=${6} />` : html`<${Table} caption="Audit events" columns=${columns} rows=${auditQuery.data?.events ?? []} rowKey=${(e: AuditEvent) => String(e.id)} empty="No event matches these filters." />`}
    ${
      before || next
        ? html`<nav class="form-row pager" aria-label="Audit pages">
          ${before ? html`<button type="button" class="btn" onClick=${() => goTo('')}>Newest events</button>` : null}
          ${next ? html`<button type="button" class="btn" onClick=${() => goTo(next)}>Older events</button>` : null}
        </nav>`
        : null
    }
  </div>`;
}
