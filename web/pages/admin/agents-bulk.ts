import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { call, director } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { queryClient, useMutation } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { Agent, AgentState } from '../../types.ts';

type BulkAction = 'deny' | 'clear';

/**
 * After a registration flood: deny every waiting request, or clear every revoked entry, in one step
 * (POST /v1/admin/agents/bulk). Shown on the "waiting" and "revoked" tabs only.
 */
export function AgentsBulkBar({ state, agents, onDone }: { state: AgentState; agents: Agent[]; onDone: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const action: BulkAction | undefined = state === 'pending' ? 'deny' : state === 'revoked' ? 'clear' : undefined;
  const run = useMutation({
    mutationFn: ({ bulk, guids }: { bulk: BulkAction; guids: string[] }) => call(director.v1.admin.agents.bulk.post({ action: bulk, guids })),
    onSuccess: async (result) => {
      setOpen(false);
      onDone(`${result.done.length} ${action === 'deny' ? 'denied' : 'cleared'}${result.failed.length ? `, ${result.failed.length} failed` : ''}.`);
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin });
    },
  });
  if (!action || agents.length === 0) return null;
  const label = action === 'deny' ? `Deny all ${agents.length} waiting` : `Clear all ${agents.length} revoked`;
  return html`<div class="row-actions">
    <button type="button" class="btn btn-danger-quiet btn-small" onClick=${() => (run.reset(), setOpen(true))}>${label}</button>
    <${ConfirmDialog}
      open=${open}
      title=${`${label}?`}
      confirmLabel=${label}
      danger=${true}
      busy=${run.isPending}
      error=${run.error}
      onConfirm=${() => run.mutate({ bulk: action, guids: agents.map((a) => a.guid) })}
      onCancel=${() => setOpen(false)}
    >
      <p>${
        action === 'deny'
          ? 'Every request now waiting is refused and removed. Agents that ask again show up here again.'
          : 'Every revoked entry is removed from the list; those identities could then register again and wait for approval.'
      }</p>
    <//>
  </div>`;
}
