import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { plural, relativeTime } from '../format.ts';
import { queryClient, useMutation } from '../query.ts';
import type { Session } from '../types.ts';
import { ConfirmDialog } from './dialog.ts';

const typeName = (t: Session['type']) => (t === 'console' ? 'Console session' : 'Virtual session');

/** The user's running sessions on one server or pool: connect again, or end one (after a question). */
export function SessionList({ sessions, onConnect, showServer }: { sessions: Session[]; onConnect: (s: Session) => void; showServer?: boolean }) {
  const [ending, setEnding] = useState<Session | null>(null);
  const end = useMutation({
    mutationFn: (s: Session) => api(`/v1/user/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' }),
    onSuccess: async () => {
      setEnding(null);
      await queryClient.invalidateQueries({ queryKey: ['user-servers'] });
    },
  });
  if (!sessions.length) return null;
  return html`<div class="sessions">
    <h4 class="sessions-title">Your sessions</h4>
    <ul class="session-list">
      ${sessions.map(
        (s) => html`<li key=${s.id} class="session">
          <div class="session-info">
            <strong>${typeName(s.type)}</strong>
            <span class="muted small">
              ${showServer ? html`on ${s.serverId} · ` : null}${s.creationTime ? `started ${relativeTime(s.creationTime)} · ` : ''}${s.numOfConnections > 0 ? `${plural(s.numOfConnections, 'viewer')} connected` : 'nobody connected'}
            </span>
          </div>
          <div class="session-actions">
            <button type="button" class="btn btn-primary btn-small" onClick=${() => onConnect(s)}>Connect</button>
            <button type="button" class="btn btn-quiet btn-small" onClick=${() => (end.reset(), setEnding(s))} aria-label=${`End session ${s.id}`}>End</button>
          </div>
        </li>`,
      )}
    </ul>
    <${ConfirmDialog}
      open=${!!ending}
      title="End this session?"
      confirmLabel="End session"
      danger
      busy=${end.isPending}
      error=${end.error}
      onConfirm=${() => ending && end.mutate(ending)}
      onCancel=${() => setEnding(null)}
    >
      <p>The desktop <code>${ending?.id}</code> on ${ending?.serverId} will be closed. Programs still running in it stop, and unsaved work is lost.</p>
    <//>
  </div>`;
}
