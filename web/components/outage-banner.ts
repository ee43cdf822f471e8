import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { call, director } from '../api.ts';
import { useConnectivity } from '../connectivity.ts';
import { clockTime } from '../format.ts';
import { queryClient } from '../query.ts';

/** How often the banner asks whether the director is back (the launcher polls at the same pace). */
export const RETRY_MS = 5_000;

/**
 * "Can't reach the broker; retrying…" while the director does not answer. It keeps asking on its own
 * (pages that do not poll still recover) and refreshes every query once the director answers again.
 */
export function OutageBanner() {
  const connectivity = useConnectivity();
  useEffect(() => {
    if (connectivity.reachable) return;
    const timer = setInterval(
      () =>
        void call(director.v1.health.get()).then(
          () => queryClient.invalidateQueries(),
          () => {},
        ),
      RETRY_MS,
    );
    return () => clearInterval(timer);
  }, [connectivity.reachable]);
  return html`<div class="outage-live" role="status" aria-live="polite">
    ${
      connectivity.reachable
        ? null
        : html`<div class="outage" data-testid="outage-banner">
          <strong>Can’t reach the broker; retrying…</strong>
          <span>${connectivity.lastAnswer ? `What you see is as of ${clockTime(connectivity.lastAnswer, true)}.` : 'Nothing could be loaded yet.'} Starting and ending sessions waits until it is back.</span>
        </div>`
    }
  </div>`;
}
