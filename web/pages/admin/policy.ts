import './policy.css';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ErrorNote, Note, Skeleton } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Table, type Column } from '../../components/table.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { PolicyView } from '../../types.ts';

type PolicyTools = { PolicyEditor: typeof import('./policy-editor.ts')['PolicyEditor']; PolicyExplain: typeof import('./policy-explain.ts')['PolicyExplain'] };

/**
 * The editor and explain, loaded when the policy page opens: chunks of their own, so the launcher's
 * first load stays small. Null until they arrive (or if they cannot be loaded: the page still reads).
 */
function usePolicyTools(): PolicyTools | null {
  const [tools, setTools] = useState<PolicyTools | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([import('./policy-editor.ts'), import('./policy-explain.ts')])
      .then(([editor, explain]) => live && setTools({ PolicyEditor: editor.PolicyEditor, PolicyExplain: explain.PolicyExplain }))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return tools;
}

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

const SOURCE = { files: 'the policy files, at the first start', edit: 'an edit', import: 'policy import' } as const;

function Status({ status }: { status: PolicyView['status'] }) {
  const version = status.version;
  return html`<div class="card">
    ${
      status.lastError
        ? html`<div class="note note-error" role="alert">
          <strong class="note-title">The last reload failed; the previous version is still in force.</strong>
          <p class="mono pre-wrap">${status.lastError}</p>
        </div>`
        : html`<${Note} tone="success">${version ? `Version ${version.version} is in force.` : 'The policy is loaded.'}<//>`
    }
    <dl class="facts">
      ${
        version
          ? html`<dt>Version</dt><dd data-testid="policy-version">${version.version}, saved by ${version.createdBy} <span title=${dateTime(version.createdAt)}>${relativeTime(version.createdAt)}</span> (${SOURCE[version.source]})</dd>`
          : null
      }
      <dt>Loaded</dt><dd title=${dateTime(status.loadedAt)}>${dateTime(status.loadedAt)} (${relativeTime(status.loadedAt)})</dd>
      <dt>Files</dt><dd>${list(status.files).map((f) => html`<div class="mono">${f}</div>`)}</dd>
    </dl>
    <p class="muted small">The policy lives in the director's store: every director runs its newest version. The files seed an empty store;
      <code>dcvix-director policy import</code> stores changed files, <code>dcvix-director policy export</code> writes the stored policy back to files.</p>
  </div>`;
}

function History({ history }: { history: PolicyView['history'] }) {
  return html`<${Table} caption="Versions" rows=${history} rowKey=${(r: PolicyView['history'][number]) => String(r.version)} empty="No stored version."
    columns=${[
      { label: 'Version', cell: (r: PolicyView['history'][number]) => html`<strong>${r.version}</strong>`, class: 'num' },
      { label: 'Saved by', cell: (r: PolicyView['history'][number]) => r.createdBy },
      { label: 'When', cell: (r: PolicyView['history'][number]) => html`<span title=${dateTime(r.createdAt)}>${relativeTime(r.createdAt)}</span>` },
      { label: 'How', cell: (r: PolicyView['history'][number]) => SOURCE[r.source] },
    ]} />`;
}

/** The access policy in force: its version, what it grants, an editor, explain, and the versions before it. */
export function PolicyPage() {
  const tools = usePolicyTools();
  const query = useQuery({ queryKey: queryKeys.adminPolicy, queryFn: () => call(director.v1.admin.policy.get()), refetchInterval: 15_000 });
  const users = obj(query.data?.documents.users);
  const pools = obj(obj(query.data?.documents.pools).pools);
  const poolRows = Object.entries(pools).map(([name, p]) => ({ name, description: String(obj(p).description ?? ''), servers: names(obj(p).servers) }));
  return html`<div class="page">
    <${AdminNav} path="/admin/policy" />
    <${PageHeader} title="Access policy">Who may use which servers and pools (users.json and pools.json), as stored and in force on every director.<//>
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
          </section>
          ${tools ? html`<${tools.PolicyExplain} />` : null}
          ${tools ? html`<${tools.PolicyEditor} view=${query.data} />` : html`<div class="card"><${Skeleton} lines=${4} /></div>`}
          <section class="stack">
            <h2 class="section-title">Versions</h2>
            <${History} history=${query.data.history} />
          </section>`
        : null
    }
  </div>`;
}
