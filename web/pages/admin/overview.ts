import './overview.css';
import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote, Freshness, Skeleton } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge, Meter, type Tone } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { TrendFigure } from '../../components/trend-figure.ts';
import { bytes, dateTime, plural, relativeTime } from '../../format.ts';
import { useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import { href } from '../../router.ts';
import type { AttentionHost, Capacity, Overview } from '../../types.ts';

const MIB = 2 ** 20;
const SEVERITY_TONE: Record<AttentionHost['severity'], Tone> = { critical: 'bad', warning: 'warn', notice: 'info' };

const gpuText = (gpu: Capacity['gpu']) => (gpu ? `${bytes(gpu.memoryUsedMiB * MIB)} of ${bytes(gpu.memoryTotalMiB * MIB)}` : '—');

/** Healthy / unhealthy / offline / draining host counts; zero counts say nothing. */
function HostCounts({ of }: { of: Capacity }) {
  const parts: [number, Tone, string][] = [
    [of.healthy, 'ok', 'healthy'],
    [of.unhealthy, 'bad', 'unhealthy'],
    [of.offline, 'off', 'offline'],
    [of.draining, 'warn', 'draining'],
  ];
  const shown = parts.filter(([count]) => count > 0);
  if (!shown.length) return 'No hosts';
  return html`<span class="host-counts">${shown.map(([count, tone, label]) => html`<${Badge} key=${label} tone=${tone} label=${`${count} ${label}`} />`)}</span>`;
}

/** Sessions in use against the places still free. */
function CapacityMeter({ of }: { of: Capacity }) {
  const total = of.inUse + of.free;
  return html`<${Meter} label="Sessions" value=${total ? (of.inUse / total) * 100 : 0} text=${`${of.inUse} in use · ${of.free} free`} />`;
}

/** The fleet now, in a few large figures. */
function Figures({ overview }: { overview: Overview }) {
  const fleet = overview.fleet;
  const figures: [string, string, string?][] = [
    ['Sessions', String(fleet.inUse)],
    ['Free places', String(fleet.free), fleet.capped ? `${plural(fleet.capped, 'host')} by cap, others when idle` : 'idle healthy hosts'],
    ['Healthy hosts', `${fleet.healthy} of ${fleet.hosts}`],
    ['Unhealthy', String(fleet.unhealthy)],
    ['Offline', String(fleet.offline)],
    ['Draining', String(fleet.draining)],
    ...(fleet.gpu ? [['GPU memory in use', gpuText(fleet.gpu), plural(fleet.gpu.count, 'GPU')] as [string, string, string]] : []),
  ];
  return html`<dl class="overview-figures" data-testid="overview-figures">
    ${figures.map(([label, value, note]) => html`<div key=${label} class="card"><dt>${label}</dt><dd>${value}${note ? html`<span class="muted small">${note}</span>` : null}</dd></div>`)}
  </dl>`;
}

const attentionColumns: Column<AttentionHost>[] = [
  { label: 'Host', cell: (host) => html`<strong>${host.id}</strong>` },
  { label: 'Severity', cell: (host) => html`<${Badge} tone=${SEVERITY_TONE[host.severity]} label=${host.severity} />` },
  { label: 'Why', cell: (host) => html`<ul class="reasons">${host.reasons.map((reason) => html`<li key=${reason.code}><span class="mono small">${reason.code}</span> ${reason.message}</li>`)}</ul>` },
  { label: 'Sessions', cell: (host) => String(host.sessions), class: 'num' },
  { label: 'Last update', cell: (host) => html`<span title=${dateTime(host.lastSeen)}>${relativeTime(host.lastSeen)}</span>` },
];

type PoolRow = Overview['pools'][number];
const poolColumns: Column<PoolRow>[] = [
  { label: 'Pool', cell: (pool) => html`<strong>${pool.id}</strong>${pool.description ? html`<div class="muted small">${pool.description}</div>` : null}` },
  { label: 'Capacity', cell: (pool) => html`<${CapacityMeter} of=${pool} />` },
  { label: 'Hosts', cell: (pool) => html`<${HostCounts} of=${pool} />` },
  { label: 'GPU memory in use', cell: (pool) => gpuText(pool.gpu), class: 'num' },
];

/** The attention list with how many are not shown. */
function Attention({ overview }: { overview: Overview }) {
  const { hosts, total } = overview.attention;
  return html`<section aria-labelledby="attention-title" data-testid="attention">
    <h2 class="section-title" id="attention-title">Needs attention${total ? ` (${total})` : ''}</h2>
    <${Table} caption="Hosts that need attention, most severe first" columns=${attentionColumns} rows=${hosts} rowKey=${(host: AttentionHost) => host.id}
      empty="No host needs attention: every host is online, healthy and below its limits." />
    ${total > hosts.length ? html`<p class="muted small">The first ${hosts.length} of ${total}; <a href=${href('/admin/servers')}>all servers</a>.</p>` : null}
  </section>`;
}

/** Sessions and hosts over the samples this director holds. */
function Trends({ overview }: { overview: Overview }) {
  const history = overview.history;
  const sessions = useMemo(() => [{ label: 'Sessions', values: history.sessions, colour: '--accent' }], [history]);
  const hosts = useMemo(
    () => [
      { label: 'Healthy hosts', values: history.healthyHosts, colour: '--ok' },
      { label: 'Known hosts', values: history.hosts, colour: '--muted' },
    ],
    [history],
  );
  return html`<section aria-labelledby="trends-title">
    <h2 class="section-title" id="trends-title">Last 24 hours</h2>
    <div class="trends">
      <${TrendFigure} title="Sessions" times=${history.times} lines=${sessions} testId="chart-sessions" />
      <${TrendFigure} title="Hosts" times=${history.times} lines=${hosts} testId="chart-hosts" />
    </div>
  </section>`;
}

/**
 * The fleet at a glance (admin): figures now, 24 hours of sessions and healthy hosts as charts, the
 * hosts to look at first, and each pool's capacity. The answering director's own view.
 */
export function OverviewPage() {
  const query = useQuery({ queryKey: queryKeys.adminOverview, queryFn: () => call(director.v1.admin.overview.get()), refetchInterval: 30_000 });
  const overview = query.data;
  return html`<div class="page">
    <${AdminNav} path="/admin/overview" />
    <${PageHeader} title="Overview" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      ${
        overview
          ? `As seen by director ${overview.director.name}, sampled every minute since it started ${relativeTime(overview.director.startedAt)}.`
          : 'Capacity, trouble and the last 24 hours of the fleet.'
      }
    <//>
    ${query.isError && !overview ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${query.isPending ? html`<div class="card"><${Skeleton} lines=${3} /></div><${TableSkeleton} />` : null}
    ${
      overview
        ? html`<${Figures} overview=${overview} />
          <${Trends} overview=${overview} />
          <${Attention} overview=${overview} />
          <section aria-labelledby="pools-title">
            <h2 class="section-title" id="pools-title">Pools</h2>
            <${Table} caption="Capacity of each pool" columns=${poolColumns} rows=${overview.pools} rowKey=${(pool: PoolRow) => pool.id} empty="The policy defines no pool." />
          </section>`
        : null
    }
  </div>`;
}
