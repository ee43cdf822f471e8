import { html } from 'htm/preact';
import { call, director } from '../../api.ts';
import { ErrorNote, Freshness } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { HealthBadge, OnlineBadge, Tags } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { bytes, dateTime, percent, plural, relativeTime } from '../../format.ts';
import { useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import { href } from '../../router.ts';
import type { AdminServer } from '../../types.ts';

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

const columns: Column<AdminServer>[] = [
  { label: 'Server', cell: (s) => html`<strong>${s.id}</strong><div class="muted small mono">${s.guid}</div>` },
  { label: 'State', cell: (s) => html`<${OnlineBadge} online=${s.online} />` },
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

/** Every server the agents report, with live stats (refreshed every 5 s). */
export function ServersPage() {
  const query = useQuery({ queryKey: queryKeys.adminServers, queryFn: () => call(director.v1.servers.get()), refetchInterval: 5_000 });
  const servers = query.data?.servers ?? [];
  const online = servers.filter((s) => s.online).length;
  const unhealthy = servers.filter((s) => s.health?.status === 'unhealthy').length;
  return html`<div class="page">
    <${AdminNav} path="/admin/servers" />
    <${PageHeader} title="Servers" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      ${query.data ? `${online} of ${plural(servers.length, 'server')} online${unhealthy ? `, ${unhealthy} unhealthy` : ''}.` : 'DCV hosts reported by their agents.'}
    <//>
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${
      query.isPending
        ? html`<${TableSkeleton} />`
        : html`<${Table} caption="Servers" columns=${columns} rows=${servers} rowKey=${(s: AdminServer) => s.id}
          empty="No server has reported yet. Servers appear once their agent is approved and sends its first update." />`
    }
  </div>`;
}
