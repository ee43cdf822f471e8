import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge, Fingerprint } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { dateTime, relativeTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { href, type Route } from '../../router.ts';
import type { Agent, AgentState } from '../../types.ts';
import { AgentsBulkBar } from './agents-bulk.ts';

type Action = 'approve' | 'deny' | 'revoke';
const STATES: { state: AgentState; label: string; empty: string }[] = [
  { state: 'pending', label: 'Waiting for approval', empty: 'No agent is waiting. New agents appear here when they first contact the director.' },
  { state: 'registered', label: 'Registered', empty: 'No agent is registered yet.' },
  { state: 'revoked', label: 'Revoked', empty: 'No agent has been revoked.' },
];
const DONE: Record<Action, string> = { approve: 'approved', deny: 'denied', revoke: 'revoked' };

/** Agent registrations: approve or deny new agents (after comparing the CSR fingerprint), revoke old ones. */
export function AgentsPage({ route }: { route: Route }) {
  const current = (STATES.find((s) => s.state === route.params.get('state')) ?? STATES[0])!;
  const q = useQuery({ queryKey: ['admin', 'agents'], queryFn: () => api<{ agents: Agent[] }>('/v1/admin/agents'), refetchInterval: 5_000 });
  const [pending, setPending] = useState<{ agent: Agent; action: Action } | null>(null);
  const [done, setDone] = useFlash();
  const act = useMutation({
    mutationFn: ({ agent, action }: { agent: Agent; action: Action }) =>
      api(`/v1/admin/agents/${encodeURIComponent(agent.guid)}/${action}`, {
        method: 'POST',
        // Pin what the admin saw: the director refuses the approval if the request changed since.
        body: action === 'approve' && agent.csrFingerprint ? { csrFingerprint: agent.csrFingerprint }
          // The dialog named the live sessions (they stay listed as orphaned): confirming it is the force.
          : action === 'revoke' && agent.sessionCount ? { force: true }
          : undefined,
      }),
    onSuccess: async (_r, { agent, action }) => {
      setPending(null);
      setDone(`${agent.hostname} ${DONE[action]}.`);
      await queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const open = (agent: Agent, action: Action) => (act.reset(), setDone(''), setPending({ agent, action }));
  const all = q.data?.agents ?? [];
  const rows = all.filter((a) => a.state === current.state);

  const columns: Column<Agent>[] = [
    { label: 'Host', cell: (a) => html`<strong>${a.hostname}</strong>${a.keyChangePending ? html` <${Badge} tone="warn" label="New key waiting" />` : null}${a.returning ? html` <${Badge} tone="neutral" label="returning: same key as before" />` : null}<div class="muted small mono">${a.guid}</div>` },
    { label: 'Address', cell: (a) => a.remoteAddress ?? '—', class: 'mono' },
    { label: 'CSR fingerprint (SHA-256)', cell: (a) => html`<${Fingerprint} value=${a.csrFingerprint} />`, class: 'mono' },
    current.state === 'pending'
      ? { label: 'Asked', cell: (a) => html`<span title=${dateTime(a.createdAt)}>${relativeTime(a.createdAt)}</span>` }
      : current.state === 'registered'
        ? { label: 'Certificate until', cell: (a) => dateTime(a.certNotAfter) }
        : { label: 'Revoked', cell: (a) => html`<span title=${dateTime(a.revokedAt)}>${relativeTime(a.revokedAt)}</span>` },
    { label: 'Last seen', cell: (a) => html`<span title=${dateTime(a.lastSeen)}>${relativeTime(a.lastSeen)}</span>` },
    {
      label: 'Actions',
      class: 'actions',
      cell: (a) => html`<div class="row-actions">
        ${a.state === 'pending' || a.keyChangePending ? html`<button type="button" class="btn btn-primary btn-small" onClick=${() => open(a, 'approve')}>Approve</button>` : null}
        ${a.state === 'pending' ? html`<button type="button" class="btn btn-quiet btn-small" onClick=${() => open(a, 'deny')}>Deny</button>` : null}
        ${a.state === 'registered' ? html`<button type="button" class="btn btn-danger-quiet btn-small" onClick=${() => open(a, 'revoke')}>Revoke</button>` : null}
      </div>`,
    },
  ];

  return html`<div class="page">
    <${AdminNav} path="/admin/agents" />
    <${PageHeader} title="Agents" actions=${html`<${Freshness} fetching=${q.isFetching} updatedAt=${q.dataUpdatedAt} />`}>
      Each DCV host runs an agent. A new agent may serve sessions only after you approve it.
    <//>
    <nav class="segmented" aria-label="Agent state">
      ${STATES.map((s) => {
        const n = all.filter((a) => a.state === s.state).length;
        return html`<a key=${s.state} href=${href(`/admin/agents?state=${s.state}`)} aria-current=${s.state === current.state ? 'page' : undefined}>
          ${s.label}${q.data ? html` <span class="count">${n}</span>` : null}
        </a>`;
      })}
    </nav>
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    <${AgentsBulkBar} state=${current.state} agents=${rows} onDone=${setDone} />
    ${q.isError && !q.data ? html`<${ErrorNote} error=${q.error} onRetry=${() => q.refetch()} />` : null}
    ${q.isPending ? html`<${TableSkeleton} />` : html`<${Table} caption=${`Agents: ${current.label}`} columns=${columns} rows=${rows} rowKey=${(a: Agent) => a.guid} empty=${current.empty} />`}
    <${ConfirmDialog}
      open=${!!pending}
      title=${pending ? `${pending.action === 'approve' ? 'Approve' : pending.action === 'deny' ? 'Deny' : 'Revoke'} ${pending.agent.hostname}?` : ''}
      confirmLabel=${pending?.action === 'approve' ? 'Approve agent' : pending?.action === 'deny' ? 'Deny request' : 'Revoke agent'}
      danger=${pending?.action !== 'approve'}
      busy=${act.isPending}
      error=${act.error}
      onConfirm=${() => pending && act.mutate(pending)}
      onCancel=${() => setPending(null)}
    >
      ${pending ? html`<${ActionFacts} agent=${pending.agent} action=${pending.action} />` : null}
    <//>
  </div>`;
}

function ActionFacts({ agent, action }: { agent: Agent; action: Action }) {
  const what: Record<Action, string> = {
    approve: 'The agent gets a certificate from this director and can then host sessions. Approve only a host you expect: its agent ID is in agent.guid in the agent’s data directory. The approval is pinned to this request; if the request changes before you confirm, the director refuses it.',
    deny: 'The request is refused and removed. If the agent asks again it shows up here again.',
    revoke: 'The agent is cut off at once: the director refuses its certificate and places no more sessions on it. A revoked agent cannot register again under the same identity: to bring the host back, delete agent.key on it so it registers as a new agent, then approve that.',
  };
  return html`<p>${what[action]}</p>
    ${action === 'revoke' && agent.sessionCount ? html`<p><strong>${agent.sessionCount} live session${agent.sessionCount === 1 ? '' : 's'}</strong> on this host will be shown as orphaned until you close them.</p>` : null}
    <dl class="facts">
      <dt>Host</dt><dd>${agent.hostname}</dd>
      <dt>Agent ID</dt><dd class="mono">${agent.guid}</dd>
      <dt>Address</dt><dd class="mono">${agent.remoteAddress ?? '—'}</dd>
      <dt>CSR fingerprint</dt><dd class="mono" data-testid="confirm-fingerprint"><${Fingerprint} value=${agent.csrFingerprint} /></dd>
      ${agent.approvedBy ? html`<dt>Approved by</dt><dd>${agent.approvedBy}, ${dateTime(agent.approvedAt)}</dd>` : null}
    </dl>`;
}
