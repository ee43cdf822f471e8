import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, director } from '../api.ts';
import { plural, relativeTime } from '../format.ts';
import { queryClient, useMutation } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Session } from '../types.ts';
import { ConfirmDialog } from './dialog.ts';
import { useFlash } from './feedback.ts';
import { SessionThumbnail } from './session-thumbnail.ts';
import { sharesOf, useShares } from './sharing.ts';

type ShareDialogModule = typeof import('./share-dialog.ts');

const typeName = (t: Session['type']) => (t === 'console' ? 'Console session' : 'Virtual session');

/** The user's running sessions on one server or pool: connect again, or end one (after a question). */
export function SessionList({
  sessions,
  onConnect,
  showServer,
  offlineReason,
}: {
  sessions: Session[];
  onConnect: (s: Session, opener: HTMLElement | null) => void;
  showServer?: boolean;
  offlineReason?: string;
}) {
  const [ending, setEnding] = useState<Session | null>(null);
  const [sharing, setSharing] = useState<Session | null>(null);
  // The share dialog is a chunk of its own, fetched the first time an owner opens it.
  const [shareDialog, setShareDialog] = useState<ShareDialogModule | null>(null);
  useEffect(() => {
    if (sharing && !shareDialog) void import('./share-dialog.ts').then((module) => setShareDialog(module));
  }, [sharing, shareDialog]);
  const shares = useShares();
  const [done, setDone] = useFlash();
  const end = useMutation({
    mutationFn: (s: Session) => call(director.v1.user.sessions({ id: encodeURIComponent(s.id) }).delete()),
    onSuccess: async (_r, closed) => {
      // Close the question only once the list no longer shows the session, so focus lands on what stays.
      await queryClient.invalidateQueries({ queryKey: queryKeys.userServers });
      setEnding(null);
      setDone(`${typeName(closed.type)} ${closed.id} ended.`);
    },
  });
  const held = !!offlineReason;
  const live = html`<p class="visually-hidden" role="status">${done}</p>`;
  if (!sessions.length) return live;
  return html`<div class="sessions">
    ${live}
    <h4 class="sessions-title">Your sessions</h4>
    <ul class="session-list">
      ${sessions.map(
        (s) => html`<li key=${s.id} class="session">
          <${SessionThumbnail} scope="user" sessionId=${s.id} alt=${`Screenshot of your ${typeName(s.type).toLowerCase()} ${s.id}`} />
          <div class="session-info">
            <strong>${typeName(s.type)}</strong>
            <span class="muted small">
              ${showServer ? html`on ${s.serverId} · ` : null}${s.creationTime ? `started ${relativeTime(s.creationTime)} · ` : ''}${s.numOfConnections > 0 ? `${plural(s.numOfConnections, 'viewer')} connected` : 'nobody connected'}
            </span>
            ${sharedWith(sharesOf(shares.data, s.id))}
          </div>
          <div class="session-actions">
            <button type="button" class="btn btn-primary btn-small" aria-disabled=${held} title=${offlineReason}
              onClick=${(e: Event) => held || onConnect(s, e.currentTarget as HTMLElement)}>Connect</button>
            <button type="button" class="btn btn-quiet btn-small" aria-disabled=${held} title=${offlineReason}
              onClick=${() => held || setSharing(s)} aria-label=${`Share session ${s.id}`}>Share</button>
            <button type="button" class="btn btn-quiet btn-small" aria-disabled=${held} title=${offlineReason}
              onClick=${() => held || ((end.reset(), setEnding(s)))} aria-label=${`End session ${s.id}`}>End</button>
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
    ${shareDialog ? html`<${shareDialog.ShareDialog} session=${sharing} onClose=${() => setSharing(null)} />` : null}
  </div>`;
}

/** "Shared with bob (viewer), carol (collaborator)" under a session the user shared, else nothing. */
function sharedWith(shares: ReturnType<typeof sharesOf>) {
  if (!shares.length) return null;
  return html`<span class="muted small" data-testid="shared-with">Shared with ${shares.map((share) => `${share.user} (${share.role})`).join(', ')}</span>`;
}
