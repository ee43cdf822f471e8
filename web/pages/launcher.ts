import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../api.ts';
import { ConnectionDialog, type ReadySession } from '../components/connection.ts';
import { DesktopCard } from '../components/desktop-card.ts';
import { Empty, ErrorNote, Freshness, Skeleton } from '../components/feedback.ts';
import { SharedWithYou } from '../components/sharing.ts';
import { PageHeader } from '../components/shell.ts';
import { Badge, HealthNote, OnlineBadge, StatsSummary, Tags } from '../components/status.ts';
import { useConnectivity, useOfflineReason } from '../connectivity.ts';
import { clockTime, relativeTime } from '../format.ts';
import { assignSessions, favouriteKey, favouritesFirst, loadFavourites, matches, saveFavourites } from '../launcher-model.ts';
import { useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Session, UserPool, UserServer } from '../types.ts';

/** Shaped like the loaded page (a section title, then cards), so nothing jumps when data arrives. */
const SkeletonCards = () =>
  html`<div aria-hidden="true">
    <div class="section-title">${'\u00a0'}</div>
    <div class="grid">${[0, 1, 2].map((i) => html`<div key=${i} class="card desktop"><${Skeleton} lines=${4} /></div>`)}</div>
  </div>`;

interface CardCommon {
  onReady: (r: ReadySession) => void;
  /** Epoch ms of the data shown when the director is unreachable (the state may have changed since). */
  asOf?: number;
  offlineReason?: string;
  favourite: boolean;
  onToggleFavourite: () => void;
}

/** While the director is unreachable, a badge says what it was, when, never "Online" as if live. */
const LastKnown = ({ online, asOf }: { online: boolean; asOf: number }) => html`<${Badge} tone="neutral" label=${`${online ? 'Online' : 'Offline'} as of ${clockTime(asOf)}`} />`;

/** Users may start sessions only where an admin has not drained the server (maintenance); an older director does not say. */
const inMaintenance = (server: { maintenance?: boolean }) => server.maintenance === true;

function PoolCard({ pool, shown, ...c }: CardCommon & { pool: UserPool; shown: Session[] }) {
  const total = pool.members.length;
  const open = pool.members.filter((m) => m.online && !inMaintenance(m)).length;
  const status = c.asOf ? html`<${LastKnown} online=${pool.online > 0} asOf=${c.asOf} />` : html`<${Badge} tone=${pool.online > 0 ? 'ok' : 'off'} label=${`${pool.online} of ${total} online`} />`;
  const reason = pool.online > 0 ? 'Every server in this pool is in maintenance right now. Your running sessions still work.' : 'No server in this pool is online right now.';
  return html`<${DesktopCard} kind="pool" id=${pool.id} title=${pool.id} status=${status} sessions=${shown} ...${c}
    canStart=${open > 0} cannotStartReason=${reason}>
    ${pool.description ? html`<p>${pool.description}</p>` : null}
    <p class="muted small">A free server in the pool is picked for you.</p>
  <//>`;
}

function ServerCard({ server, shown, ...c }: CardCommon & { server: UserServer; shown: Session[] }) {
  const maintenance = inMaintenance(server);
  const status = c.asOf
    ? html`<${LastKnown} online=${server.online} asOf=${c.asOf} />`
    : html`<${OnlineBadge} online=${server.online} />${maintenance ? html` <${Badge} tone="warn" label="In maintenance" />` : null}`;
  const reason =
    server.online && maintenance
      ? 'This server is in maintenance: it takes no new sessions for now. Your running sessions here still work.'
      : `This server is offline${server.lastSeen ? ` (last seen ${relativeTime(server.lastSeen)})` : ''}.`;
  return html`<${DesktopCard} kind="server" id=${server.id} title=${server.id} status=${status} sessions=${shown} ...${c}
    canStart=${server.online && !maintenance} cannotStartReason=${reason}>
    <${Tags} tags=${server.tags} />
    <${HealthNote} health=${server.health} />
    ${server.online ? html`<${StatsSummary} stats=${server.stats} />` : null}
  <//>`;
}

/** The user's pools and servers, refreshed every 5 s; search, favourites, start or reconnect in one click. */
export function LauncherPage() {
  const query = useQuery({ queryKey: queryKeys.userServers, queryFn: () => call(director.v1.user.servers.get()), refetchInterval: 5_000 });
  const conn = useConnectivity();
  const offlineReason = useOfflineReason();
  const [ready, setReady] = useState<ReadySession | null>(null);
  const [search, setSearch] = useState('');
  const [favs, setFavs] = useState(loadFavourites);
  const view = query.data ? assignSessions(query.data) : { pools: [], servers: [] };
  const pools = favouritesFirst(
    view.pools.filter((p) => matches(search, [p.id, p.description])),
    'pool',
    favs,
  );
  const servers = favouritesFirst(
    view.servers.filter((s) => matches(search, [s.id, ...s.tags])),
    'server',
    favs,
  );
  const total = view.pools.length + view.servers.length;
  const asOf = conn.reachable ? undefined : query.dataUpdatedAt;
  const toggle = (key: string) => () => {
    const next = new Set(favs);
    if (!next.delete(key)) next.add(key);
    saveFavourites(next);
    setFavs(next);
  };
  const common = (kind: 'pool' | 'server', id: string) => ({ onReady: setReady, asOf, offlineReason, favourite: favs.has(favouriteKey(kind, id)), onToggleFavourite: toggle(favouriteKey(kind, id)) });

  return html`<div class="page">
    <${PageHeader} title="Your desktops" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} stale=${!conn.reachable} />`}>
      Start a session, then open it in DCV Viewer or right here in your browser.
    <//>
    ${query.isPending ? html`<${SkeletonCards} />` : null}
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${query.data && !total ? html`<${Empty} title="No desktops yet">No server or pool is assigned to you. Ask your administrator for access.<//>` : null}
    ${
      total > 1
        ? html`<div class="launcher-tools" role="search">
          <label class="field field-inline"><span>Find a desktop</span>
            <input type="search" name="search" value=${search} placeholder="Name, tag or description" autocomplete="off"
              onInput=${(e: Event) => setSearch((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <p class="muted small" role="status">${search.trim() ? `${pools.length + servers.length} of ${total} shown` : ''}</p>
        </div>`
        : null
    }
    ${query.data && total && !pools.length && !servers.length ? html`<${Empty} title="Nothing matches">No pool or server matches “${search.trim()}”.<//>` : null}
    ${
      pools.length
        ? html`<section aria-labelledby="pools-h">
          <h2 id="pools-h" class="section-title">Pools</h2>
          <div class="grid">${pools.map((p) => html`<${PoolCard} key=${p.id} pool=${p} shown=${p.shown} ...${common('pool', p.id)} />`)}</div>
        </section>`
        : null
    }
    ${
      servers.length
        ? html`<section aria-labelledby="servers-h">
          <h2 id="servers-h" class="section-title">Servers</h2>
          <div class="grid">${servers.map((s) => html`<${ServerCard} key=${s.id} server=${s} shown=${s.shown} ...${common('server', s.id)} />`)}</div>
        </section>`
        : null
    }
    <${SharedWithYou} onReady=${setReady} offlineReason=${offlineReason} />
    <aside class="hint">
      <strong>First time?</strong> Install <a href="https://www.amazondcv.com/" target="_blank" rel="noopener noreferrer">Amazon DCV Viewer</a> for the best
      experience, or use “Open in browser”, which needs nothing installed.
    </aside>
    <${ConnectionDialog} ready=${ready} onClose=${() => setReady(null)} />
  </div>`;
}
