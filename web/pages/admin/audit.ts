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

const FILTERS = ['type', 'actor', 'outcome', 'limit'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const TYPES = ['login', 'agent.approve', 'agent.deny', 'agent.revoke', 'session.create', 'session.close'];

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

/** The audit trail with filters that live in the URL (#/admin/audit?type=login&outcome=failure). */
export function AuditPage({ route }: { route: Route }) {
  const applied = Object.fromEntries(FILTERS.map((k) => [k, route.params.get(k) ?? ''])) as Filters;
  const [form, setForm] = useState<Filters>(applied);
  const key = FILTERS.map((k) => applied[k]).join('|');
  useEffect(() => setForm(applied), [key]);
  const filters = Object.fromEntries(Object.entries({ ...applied, limit: applied.limit || '200' }).filter(([, v]) => v)) as Partial<Filters>;
  const query = new URLSearchParams(filters).toString();
  const auditQuery = useQuery({
    queryKey: queryKeys.adminAudit(query),
    queryFn: () => call(director.v1.admin.audit.get({ query: filters })),
    refetchInterval: 10_000,
    placeholderData: (prev) => prev,
  });

  const set = (k: keyof Filters) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    const search = new URLSearchParams(Object.entries(form).filter(([, v]) => v.trim())).toString();
    navigate(`/admin/audit${search ? `?${search}` : ''}`);
  };

  return html`<div class="page">
    <${AdminNav} path="/admin/audit" />
    <${PageHeader} title="Audit log" actions=${html`<${Freshness} fetching=${auditQuery.isFetching} updatedAt=${auditQuery.dataUpdatedAt} />`}>Sign-ins, approvals and session changes, newest first.<//>
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
      <label class="field"><span>Show</span>
        <select name="limit" class="select" value=${form.limit || '200'} onChange=${set('limit')}>
          ${['50', '200', '1000'].map((n) => html`<option key=${n} value=${n}>${n} events</option>`)}
        </select>
      </label>
      <button type="submit" class="btn btn-primary">Filter</button>
    </form>
    ${auditQuery.isError ? html`<${ErrorNote} error=${auditQuery.error} onRetry=${() => auditQuery.refetch()} />` : null}
    ${auditQuery.isPending ? html`<${TableSkeleton} rows=${6} />` : html`<${Table} caption="Audit events" columns=${columns} rows=${auditQuery.data?.events ?? []} rowKey=${(e: AuditEvent) => String(e.id)} empty="No event matches these filters." />`}
  </div>`;
}
