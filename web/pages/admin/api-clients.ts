import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { useOfflineReason } from '../../connectivity.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { ApiClient } from '../../types.ts';
import { CreateApiClientForm, ShownSecret } from './api-client-create.ts';

/** API clients of the Session Manager API: register one (its secret shown once), rotate its secret, disable it. */
export function ApiClientsPage() {
  const query = useQuery({ queryKey: queryKeys.adminApiClients, queryFn: () => call(director.v1.admin['api-clients'].get()), refetchInterval: 30_000 });
  const [disabling, setDisabling] = useState<ApiClient | null>(null);
  const [shown, setShown] = useState<{ clientId: string; clientSecret: string } | null>(null);
  const [done, setDone] = useFlash();
  const offlineReason = useOfflineReason();
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.adminApiClients });
  const disable = useMutation({
    mutationFn: (client: ApiClient) => call(director.v1.admin['api-clients']({ id: encodeURIComponent(client.id) }).disable.post()),
    onSuccess: async (_, client) => {
      await refresh();
      setDisabling(null);
      setDone(`API client ${client.name} disabled: its tokens are refused from now on.`);
    },
  });
  const rotate = useMutation({
    mutationFn: (client: ApiClient) => call(director.v1.admin['api-clients']({ id: encodeURIComponent(client.id) }).rotate.post()),
    onSuccess: async (rotated) => {
      setShown({ clientId: rotated.clientId, clientSecret: rotated.clientSecret });
      await refresh();
    },
  });

  const columns: Column<ApiClient>[] = [
    { label: 'Name', cell: (c) => html`<strong>${c.name}</strong><div class="mono small muted">${c.id}</div>` },
    { label: 'State', cell: (c) => (c.disabledAt ? html`<${Badge} tone="bad" label="Disabled" />` : html`<${Badge} tone="ok" label="Enabled" />`) },
    { label: 'Scopes', cell: (c) => html`<span class="mono small">${c.scopes.join(' ')}</span>` },
    {
      label: 'Limits',
      cell: (c) =>
        [
          c.pools ? `pools ${c.pools.join(', ')}` : 'any pool',
          c.users ? `users ${c.users.join(', ')}` : 'any user',
          ...(c.owners ? [`creates beyond the policy for ${c.owners.join(', ')}`] : []),
        ].join('; '),
    },
    { label: 'Created', cell: (c) => html`<span title=${dateTime(c.createdAt)}>${relativeTime(c.createdAt)}</span> by ${c.createdBy}` },
    {
      label: 'Actions',
      class: 'actions',
      cell: (c) =>
        c.disabledAt
          ? html`<span class="muted small">by ${c.disabledBy}</span>`
          : html`<button type="button" class="btn btn-small" aria-disabled=${!!offlineReason || rotate.isPending} title=${offlineReason}
                aria-label=${`New secret for ${c.name}`} onClick=${() => offlineReason || rotate.mutate(c)}>New secret</button>
              <button type="button" class="btn btn-danger-quiet btn-small" aria-disabled=${!!offlineReason} title=${offlineReason}
                aria-label=${`Disable ${c.name}`} onClick=${() => offlineReason || ((disable.reset(), setDone(''), setDisabling(c)))}>Disable</button>`,
    },
  ];

  return html`<div class="page">
    <${AdminNav} path="/admin/api-clients" />
    <${PageHeader} title="API clients" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      Portals and scripts that use dcvix through the Session Manager API (OAuth2 client credentials). Everything a client does is audited under its name.
    <//>
    <${CreateApiClientForm} />
    ${shown ? html`<${ShownSecret} shown=${shown} onHide=${() => setShown(null)} />` : null}
    <${ErrorNote} error=${rotate.error} title="No new secret was made" />
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${
      query.isPending
        ? html`<${TableSkeleton} />`
        : html`<${Table} caption="API clients" columns=${columns} rows=${query.data?.clients ?? []} rowKey=${(c: ApiClient) => c.id} empty="No API client yet." />`
    }
    <${ConfirmDialog}
      open=${!!disabling}
      title=${disabling ? `Disable API client ${disabling.name}?` : ''}
      confirmLabel="Disable client"
      danger=${true}
      busy=${disable.isPending}
      error=${disable.error}
      onConfirm=${() => disabling && disable.mutate(disabling)}
      onCancel=${() => setDisabling(null)}
    >
      <p>Its access tokens are refused at once on every director, and it gets no new ones. Sessions it created keep running.</p>
    <//>
  </div>`;
}
