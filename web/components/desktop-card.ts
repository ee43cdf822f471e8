import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { call, director } from '../api.ts';
import { queryClient, useMutation } from '../query.ts';
import { queryKeys } from '../query-keys.ts';
import type { Session, SessionType } from '../types.ts';
import type { ReadySession } from './connection.ts';
import { ErrorNote } from './feedback.ts';
import { SessionList } from './session-list.ts';

export interface DesktopCardProps {
  kind: 'pool' | 'server';
  id: string;
  title: string;
  status: ComponentChildren;
  children?: ComponentChildren;
  sessions: Session[];
  canStart: boolean;
  /** Why starting is not possible (shown instead of the button). */
  cannotStartReason?: string;
  /** Set while the director cannot be reached: actions are held back and this says why. */
  offlineReason?: string;
  favourite: boolean;
  onToggleFavourite: () => void;
  onReady: (r: ReadySession) => void;
}

/** Seconds since `since` while `active`, for the "starting… 4 s" progress line. */
function useElapsed(active: boolean): number {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (!active) return setElapsed(0);
    const started = Date.now();
    const timer = setInterval(() => setElapsed(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return elapsed;
}

/**
 * A pool or a server the user may use: its state, their sessions there, and "Start session", which
 * becomes "Start another" once they have one there: that asks for a new session (`new: true`) instead
 * of the director's reconnect, within the pool's and the hosts' session limits.
 */
export function DesktopCard(props: DesktopCardProps) {
  const [type, setType] = useState<SessionType>('virtual');
  const titleId = useId();
  const selectId = useId();
  const reasonId = useId();
  const startButton = useRef<HTMLButtonElement>(null);
  const another = props.sessions.length > 0;
  const start = useMutation({
    mutationFn: ({ sessionType, fresh }: { sessionType: SessionType; fresh: boolean }) => {
      const target = props.kind === 'pool' ? { poolId: props.id } : { serverId: props.id };
      return call(director.v1.user.sessions.post({ ...target, sessionType, ...(fresh ? { new: true } : {}) }));
    },
    onSuccess: (started) => {
      props.onReady({ sessionId: started.session.id, serverId: started.session.serverId, reconnected: started.reconnected, returnFocus: () => startButton.current });
      void queryClient.invalidateQueries({ queryKey: queryKeys.userServers });
    },
  });
  const elapsed = useElapsed(start.isPending);
  const connect = (s: Session, opener: HTMLElement | null) => props.onReady({ sessionId: s.id, serverId: s.serverId, reconnected: true, returnFocus: () => opener });
  const held = !!props.offlineReason;

  return html`<article class="card desktop" aria-labelledby=${titleId} data-testid=${`${props.kind}-${props.id}`} data-focus-scope tabindex="-1">
    <header class="card-header">
      <h3 id=${titleId}>${props.title}</h3>
      ${props.status}
      <button type="button" class="btn-icon fav" aria-pressed=${props.favourite} aria-label=${`Favourite: ${props.title}`} title=${props.favourite ? 'Remove from favourites' : 'Add to favourites'}
        onClick=${props.onToggleFavourite}>${props.favourite ? '★' : '☆'}</button>
    </header>
    <div class="card-body">${props.children}</div>
    <${SessionList} sessions=${props.sessions} onConnect=${connect} showServer=${props.kind === 'pool'} offlineReason=${props.offlineReason} />
    <footer class="card-actions">
      ${
        props.canStart || start.isPending
          ? html`<label class="visually-hidden" for=${selectId}>Session type</label>
            <select id=${selectId} class="select" value=${type} disabled=${start.isPending} onChange=${(e: Event) => setType((e.currentTarget as HTMLSelectElement).value as SessionType)}>
              <option value="virtual">Virtual desktop</option>
              <option value="console">Console (physical screen)</option>
            </select>
            <button ref=${startButton} type="button" class="btn btn-primary" aria-disabled=${held || start.isPending} aria-describedby=${held ? reasonId : undefined}
              onClick=${() => held || start.isPending || start.mutate({ sessionType: type, fresh: another })}>
              ${another ? 'Start another' : 'Start session'}
            </button>
            ${
              start.isPending
                ? html`<div class="progress" role="status">
                  <span class="progress-bar" aria-hidden="true"></span>
                  <span>Starting your ${type} session… ${elapsed > 0 ? `${elapsed} s` : ''}</span>
                </div>`
                : null
            }
            ${held ? html`<p id=${reasonId} class="muted small held-reason">${props.offlineReason}</p>` : null}`
          : html`<p class="muted small">${props.cannotStartReason ?? 'Not available right now.'}</p>`
      }
    </footer>
    <${ErrorNote} error=${start.error} title="The session did not start" />
  </article>`;
}
