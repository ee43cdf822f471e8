import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import type { Session } from '../../types.ts';
import { CreateSessionForm } from './create-session.ts';

/** All sessions on all servers: close any of them, or create one for a user. */
export function SessionsPage() {
  const q = useQuery({ queryKey: ['admin', 'sessions'], queryFn: () => api<{ sessions: Session[] }>('/v1/sessions'), refetchInterval: 5_000 });
  const [closing, setClosing] = useState<Session | null>(null);
  const [done, setDone] = useFlash();
  const close = useMutation({
    mutationFn: (s: Session) => api(`/v1/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' }),
    onSuccess: async (_r, s) => {
      setClosing(null);
      setDone(`Session ${s.id} closed.`);
      await queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const sessions = q.data?.sessions ?? [];
  const columns: Column<Session>[] = [
    { label: 'Session', cell: (s) => html`<span class="mono">${s.id}</span>` },
    { label: 'Owner', cell: (s) => s.owner },
    { label: 'Server', cell: (s) => html`${s.serverId}${s.pool ? html`<div class="muted small">pool ${s.pool}</div>` : null}` },
    { label: 'Type', cell: (s) => (s.type === 'console' ? 'Console' : 'Virtual') },
    { label: 'Viewers', cell: (s) => html`<${Badge} tone=${s.numOfConnections > 0 ? 'ok' : 'neutral'} label=${String(s.numOfConnections)} />`, class: 'num' },
    { label: 'Started', cell: (s) => html`<span title=${dateTime(s.creationTime)}>${relativeTime(s.creationTime)}</span>` },
    { label: 'Last disconnect', cell: (s) => html`<span title=${dateTime(s.lastDisconnectionTime)}>${relativeTime(s.lastDisconnectionTime)}</span>` },
    { label: 'Actions', class: 'actions', cell: (s) => html`<button type="button" class="btn btn-danger-quiet btn-small" onClick=${() => (close.reset(), setDone(''), setClosing(s))}>Close</button>` },
  ];

  return html`<div class="page">
    <${AdminNav} path="/admin/sessions" />
    <${PageHeader} title="Sessions" actions=${html`<${Freshness} fetching=${q.isFetching} updatedAt=${q.dataUpdatedAt} />`}>
      Every running DCV session, as the agents last reported them.
    <//>
    <${CreateSessionForm} onCreated=${(s: Session) => setDone(`Session ${s.id} created for ${s.owner} on ${s.serverId}.`)} />
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${q.isError && !q.data ? html`<${ErrorNote} error=${q.error} onRetry=${() => q.refetch()} />` : null}
    ${q.isPending ? html`<${TableSkeleton} />` : html`<${Table} caption="Sessions" columns=${columns} rows=${sessions} rowKey=${(s: Session) => `${s.serverId}/${s.id}`} empty="No session is running." />`}
    <${ConfirmDialog} open=${!!closing} title="Close this session?" confirmLabel="Close session" danger busy=${close.isPending} error=${close.error}
      onConfirm=${() => closing && close.mutate(closing)} onCancel=${() => setClosing(null)}>
      <p><strong>${closing?.owner}</strong>’s session <code>${closing?.id}</code> on ${closing?.serverId} is closed at once. Programs running in it stop and unsaved work is lost.</p>
    <//>
  </div>`;
}
