import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConnectionDialog, type ReadySession } from '../components/connection.ts';
import { DesktopCard } from '../components/desktop-card.ts';
import { Empty, ErrorNote, Freshness, Skeleton } from '../components/feedback.ts';
import { PageHeader } from '../components/shell.ts';
import { Badge, OnlineBadge, StatsSummary, Tags } from '../components/status.ts';
import { relativeTime } from '../format.ts';
import { useQuery } from '../query.ts';
import type { UserPool, UserServer, UserServers } from '../types.ts';

/** Shaped like the loaded page (a section title, then cards), so nothing jumps when data arrives. */
const SkeletonCards = () =>
  html`<div aria-hidden="true">
    <div class="section-title">${'\u00a0'}</div>
    <div class="grid">${[0, 1, 2].map((i) => html`<div key=${i} class="card desktop"><${Skeleton} lines=${4} /></div>`)}</div>
  </div>`;

function PoolCard({ pool, onReady }: { pool: UserPool; onReady: (r: ReadySession) => void }) {
  const status = html`<${Badge} tone=${pool.online > 0 ? 'ok' : 'off'} label=${`${pool.online} of ${pool.members.length} online`} />`;
  return html`<${DesktopCard} kind="pool" id=${pool.id} title=${pool.id} status=${status} sessions=${pool.sessions}
    canStart=${pool.online > 0} cannotStartReason="No server in this pool is online right now." onReady=${onReady}>
    ${pool.description ? html`<p>${pool.description}</p>` : null}
    <p class="muted small">A free server in the pool is picked for you.</p>
  <//>`;
}

function ServerCard({ server, onReady }: { server: UserServer; onReady: (r: ReadySession) => void }) {
  return html`<${DesktopCard} kind="server" id=${server.id} title=${server.id} status=${html`<${OnlineBadge} online=${server.online} />`}
    sessions=${server.sessions} canStart=${server.online} onReady=${onReady}
    cannotStartReason=${`This server is offline${server.lastSeen ? ` (last seen ${relativeTime(server.lastSeen)})` : ''}.`}>
    <${Tags} tags=${server.tags} />
    ${server.online ? html`<${StatsSummary} stats=${server.stats} />` : null}
  <//>`;
}

/** The user's pools and servers, refreshed every 5 s; start or reconnect a session in one click. */
export function LauncherPage() {
  const q = useQuery({ queryKey: ['user-servers'], queryFn: () => api<UserServers>('/v1/user/servers'), refetchInterval: 5_000 });
  const [ready, setReady] = useState<ReadySession | null>(null);
  const pools = q.data?.pools ?? [];
  const servers = q.data?.servers ?? [];

  return html`<div class="page">
    <${PageHeader} title="Your desktops" actions=${html`<${Freshness} fetching=${q.isFetching} updatedAt=${q.dataUpdatedAt} />`}>
      Start a session, then open it in DCV Viewer or right here in your browser.
    <//>
    ${q.isPending ? html`<${SkeletonCards} />` : null}
    ${q.isError && !q.data ? html`<${ErrorNote} error=${q.error} onRetry=${() => q.refetch()} />` : null}
    ${q.data && !pools.length && !servers.length
      ? html`<${Empty} title="No desktops yet">No server or pool is assigned to you. Ask your administrator for access.<//>`
      : null}
    ${pools.length
      ? html`<section aria-labelledby="pools-h">
          <h2 id="pools-h" class="section-title">Pools</h2>
          <div class="grid">${pools.map((p) => html`<${PoolCard} key=${p.id} pool=${p} onReady=${setReady} />`)}</div>
        </section>`
      : null}
    ${servers.length
      ? html`<section aria-labelledby="servers-h">
          <h2 id="servers-h" class="section-title">Servers</h2>
          <div class="grid">${servers.map((s) => html`<${ServerCard} key=${s.id} server=${s} onReady=${setReady} />`)}</div>
        </section>`
      : null}
    <aside class="hint">
      <strong>First time?</strong> Install <a href="https://www.amazondcv.com/" target="_blank" rel="noopener noreferrer">Amazon DCV Viewer</a> for the best
      experience, or use “Open in browser”, which needs nothing installed.
    </aside>
    <${ConnectionDialog} ready=${ready} onClose=${() => setReady(null)} />
  </div>`;
}
