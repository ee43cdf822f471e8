import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { HealthBadge, OnlineBadge, Tags } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { bytes, dateTime, percent, plural, relativeTime } from '../../format.ts';
import { useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import { href } from '../../router.ts';
import type { AdminServer } from '../../types.ts';
import { useOfflineReason } from '../../connectivity.ts';
import { MaintenanceBadge, ServerActionDialog, type ServerAction } from './server-maintenance.ts';

/** A server's sessions, folded (owner, type, id), with a link to the filtered sessions page. */
function ServerSessions({ s }: { s: AdminServer }) {
  if (!s.sessions.length) return 'None';
  return html`<details class="server-sessions">
    <summary>${plural(s.sessions.length, 'session')}</summary>
    <ul>${s.sessions.map((x) => html`<li key=${x.id}><strong>${x.owner}</strong> · ${x.type === 'console' ? 'console' : 'virtual'} · <span class="mono">${x.id}</span></li>`)}</ul>
    <a href=${href(`/admin/sessions?server=${encodeURIComponent(s.id)}`)}>Manage these sessions</a>
  </details>`;
}

/** A server's GPUs as its agent reads them with nvidia-smi: model, then free memory and utilisation. */
function ServerGpus({ s }: { s: AdminServer }) {
  if (!s.gpus?.length) return '—';
  return s.gpus.map(
    (gpu, index) =>
      html`<div key=${index}>${gpu.name}<div class="muted small">${bytes(Math.max(0, gpu.memoryTotalBytes - gpu.memoryUsedBytes))} free of ${bytes(gpu.memoryTotalBytes)}${gpu.utilizationPercent === undefined ? '' : ` · ${percent(gpu.utilizationPercent)}`}</div></div>`,
  );
}

const server: Column<AdminServer> = { label: 'Server', cell: (s) => html`<strong>${s.id}</strong><div class="muted small mono">${s.guid}</div>` };
const figures: Column<AdminServer>[] = [
  { label: 'Health', cell: (s) => html`<${HealthBadge} health=${s.health} stale=${s.stale} />${s.dcvError ? html`<div class="small">DCV: ${s.dcvError}</div>` : null}` },
  { label: 'Agent', cell: (s) => `${s.address}:${s.agentPort}`, class: 'mono' },
  { label: 'Tags', cell: (s) => (s.tags.length ? html`<${Tags} tags=${s.tags} />` : '—') },
  { label: 'CPU', cell: (s) => (s.stats ? `${percent(s.stats.cpu_usage)} · ${s.stats.cores} cores` : '—'), class: 'num' },
  { label: 'Memory free', cell: (s) => (s.stats ? `${bytes(s.stats.free_memory)} of ${bytes(s.stats.total_memory)}` : '—'), class: 'num' },
  { label: 'GPUs', cell: (s) => html`<${ServerGpus} s=${s} />` },
  { label: 'Load', cell: (s) => (s.stats ? s.stats.load1.toFixed(2) : '—'), class: 'num' },
  { label: 'Sessions', cell: (s) => html`<${ServerSessions} s=${s} />` },
  { label: 'Version', cell: (s) => s.version ?? '—' },
  { label: 'Last update', cell: (s) => html`<span title=${dateTime(s.lastSeen)}>${relativeTime(s.lastSeen)}</span>` },
];

/** Every server the agents report, with live stats (refreshed every 5 s); drain, open and close all sessions for maintenance. */
export function ServersPage() {
  const query = useQuery({ queryKey: queryKeys.adminServers, queryFn: () => call(director.v1.servers.get()), refetchInterval: 5_000 });
  const [pending, setPending] = useState<{ server: AdminServer; action: ServerAction } | null>(null);
  const [done, setDone] = useFlash();
  const offlineReason = useOfflineReason();
  const servers = query.data?.servers ?? [];
  const online = servers.filter((s) => s.online).length;
  const unhealthy = servers.filter((s) => s.health?.status === 'unhealthy').length;
  const drained = servers.filter((s) => s.maintenance).length;
  const ask = (server: AdminServer, action: ServerAction) => {
    setDone('');
    setPending({ server, action });
  };
  const btn = (s: AdminServer, action: ServerAction, label: string, cls: string) =>
    html`<button type="button" class=${`btn ${cls} btn-small`} aria-disabled=${!!offlineReason} title=${offlineReason}
      aria-label=${`${label} ${s.id}`} onClick=${() => offlineReason || ask(s, action)}>${label}</button>`;
  // The maintenance actions sit with the state they change: the table is wide enough already.
  const columns: Column<AdminServer>[] = [
    server,
    {
      label: 'State',
      cell: (s) => html`<${OnlineBadge} online=${s.online} /><${MaintenanceBadge} server=${s} />
        <div class="row-actions server-actions">
          ${s.maintenance ? btn(s, 'open', 'Open', 'btn-primary') : btn(s, 'drain', 'Drain', 'btn-quiet')}
          ${s.sessions.length ? btn(s, 'close-sessions', 'Close sessions', 'btn-danger-quiet') : null}
        </div>`,
    },
    ...figures,
  ];
  return html`<div class="page">
    <${AdminNav} path="/admin/servers" />
    <${PageHeader} title="Servers" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      ${query.data ? `${online} of ${plural(servers.length, 'server')} online${unhealthy ? `, ${unhealthy} unhealthy` : ''}${drained ? `, ${drained} in maintenance` : ''}.` : 'DCV hosts reported by their agents.'}
    <//>
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${
      query.isPending
        ? html`<${TableSkeleton} />`
        : html`<${Table} caption="Servers" columns=${columns} rows=${servers} rowKey=${(s: AdminServer) => s.id}
          empty="No server has reported yet. Servers appear once their agent is approved and sends its first update." />`
    }
    <${ServerActionDialog} pending=${pending} onDone=${(message: string) => (setPending(null), setDone(message))} onCancel=${() => setPending(null)} />
  </div>`;
}
