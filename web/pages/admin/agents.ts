import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, call, director } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { ErrorNote, Freshness, Note, useFlash } from '../../components/feedback.ts';
import { AdminNav, PageHeader } from '../../components/shell.ts';
import { Badge, Fingerprint } from '../../components/status.ts';
import { Table, TableSkeleton, type Column } from '../../components/table.ts';
import { useOfflineReason } from '../../connectivity.ts';
import { dateTime, plural, relativeTime } from '../../format.ts';
import { queryClient, useMutation, useQuery } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import { href, type Route } from '../../router.ts';
import type { Agent, AgentState, BulkResult } from '../../types.ts';
import { AgentsBulkBar } from './agents-bulk.ts';

type Action = 'approve' | 'deny' | 'revoke' | 'clear';
const STATES: { state: AgentState; label: string; empty: string }[] = [
  { state: 'pending', label: 'Waiting for approval', empty: 'No agent is waiting. New agents appear here when they first contact the director.' },
  { state: 'registered', label: 'Registered', empty: 'No agent is registered yet.' },
  { state: 'revoked', label: 'Revoked', empty: 'No agent has been revoked.' },
];
const DONE: Record<Action, string> = { approve: 'approved', deny: 'denied', revoke: 'revoked', clear: 'cleared from the list' };
const TITLE: Record<Action, string> = { approve: 'Approve', deny: 'Deny', revoke: 'Revoke', clear: 'Clear' };
const CONFIRM: Record<Action, string> = { approve: 'Approve agent', deny: 'Deny request', revoke: 'Revoke agent', clear: 'Clear from list' };

/** One agent's action; "clear" goes through the bulk route (POST /v1/admin/agents/bulk), which holds it. */
async function runAction({ agents, action, force }: { agents: Agent[]; action: Action; force?: boolean }): Promise<BulkResult> {
  if (action === 'clear') return call(director.v1.admin.agents.bulk.post({ action, guids: agents.map((a) => a.guid) }));
  const agent = agents[0]!;
  const one = director.v1.admin.agents({ guid: encodeURIComponent(agent.guid) });
  // Pin what the admin saw: the director refuses the approval if the request changed since.
  if (action === 'approve') await call(one.approve.post(agent.csrFingerprint ? { csrFingerprint: agent.csrFingerprint } : undefined));
  else if (action === 'deny') await call(one.deny.post());
  // The dialog named the live sessions (from sessionCount, or from a 409 AGENT_HAS_SESSIONS when the
  // list was older than they are): confirming it is the force.
  else await call(one.revoke.post(force || agent.sessionCount ? { force: true } : undefined));
  return { done: [agent.guid], failed: [] };
}

const liveSessions = (err: unknown) => (err instanceof ApiError && err.code === 'AGENT_HAS_SESSIONS' ? err : undefined);

