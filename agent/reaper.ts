/**
 * Idle-session reaper: periodically closes DCV sessions that have had no client for longer than the
 * idle timeout. The selection is a pure function so the rules are tested without processes or waiting.
 */
import type { DcvSession } from '../shared/api/agent-wire.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';

const parseTime = (iso: string | null | undefined): number | undefined => {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
};

/**
 * Ids of sessions idle for at least `idleTimeoutMs` at `now`. Idle means no connection; the idle time
 * runs from the last disconnection, or from creation for a session never connected (the later of the
 * two when both are known). Never selected: a session with a connection, a session with no usable
 * timestamp, console sessions unless `includeConsole`, and anything when `idleTimeoutMs <= 0` (disabled).
 */
export function selectIdleSessions(sessions: readonly DcvSession[], now: number, idleTimeoutMs: number, includeConsole: boolean): string[] {
  if (!(idleTimeoutMs > 0)) return [];
  return sessions
    .filter((session) => {
      if (session.numOfConnections !== 0) return false;
      if (session.type === 'console' && !includeConsole) return false;
      const times = [parseTime(session.lastDisconnectionTime), parseTime(session.creationTime)].filter((t) => t !== undefined);
      if (times.length === 0) return false;
      return now - Math.max(...times) >= idleTimeoutMs;
    })
    .map((s) => s.id);
}

/** The slice of DcvClient the reaper needs. */
export interface ReaperDcv {
  listSessions(): Promise<DcvSession[]>;
  closeSession(id: string): Promise<void>;
}

export interface ReaperOptions {
  dcv: ReaperDcv;
  clock: Clock;
  idleTimeoutMs: number;
  includeConsole: boolean;
  log: Logger;
}

/** Closes idle sessions on demand (runOnce) or on a timer (start/stop). */
export class Reaper {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<string[]> | undefined;

  constructor(private readonly opts: ReaperOptions) {}

  /**
   * One pass: list, select, close. Returns the ids actually closed. A failed close is logged and the
   * pass continues; a failed list is logged and yields []. Overlapping calls share the pass in flight.
   */
  runOnce(): Promise<string[]> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<string[]> {
    const { dcv, clock, idleTimeoutMs, includeConsole, log } = this.opts;
    let sessions: DcvSession[];
    try {
      sessions = await dcv.listSessions();
    } catch (err) {
      log.warn('reaper: listing sessions failed', { err });
      return [];
    }
    const closed: string[] = [];
    for (const id of selectIdleSessions(sessions, clock.now(), idleTimeoutMs, includeConsole)) {
      try {
        await dcv.closeSession(id);
        closed.push(id);
        log.info('reaper: closed idle session', { sessionId: id, idleTimeoutMs });
      } catch (err) {
        log.warn('reaper: closing idle session failed', { sessionId: id, err });
      }
    }
    return closed;
  }

  /** Runs a pass every `intervalMs`; the timer does not keep the process alive. Idempotent. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref?.();
  }

  /** Stops the timer; a pass already running finishes on its own. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
