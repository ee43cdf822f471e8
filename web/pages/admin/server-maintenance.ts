import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, director } from '../../api.ts';
import { ConfirmDialog } from '../../components/dialog.ts';
import { Badge } from '../../components/status.ts';
import { dateTime, plural, relativeTime } from '../../format.ts';
import { queryClient, useMutation } from '../../query.ts';
import { queryKeys } from '../../query-keys.ts';
import type { AdminServer } from '../../types.ts';

/** What an admin does to a server for maintenance (POST /v1/servers/{id}/...). */
export type ServerAction = 'drain' | 'open' | 'close-sessions';

const TITLE: Record<ServerAction, string> = { drain: 'Drain', open: 'Open', 'close-sessions': 'Close all sessions on' };
const CONFIRM: Record<ServerAction, string> = { drain: 'Drain server', open: 'Open server', 'close-sessions': 'Close all sessions' };
const WHAT: Record<ServerAction, string> = {
  drain: 'The server takes no new sessions until you open it again: placement skips it and users see it as in maintenance. Sessions running there stay, and their users can still reconnect.',
  open: 'The server takes new sessions again.',
  'close-sessions': 'Every session on this server is closed now; their users lose unsaved work. Drain the server first so no new sessions arrive meanwhile.',
};

/** Runs one action; the sentence that says what came of it. */
async function runAction({ server, action, reason }: { server: AdminServer; action: ServerAction; reason: string }): Promise<string> {
  const one = director.v1.servers({ id: encodeURIComponent(server.id) });
  if (action === 'drain') {
    const done = await call(one.drain.post(reason ? { reason } : {}));
    return done.changed ? `${server.id} is in maintenance: no new sessions there.` : `${server.id} was already in maintenance.`;
  }
  if (action === 'open') {
    const done = await call(one.open.post());
    return done.changed ? `${server.id} takes new sessions again.` : `${server.id} was already open.`;
  }
  const done = await call(one['close-sessions'].post({ reason }));
  const codes = [...new Set(done.failed.map((failure) => failure.code))].join(', ');
  return `${plural(done.closed.length, 'session')} closed on ${server.id}.${done.failed.length ? ` ${plural(done.failed.length, 'session')} could not be closed (${codes}).` : ''}`;
}

/** "In maintenance" with since when, by whom and why; nothing for an open server. */
export function MaintenanceBadge({ server }: { server: AdminServer }) {
  const mark = server.maintenance;
  if (!mark) return null;
  return html`<div class="maintenance" data-testid="maintenance">
    <${Badge} tone="warn" label="In maintenance" />
    <div class="muted small"><span title=${dateTime(mark.since)}>since ${relativeTime(mark.since)}</span>, by ${mark.by}</div>
    ${mark.reason ? html`<div class="small">${mark.reason}</div>` : null}
  </div>`;
}

/** The confirmation of one action, with a reason field (optional to drain, required to close sessions). */
export function ServerActionDialog({ pending, onDone, onCancel }: { pending: { server: AdminServer; action: ServerAction } | null; onDone: (message: string) => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const [blank, setBlank] = useState(false);
  const act = useMutation({
    mutationFn: runAction,
    onSuccess: async (message) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.admin });
      onDone(message);
    },
  });
  useEffect(() => {
    setReason('');
    setBlank(false);
    act.reset();
  }, [pending]);
  const needsReason = pending?.action === 'close-sessions';
  const confirm = () => {
    if (!pending) return;
    if (needsReason && !reason.trim()) return setBlank(true);
    act.mutate({ ...pending, reason: reason.trim() });
  };
  const server = pending?.server;
  return html`<${ConfirmDialog}
    open=${!!pending}
    title=${pending ? `${TITLE[pending.action]} ${pending.server.id}?` : ''}
    confirmLabel=${pending ? CONFIRM[pending.action] : ''}
    danger=${pending?.action !== 'open'}
    busy=${act.isPending}
    error=${blank ? new ApiError(400, 'INVALID_BODY', 'Give a reason: it is kept in the audit of every session closed.') : act.error}
    onConfirm=${confirm}
    onCancel=${onCancel}
  >
    ${
      pending && server
        ? html`<p>${WHAT[pending.action]}</p>
          <p><strong>${plural(server.sessions.length, 'live session')}</strong> on this server${pending.action === 'close-sessions' ? ' will be closed.' : '.'}</p>
          ${
            pending.action === 'open'
              ? null
              : html`<label class="field"><span>Reason${needsReason ? '' : ' (optional)'}</span>
                <input name="reason" maxlength="200" required=${needsReason} value=${reason} placeholder=${needsReason ? 'e.g. host retired' : 'e.g. driver update'}
                  onInput=${(e: Event) => (setReason((e.currentTarget as HTMLInputElement).value), setBlank(false))} />
              </label>`
          }`
        : null
    }
  <//>`;
}