/** Agent registrations: approve or deny new agents (after comparing the CSR fingerprint), revoke old ones. */
export function AgentsPage({ route }: { route: Route }) {
  const current = (STATES.find((s) => s.state === route.params.get('state')) ?? STATES[0])!;
  const query = useQuery({ queryKey: queryKeys.adminAgents, queryFn: () => call(director.v1.admin.agents.get()), refetchInterval: 5_000 });
  const [pending, setPending] = useState<{ agents: Agent[]; action: Action } | null>(null);
  const [done, setDone] = useFlash();
  const offlineReason = useOfflineReason();
  const act = useMutation({
    mutationFn: runAction,
    onSuccess: async (result, { agents, action }) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin });
      setPending(null);
      const codes = [...new Set(result.failed.map((f) => f.code))].join(', ');
      if (agents.length === 1) setDone(result.done.length ? `${agents[0]!.hostname} ${DONE[action]}.` : `${agents[0]!.hostname} was not changed (${codes}).`);
      else setDone(`${plural(result.done.length, 'agent')} ${DONE[action]}.${result.failed.length ? ` ${plural(result.failed.length, 'agent')} could not be changed (${codes}).` : ''}`);
    },
  });
  const open = (agents: Agent[], action: Action) => (act.reset(), setDone(''), setPending({ agents, action }));
  const all = query.data?.agents ?? [];
  const rows = all.filter((a) => a.state === current.state);
  const hasSessions = liveSessions(act.error);
  const btn = (a: Agent, action: Action, cls: string) =>
    html`<button type="button" class=${`btn ${cls} btn-small`} aria-disabled=${!!offlineReason} title=${offlineReason}
      aria-label=${`${TITLE[action]} ${a.hostname}`} onClick=${() => offlineReason || open([a], action)}>${TITLE[action]}</button>`;

  const columns: Column<Agent>[] = [
    {
      label: 'Host',
      cell: (a) =>
        html`<strong>${a.hostname}</strong>${a.keyChangePending ? html` <${Badge} tone="warn" label="New key waiting" />` : null}${a.returning ? html` <${Badge} tone="neutral" label="returning: same key as before" />` : null}<div class="muted small mono">${a.guid}</div>`,
    },
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
        ${a.state === 'pending' || a.keyChangePending ? btn(a, 'approve', 'btn-primary') : null}
        ${a.state === 'pending' ? btn(a, 'deny', 'btn-quiet') : null}
        ${a.state === 'registered' ? btn(a, 'revoke', 'btn-danger-quiet') : null}
        ${a.state === 'revoked' ? btn(a, 'clear', 'btn-quiet') : null}
      </div>`,
    },
  ];

  return html`<div class="page">
    <${AdminNav} path="/admin/agents" />
    <${PageHeader} title="Agents" actions=${html`<${Freshness} fetching=${query.isFetching} updatedAt=${query.dataUpdatedAt} />`}>
      Each DCV host runs an agent. A new agent may serve sessions only after you approve it.
    <//>
    <nav class="segmented" aria-label="Agent state">
      ${STATES.map((tab) => {
        const inState = all.filter((a) => a.state === tab.state).length;
        return html`<a key=${tab.state} href=${href(`/admin/agents?state=${tab.state}`)} aria-current=${tab.state === current.state ? 'page' : undefined}>
          ${tab.label}${query.data ? html` <span class="count">${inState}</span>` : null}
        </a>`;
      })}
    </nav>
    <div class="live" aria-live="polite">${done ? html`<${Note} tone="success">${done}<//>` : null}</div>
    <${AgentsBulkBar} state=${current.state} agents=${rows} onDone=${setDone} />
    ${query.isError && !query.data ? html`<${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />` : null}
    ${query.isPending ? html`<${TableSkeleton} />` : html`<${Table} caption=${`Agents: ${current.label}`} columns=${columns} rows=${rows} rowKey=${(a: Agent) => a.guid} empty=${current.empty} />`}
    <${ConfirmDialog}
      open=${!!pending}
      title=${pending ? `${TITLE[pending.action]} ${pending.agents.length === 1 ? pending.agents[0]!.hostname : plural(pending.agents.length, 'agent')}?` : ''}
      confirmLabel=${hasSessions ? 'Revoke anyway' : pending ? CONFIRM[pending.action] : ''}
      danger=${pending?.action !== 'approve'}
      busy=${act.isPending}
      error=${hasSessions ? undefined : act.error}
      onConfirm=${() => pending && act.mutate({ ...pending, force: !!hasSessions })}
      onCancel=${() => setPending(null)}
    >
      ${
        hasSessions
          ? html`<div class="note note-warning" role="alert" data-testid="has-sessions"><p><strong>${hasSessions.message}</strong> Revoking now cuts those users off: their sessions lose the director and cannot be reconnected through it.</p></div>`
          : null
      }
      ${pending ? html`<${ActionFacts} agents=${pending.agents} action=${pending.action} />` : null}
    <//>
  </div>`;
}

function ActionFacts({ agents, action }: { agents: Agent[]; action: Action }) {
  const agent = agents[0]!;
  const what: Record<Action, string> = {
    clear: 'Revoked agents stay listed for the record until you clear them. Clearing removes the entry only; the agent stays refused.',
    approve:
      'The agent gets a certificate from this director and can then host sessions. Approve only a host you expect: its agent ID is in agent.guid in the agent’s data directory. The approval is pinned to this request; if the request changes before you confirm, the director refuses it.',
    deny: 'The request is refused and removed. If the agent asks again it shows up here again.',
    revoke:
      'The agent is cut off at once: the director refuses its certificate and places no more sessions on it. A revoked agent cannot register again under the same identity: to bring the host back, delete agent.key on it so it registers as a new agent, then approve that.',
  };
  if (agents.length > 1) return html`<p>${what[action]}</p><ul class="small">${agents.map((a) => html`<li key=${a.guid}>${a.hostname} <span class="mono muted">${a.guid}</span></li>`)}</ul>`;
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
