/**
 * Whether the director answered the last request. Any answer (even an error in our envelope) means it
 * is reachable; only a failed fetch or a proxy's bare 5xx means it is not. Pages read this to say so,
 * to mark data as of the last answer and to hold back actions that cannot work now.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Connectivity {
  reachable: boolean;
  /** Epoch ms of the last answer from the director (0: none yet). */
  lastAnswer: number;
}

let current: Connectivity = { reachable: true, lastAnswer: 0 };
const listeners = new Set<(c: Connectivity) => void>();

/** api.ts reports every outcome here. */
export function reportReachable(reachable: boolean): void {
  const next = { reachable, lastAnswer: reachable ? Date.now() : current.lastAnswer };
  const changed = next.reachable !== current.reachable;
  current = next;
  if (changed) for (const l of listeners) l(current);
}

/** The current state, outside components (tests, event handlers). */
export const connectivity = (): Connectivity => current;

/** Re-renders when the director becomes reachable or unreachable. */
export function useConnectivity(): Connectivity {
  const [c, setC] = useState(current);
  useEffect(() => {
    listeners.add(setC);
    setC(current);
    return () => void listeners.delete(setC);
  }, []);
  return c;
}

/** The reason actions are held back while the director is unreachable, else undefined. */
export const OFFLINE_REASON = 'Can’t reach the broker right now; this works again once it is back.';
export const useOfflineReason = (): string | undefined => (useConnectivity().reachable ? undefined : OFFLINE_REASON);
