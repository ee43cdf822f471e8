import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge, type Tone } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { useOfflineReason } from '../../connectivity.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { JoinToken } from '../../types.ts';
import { CreateJoinTokenForm } from './join-token-create.ts';

const STATE: Record<JoinToken['state'], { tone: Tone; label: string }> = {
  active: { tone: 'ok', label: 'Active' },
  'used-up': { tone: 'neutral', label: 'Used up' },
  expired: { tone: 'off', label: 'Expired' },
  revoked: { tone: 'bad', label: 'Revoked' },
};

/** Join tokens: create one (its secret shown once), see how many agents each admitted, revoke them. */
export function JoinTokensPage() {
  const query = useQuery({ queryKey: queryKeys.adminJoinTokens, queryFn: () => call(director.v1.admin['join-tokens'].get()), refetchInterval: 15_000 });
  const [revoking, setRevoking] = useState<JoinToken | null>(null);
  const [done, setDone] = useFlash();
  const offlineReason = useOfflineReason();
  const revoke = useMutation({
    mutationFn: (token: JoinToken) => call(director.v1.admin['join-tokens']({ id: encodeURIComponent(token.id) }).delete()),
    onSuccess: async (_, token) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.adminJoinTokens });
      setRevoking(null);
      setDone(`Join token ${token.id} revoked.`);
    },
  });
  const open = (token: JoinToken) => (revoke.reset(), setDone(''), setRevoking(token));

  const columns: Column<JoinToken>[] = [
    { label: 'Token', cell: (t) => html`<span class="mono">${t.id}</span>` },
    { label: 'State', cell: (t) => html`<${Badge} tone=${STATE[t.state].tone} label=${STATE[t.state].label} />` },
    { label: 'Agents admitted', cell: (t) => `${t.used} of ${t.uses}`, class: 'num' },
    { label: 'Host names', cell: (t) => (t.hostnamePattern ? html`<span class="mono">${t.hostnamePattern}</span>` : 'any') },
    { label: 'Expires', cell: (t) => html`<span title=${dateTime(t.expiresAt)}>${relativeTime(t.expiresAt)}</span>` },
    { label: 'Created', cell: (t) => html`<span title=${dateTime(t.createdAt)}>${relativeTime(t.createdAt)}</span> by ${t.createdBy}` },
    {
      label: 'Actions',
      class: 'actions',
      cell: (t) =>
        t.state === 'revoked'
          ? html`<span class="muted small">by ${t.revokedBy}</span>`
          : html`<button type="button" class="btn btn-danger-quiet btn-small" aria-disabled=${!!offlineReason} title=${offlineReason}
              aria-label=${`Revoke join token ${t.id}`} onClick=${() => offlineReason || open(t)}>Revoke</button>`,
    },
  ];

  return html`<div class="page">
    <${AdminNav} path="/admin/join-tokens" />
    <${PageHeader} title="Join tokens" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      An agent configured with a valid join token is registered without waiting for approval, even while many requests wait. Give each token as few uses and as short a life as the rollout needs.
    <//>
    <${CreateJoinTokenForm} />
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${
      query.isPending
        ? html`<${TableSkeleton} />`
        : html`<${Table} caption="Join tokens" columns=${columns} rows=${query.data?.joinTokens ?? []} rowKey=${(t: JoinToken) => t.id} empty="No join token yet. Agents wait for approval until you create one." />`
    }
    <${ConfirmDialog}
      open=${!!revoking}
      title=${revoking ? `Revoke join token ${revoking.id}?` : ''}
      confirmLabel="Revoke token"
      danger=${true}
      busy=${revoke.isPending}
      error=${revoke.error}
      onConfirm=${() => revoking && revoke.mutate(revoking)}
      onCancel=${() => setRevoking(null)}
    >
      <p>No agent is admitted with this token from now on, on any director. Agents it already admitted stay registered; revoke them on the Agents page if needed.</p>
      ${revoking ? html`<p>It admitted ${revoking.used} of ${revoking.uses} agents${revoking.lastUsedAt ? `, last ${relativeTime(revoking.lastUsedAt)}` : ''}.</p>` : null}
    <//>
  </div>`;
}
