import { html } from 'htm/preact';
import { useId, useState } from 'preact/hooks';
import { ApiError, call, director, describeError } from '../api.ts';
import { relativeTime } from '../format.ts';
import { queryClient, useMutation } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Session, ShareRole } from '../types.ts';
import { Modal } from './dialog.ts';
import { ErrorNote } from './feedback.ts';
import { sharesOf, useShares } from './sharing.ts';

/**
 * The "Share this session" dialog: a chunk of its own, loaded when an owner first opens it (most
 * sign-ins never share), so the launcher's first load stays small.
 */

const roleName = (role: ShareRole) => (role === 'viewer' ? 'viewer' : 'collaborator');

/** A refusal in words fit for sharing (the generic "not allowed" would send the owner to an admin for nothing). */
function shareRefusal(err: unknown): string {
  if (err instanceof ApiError && err.code === 'NOT_PERMITTED') return 'That user may not use this server, so this session cannot be shared with them.';
  return describeError(err);
}

/** "Share this session": who has it now (with "Stop sharing"), and a form to let one more user in. */
export function ShareDialog({ session, onClose }: { session: Session | null; onClose: () => void }) {
  const shares = useShares();
  const [user, setUser] = useState('');
  const [role, setRole] = useState<ShareRole>('viewer');
  const [done, setDone] = useState('');
  const userId = useId();
  const roleId = useId();
  const id = session?.id ?? '';
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.userShares });
  const share = useMutation({
    mutationFn: () => call(director.v1.user.sessions({ id: encodeURIComponent(id) }).shares.post({ user: user.trim(), role })),
    onSuccess: async (made) => {
      await refresh();
      setDone(`Shared with ${made.share.user} as ${roleName(made.share.role)}.`);
      setUser('');
    },
  });
  const stop = useMutation({
    mutationFn: (who: string) =>
      call(
        director.v1.user
          .sessions({ id: encodeURIComponent(id) })
          .shares({ user: encodeURIComponent(who) })
          .delete(),
      ),
    onSuccess: async (answer, who) => {
      await refresh();
      setDone(answer.applied ? `${who} can no longer connect.` : `${who} can no longer connect; connections already open may last a while (${answer.message ?? 'the server was not told yet'}).`);
    },
  });
  const current = sharesOf(shares.data, id);
  const close = () => {
    share.reset();
    stop.reset();
    setDone('');
    onClose();
  };
  return html`<${Modal} open=${!!session} title="Share this session" onClose=${close}>
    <p class="dialog-lead">Let another user into <code>${id}</code> on <strong>${session?.serverId}</strong>. They connect from their own launcher.</p>
    <p class="visually-hidden" role="status">${done}</p>
    ${done ? html`<p class="muted small" aria-hidden="true">${done}</p>` : null}
    ${
      current.length
        ? html`<h3 class="sessions-title">Shared with</h3>
          <ul class="session-list" data-testid="share-list">
            ${current.map(
              (entry) => html`<li key=${entry.user} class="session">
                <div class="session-info"><strong>${entry.user}</strong><span class="muted small">${roleName(entry.role)} · since ${relativeTime(entry.grantedAt)}</span></div>
                <button type="button" class="btn btn-quiet btn-small" disabled=${stop.isPending} aria-label=${`Stop sharing with ${entry.user}`} onClick=${() => stop.mutate(entry.user)}>Stop sharing</button>
              </li>`,
            )}
          </ul>`
        : html`<p class="muted small">Nobody else can connect to this session yet.</p>`
    }
    <${ErrorNote} error=${stop.error} title="The share was not taken back" />
    <form class="form-row" onSubmit=${(e: Event) => (e.preventDefault(), share.mutate())}>
      <label class="field" for=${userId}><span>User name</span>
        <input id=${userId} name="user" required autocapitalize="none" spellcheck=${false} autocomplete="off" value=${user} onInput=${(e: Event) => setUser((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label class="field" for=${roleId}><span>They may</span>
        <select id=${roleId} name="role" class="select" value=${role} onChange=${(e: Event) => setRole((e.currentTarget as HTMLSelectElement).value as ShareRole)}>
          <option value="viewer">Watch (viewer)</option>
          <option value="collaborator">Work along (collaborator)</option>
        </select>
      </label>
      <button type="submit" class="btn btn-primary" disabled=${share.isPending || !user.trim()}>${share.isPending ? 'Sharing…' : 'Share'}</button>
    </form>
    <p class="muted small">A viewer sees the desktop; a collaborator also types and uses the mouse. Only you can end the session.</p>
    ${share.error ? html`<div class="note note-error" role="alert"><strong class="note-title">The session was not shared</strong><p>${shareRefusal(share.error)}</p></div>` : null}
  <//>`;
}
