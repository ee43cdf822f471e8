import { html } from 'htm/preact';
import { call, director } from '../api.ts';
import { useQuery } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Shares } from '../types.ts';
import type { ReadySession } from './connection.ts';

/** GET /v1/user/shares, every 5 s: what others shared with the caller and what the caller shared. */
export function useShares() {
  return useQuery({ queryKey: queryKeys.userShares, queryFn: () => call(director.v1.user.shares.get()), refetchInterval: 5_000 });
}

/** The shares the caller made of one session. */
export const sharesOf = (shares: Shares | undefined, sessionId: string) => (shares?.myShares ?? []).filter((share) => share.sessionId === sessionId);

/** Sessions other users shared with the caller: connect (a token of the caller's own), nothing else. */
export function SharedWithYou({ onReady, offlineReason }: { onReady: (ready: ReadySession) => void; offlineReason?: string }) {
  const shares = useShares();
  const list = shares.data?.sharedWithMe ?? [];
  if (!list.length) return null;
  const held = !!offlineReason;
  return html`<section aria-labelledby="shared-h">
    <h2 id="shared-h" class="section-title">Shared with you</h2>
    <div class="card" data-testid="shared-with-you">
      <ul class="session-list">
        ${list.map(
          (entry) => html`<li key=${entry.session.id} class="session">
            <div class="session-info">
              <strong>${entry.owner}’s ${entry.session.type} session</strong>
              <span class="muted small">on ${entry.session.serverId} · you are ${entry.role === 'viewer' ? 'a viewer (you see the desktop)' : 'a collaborator (you can type and use the mouse)'}</span>
            </div>
            <div class="session-actions">
              <button type="button" class="btn btn-primary btn-small" aria-disabled=${held} title=${offlineReason} aria-label=${`Connect to ${entry.owner}’s session ${entry.session.id}`}
                onClick=${(event: Event) => {
                  const opener = event.currentTarget as HTMLElement;
                  if (!held) onReady({ sessionId: entry.session.id, serverId: entry.session.serverId, reconnected: true, sharedBy: entry.owner, returnFocus: () => opener });
                }}>Connect</button>
            </div>
          </li>`,
        )}
      </ul>
    </div>
  </section>`;
}
