import { html } from 'htm/preact';
import { call, director } from '../../api.ts';
import { ErrorNote, Note, Skeleton } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Table, type Column } from '../../components/table.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { PolicyView } from '../../types.ts';

type Dict = Record<string, unknown>;
const obj = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const names = (v: unknown) => (list(v).length ? list(v).join(', ') : '—');

interface GrantRow {
  name: string;
  servers: string;
  pools: string;
  members?: string;
}

const grantRows = (v: unknown): GrantRow[] => Object.entries(obj(v)).map(([name, g]) => ({ name, servers: names(obj(g).servers), pools: names(obj(g).pools), members: names(obj(g).members) }));

const grantColumns = (withMembers: boolean): Column<GrantRow>[] => [
  { label: 'Name', cell: (r) => html`<strong>${r.name}</strong>` },
  ...(withMembers ? [{ label: 'Members', cell: (r: GrantRow) => r.members }] : []),
  { label: 'Servers', cell: (r) => r.servers },
  { label: 'Pools', cell: (r) => r.pools },
];

function Status({ status }: { status: PolicyView['status'] }) {
  return html`<div class="card">
    ${
      status.lastError
        ? html`<div class="note note-error" role="alert">
          <strong class="note-title">The last reload failed; the previous policy is still in force.</strong>
          <p class="mono pre-wrap">${status.lastError}</p>
        </div>`
        : html`<${Note} tone="success">The policy files are loaded.<//>`
    }
    <dl class="facts">
      <dt>Loaded</dt><dd title=${dateTime(status.loadedAt)}>${dateTime(status.loadedAt)} (${relativeTime(status.loadedAt)})</dd>
      <dt>Last reload attempt</dt><dd>${dateTime(status.lastAttemptAt)}</dd>
      <dt>Files</dt><dd>${list(status.files).map((f) => html`<div class="mono">${f}</div>`)}</dd>
    </dl>
    <p class="muted small">Edit the files on the director host, then send it SIGHUP (<code>systemctl reload dcvix-director</code>) to reload.</p>
  </div>`;
}

/** The access policy as loaded (read-only), and whether the last reload worked. */
export function PolicyPage() {
  const query = useQuery({ queryKey: queryKeys.adminPolicy, queryFn: () => call(director.v1.admin.policy.get()), refetchInterval: 15_000 });
  const users = obj(query.data?.documents.users);
  const pools = obj(obj(query.data?.documents.pools).pools);
  const poolRows = Object.entries(pools).map(([name, p]) => ({ name, description: String(obj(p).description ?? ''), servers: names(obj(p).servers) }));
  return html`<div class="page">
    <${AdminNav} path="/admin/policy" />
    <${PageHeader} title="Access policy">Who may use which servers and pools (users.json and pools.json).<//>
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${query.isPending ? html`<div class="card"><${Skeleton} lines=${5} /></div>` : null}
    ${
      query.data
        ? html`<${Status} status=${query.data.status} />
          <section class="stack">
            <h2 class="section-title">Administrators</h2>
            <p>${names(users.admins)}${list(users.adminGroups).length ? html` · groups: ${names(users.adminGroups)}` : null}</p>
            <h2 class="section-title">Users</h2>
            <${Table} caption="Users" columns=${grantColumns(false)} rows=${grantRows(users.users)} rowKey=${(r: GrantRow) => r.name} empty="No user entries." />
            <h2 class="section-title">Groups</h2>
            <${Table} caption="Groups" columns=${grantColumns(true)} rows=${grantRows(users.groups)} rowKey=${(r: GrantRow) => r.name} empty="No group entries." />
            <h2 class="section-title">Pools</h2>
            <${Table} caption="Pools" rows=${poolRows} rowKey=${(r: { name: string }) => r.name} empty="No pools defined."
              columns=${[
                { label: 'Pool', cell: (r: (typeof poolRows)[number]) => html`<strong>${r.name}</strong>` },
                { label: 'Description', cell: (r: (typeof poolRows)[number]) => r.description || '—' },
                { label: 'Servers', cell: (r: (typeof poolRows)[number]) => r.servers },
              ]} />
            <details class="raw">
              <summary>Show the files as loaded</summary>
              <pre class="mono">${JSON.stringify(query.data.documents, null, 2)}</pre>
            </details>
          </section>`
        : null
    }
  </div>`;
}
