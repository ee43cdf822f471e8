import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { queryClient, useMutation } from '../query.ts';
import type { Session, SessionType, StartResult } from '../types.ts';
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
    const t = setInterval(() => setElapsed(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(t);
  }, [active]);
  return elapsed;
}

/** A pool or a server the user may use: its state, their sessions there, and "Start session". */
export function DesktopCard(p: DesktopCardProps) {
  const [type, setType] = useState<SessionType>('virtual');
  const titleId = useId();
  const selectId = useId();
  const reasonId = useId();
  const startButton = useRef<HTMLButtonElement>(null);
  const start = useMutation({
    mutationFn: (sessionType: SessionType) =>
      api<StartResult>('/v1/user/sessions', { method: 'POST', body: p.kind === 'pool' ? { poolId: p.id, sessionType } : { serverId: p.id, sessionType } }),
    onSuccess: (r) => {
      p.onReady({ sessionId: r.session.id, serverId: r.session.serverId, reconnected: r.reconnected, returnFocus: () => startButton.current });
      void queryClient.invalidateQueries({ queryKey: ['user-servers'] });
    },
  });
  const elapsed = useElapsed(start.isPending);
  const connect = (s: Session, opener: HTMLElement | null) => p.onReady({ sessionId: s.id, serverId: s.serverId, reconnected: true, returnFocus: () => opener });
  const held = !!p.offlineReason;

  return html`<article class="card desktop" aria-labelledby=${titleId} data-testid=${`${p.kind}-${p.id}`} data-focus-scope tabindex="-1">
    <header class="card-header">
      <h3 id=${titleId}>${p.title}</h3>
      ${p.status}
      <button type="button" class="btn-icon fav" aria-pressed=${p.favourite} aria-label=${`Favourite: ${p.title}`} title=${p.favourite ? 'Remove from favourites' : 'Add to favourites'}
        onClick=${p.onToggleFavourite}>${p.favourite ? '★' : '☆'}</button>
    </header>
    <div class="card-body">${p.children}</div>
    <${SessionList} sessions=${p.sessions} onConnect=${connect} showServer=${p.kind === 'pool'} offlineReason=${p.offlineReason} />
    <footer class="card-actions">
      ${p.canStart || start.isPending
        ? html`<label class="visually-hidden" for=${selectId}>Session type</label>
            <select id=${selectId} class="select" value=${type} disabled=${start.isPending} onChange=${(e: Event) => setType((e.currentTarget as HTMLSelectElement).value as SessionType)}>
              <option value="virtual">Virtual desktop</option>
              <option value="console">Console (physical screen)</option>
            </select>
            <button ref=${startButton} type="button" class="btn btn-primary" aria-disabled=${held || start.isPending} aria-describedby=${held ? reasonId : undefined}
              onClick=${() => held || start.isPending || start.mutate(type)}>
              ${p.sessions.length ? 'Start another' : 'Start session'}
            </button>
            ${start.isPending
              ? html`<div class="progress" role="status">
                  <span class="progress-bar" aria-hidden="true"></span>
                  <span>Starting your ${type} session… ${elapsed > 0 ? `${elapsed} s` : ''}</span>
                </div>`
              : null}
            ${held ? html`<p id=${reasonId} class="muted small held-reason">${p.offlineReason}</p>` : null}`
        : html`<p class="muted small">${p.cannotStartReason ?? 'Not available right now.'}</p>`}
    </footer>
    <${ErrorNote} error=${start.error} title="The session did not start" />
  </article>`;
}
