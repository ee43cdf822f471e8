import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { SessionThumbnail } from '../../components/session-thumbnail.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { useOfflineReason } from '../../connectivity.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { Route } from '../../router.ts';
import type { Session } from '../../types.ts';
import { CreateSessionForm } from './create-session.ts';
import { applyFilters, filtersOf, SessionFilterBar } from './session-filters.ts';

/** All sessions on all servers, filterable by user, server, pool and state: close any, or create one for a user. */
export function SessionsPage({ route }: { route: Route }) {
  const query = useQuery({ queryKey: queryKeys.adminSessions, queryFn: () => call(director.v1.sessions.get()), refetchInterval: 5_000 });
  const [closing, setClosing] = useState<Session | null>(null);
  const [done, setDone] = useFlash();
  const close = useMutation({
    mutationFn: (s: Session) => call(director.v1.sessions({ id: encodeURIComponent(s.id) }).delete()),
    onSuccess: async (_r, session) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin });
      setClosing(null);
      setDone(`Session ${session.id} closed.`);
    },
  });
  const offlineReason = useOfflineReason();
  const all = query.data?.sessions ?? [];
  const filters = filtersOf(route);
  const sessions = applyFilters(all, filters);
  const columns: Column<Session>[] = [
    {
      label: 'Session',
      cell: (s) =>
        html`<span class="mono">${s.id}</span>${s.orphaned ? html` <${Badge} tone="bad" label="Orphaned" />` : null}${s.unmanaged ? html` <${Badge} tone="warn" label="Unmanaged" />` : null}`,
    },
    { label: 'Preview', cell: (s) => html`<${SessionThumbnail} scope="admin" sessionId=${s.id} alt=${`Screenshot of ${s.owner}'s session ${s.id}`} />` },
    { label: 'Owner', cell: (s) => s.owner },
    { label: 'Server', cell: (s) => html`${s.serverId}${s.pool ? html`<div class="muted small">pool ${s.pool}</div>` : null}` },
    { label: 'Type', cell: (s) => (s.type === 'console' ? 'Console' : 'Virtual') },
    { label: 'Viewers', cell: (s) => html`<${Badge} tone=${s.numOfConnections > 0 ? 'ok' : 'neutral'} label=${String(s.numOfConnections)} />`, class: 'num' },
    { label: 'Started', cell: (s) => html`<span title=${dateTime(s.creationTime)}>${relativeTime(s.creationTime)}</span>` },
    { label: 'Last disconnect', cell: (s) => html`<span title=${dateTime(s.lastDisconnectionTime)}>${relativeTime(s.lastDisconnectionTime)}</span>` },
    {
      label: 'Actions',
      class: 'actions',
      cell: (s) =>
        html`<button type="button" class="btn btn-danger-quiet btn-small" aria-label=${`Close session ${s.id}`} aria-disabled=${!!offlineReason} title=${offlineReason} onClick=${() => offlineReason || ((close.reset(), setDone(''), setClosing(s)))}>Close</button>`,
    },
  ];

  return html`<div class="page">
    <${AdminNav} path="/admin/sessions" />
    <${PageHeader} title="Sessions" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      Every running DCV session, as the agents last reported them.
    <//>
    <${CreateSessionForm} onCreated=${(s: Session) => setDone(`Session ${s.id} created for ${s.owner} on ${s.serverId}.`)} />
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${query.data ? html`<${SessionFilterBar} sessions=${all} filters=${filters} />` : null}
    ${query.data && sessions.length !== all.length ? html`<p class="muted small" role="status">${sessions.length} of ${all.length} sessions shown.</p>` : null}
    ${query.isPending ? html`<${TableSkeleton} />` : html`<${Table} caption="Sessions" columns=${columns} rows=${sessions} rowKey=${(s: Session) => `${s.serverId}/${s.id}`} empty=${all.length ? 'No session matches these filters.' : 'No session is running.'} />`}
    <${ConfirmDialog} open=${!!closing} title="Close this session?" confirmLabel="Close session" danger busy=${close.isPending} error=${close.error}
      onConfirm=${() => closing && close.mutate(closing)} onCancel=${() => setClosing(null)}>
      <p><strong>${closing?.owner}</strong>’s session <code>${closing?.id}</code> on ${closing?.serverId} is closed at once. Programs running in it stop and unsaved work is lost.</p>
    <//>
  </div>`;
}
