import { html } from 'htm/preact';
import { call, director } from '../api.ts';
import { clockTime } from '../format.ts';
import { useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Connection } from '../types.ts';
import { Modal } from './dialog.ts';
import { ErrorNote, Skeleton } from './feedback.ts';

export interface ReadySession {
  sessionId: string;
  serverId: string;
  /** True when the director handed back an existing session instead of starting one. */
  reconnected: boolean;
  /** Set for a session another user shared with this one: its owner. */
  sharedBy?: string;
  /** The control focus returns to when the dialog closes. */
  returnFocus?: () => Element | null | undefined;
}

/** GET /v1/user/sessions/{id}/connection (a fresh, short-lived token each time). */
export const fetchConnection = (sessionId: string) => call(director.v1.user.sessions({ id: encodeURIComponent(sessionId) }).connection.get());

/**
 * The three ways into a session: the .dcv file for DCV Viewer (a plain download link, so the browser
 * saves it), the web client in a new tab, and the dcv:// link for an installed viewer.
 */
export function ConnectionActions({ c }: { c: Connection }) {
  return html`<div class="connect">
    <a class="connect-option connect-primary" href=${c.dcvFileUrl} download data-testid="download-dcv">
      <strong>Download .dcv file</strong>
      <span>Double-click it to open the session in DCV Viewer.</span>
    </a>
    <a class="connect-option" href=${c.webUrl} target="_blank" rel="noopener noreferrer" data-testid="open-web">
      <strong>Open in browser</strong>
      <span>Nothing to install; opens in a new tab.</span>
    </a>
    <a class="connect-option" href=${c.dcvUri} data-testid="open-dcv-uri">
      <strong>Open in DCV Viewer</strong>
      <span>Uses the dcv:// link, if the viewer is installed.</span>
    </a>
  </div>`;
}

/** "Your session is ready" with the connection options; fetches the links when opened. */
export function ConnectionDialog({ ready, onClose }: { ready: ReadySession | null; onClose: () => void }) {
  const id = ready?.sessionId ?? '';
  const query = useQuery({
    queryKey: queryKeys.connection(id),
    queryFn: () => fetchConnection(id),
    enabled: !!ready,
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
  const expired = query.data ? Date.parse(query.data.expiresAt) <= Date.now() : false;
  const title = ready?.sharedBy ? `${ready.sharedBy}’s shared session` : ready?.reconnected ? 'Your session is still running' : 'Your session is ready';
  return html`<${Modal} open=${!!ready} title=${title} onClose=${onClose} returnFocus=${ready?.returnFocus}>
    <p class="dialog-lead">
      ${ready ? html`Session <code>${ready.sessionId}</code> on <strong>${ready.serverId}</strong>. ` : null}
      ${ready?.sharedBy ? 'Shared with you. Choose how to open it.' : ready?.reconnected ? 'You can pick up where you left off.' : 'Choose how to open it.'}
    </p>
    ${query.isPending && ready ? html`<${Skeleton} lines=${3} class="skeleton-connect" />` : null}
    <${ErrorNote} error=${query.error} onRetry=${() => query.refetch()} />
    ${query.data && !expired ? html`<${ConnectionActions} c=${query.data} />` : null}
    <p class="muted small dialog-foot">
      ${query.data && !expired ? html`These links work until ${clockTime(query.data.expiresAt)}. ` : null}
      ${expired ? 'These links have expired. ' : null}
      ${query.data ? html`<button type="button" class="link" onClick=${() => query.refetch()}>Get fresh links</button>` : null}
    </p>
  <//>`;
}
