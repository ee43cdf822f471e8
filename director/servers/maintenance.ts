import type { Clock } from '../../shared/clock.ts';
import { ApiError, badRequest, notFound } from '../../shared/errors.ts';
import { checkOptions } from '../../shared/options.ts';
import type { AuditLog } from '../audit/types.ts';
import { markDrain } from './drain-rows.ts';
import type { Fleet } from './fleet.ts';
import type { ServerEntry } from './records.ts';
import type { RuntimeState } from './runtime-state.ts';

export interface MaintenanceOptions {
  fleet: Fleet;
  state: RuntimeState;
  audit: AuditLog;
  clock: Clock;
  /** Closes one session through its agent and records it closed, auditing `reason` (the session service's close). */
  closeSession: (sessionId: string, admin: string, reason: string) => Promise<void>;
}

/** What closing every session on a server did, session by session. */
export interface CloseAllResult {
  closed: string[];
  failed: { sessionId: string; code: string; message: string }[];
}

/** Sessions closed at once on one host: a few agent calls in flight, not one per session. */
const CLOSE_CONCURRENCY = 4;

/**
 * Maintenance of DCV hosts by admins: drain (no new sessions; running ones stay and can be
 * reconnected), open again, and close every session on a host with a reason. The drain mark is a
 * column of the server's row (servers/drain-rows.ts), so it survives restarts and every director
 * sharing the store places by it.
 */
export class ServerMaintenance {
  private readonly o: MaintenanceOptions;

  constructor(options: MaintenanceOptions) {
    this.o = checkOptions('ServerMaintenance', options, { fleet: 'object', state: 'object', audit: 'object', clock: 'object', closeSession: 'function' });
  }

  /**
   * Drains a server. Draining a drained server changes nothing and is not audited again.
   * @throws ApiError 404 SERVER_NOT_FOUND | 503 STORE_UNAVAILABLE
   */
  async drain(admin: string, serverId: string, reason?: string): Promise<{ changed: boolean; server: ServerEntry }> {
    const why = reason?.trim() || null;
    const outcome = await this.mark(serverId, { at: this.o.clock.now(), by: admin, reason: why });
    if (outcome.changed) {
      const sessions = this.o.state.sessionCountOn(serverId);
      const detail = `${why ?? 'no reason given'}; ${sessions} live session${sessions === 1 ? '' : 's'} stay`;
      this.o.audit.record({ type: 'server.drain', actor: admin, target: serverId, outcome: 'success', detail });
    }
    return outcome;
  }

  /**
   * Opens a drained server for new sessions again. Opening an open server changes nothing.
   * @throws ApiError 404 SERVER_NOT_FOUND | 503 STORE_UNAVAILABLE
   */
  async open(admin: string, serverId: string): Promise<{ changed: boolean; server: ServerEntry }> {
    const before = this.o.state.server(serverId)?.drain;
    const outcome = await this.mark(serverId, null);
    if (outcome.changed) {
      const detail = before ? `drained by ${before.by} since ${new Date(before.at).toISOString()}` : undefined;
      this.o.audit.record({ type: 'server.open', actor: admin, target: serverId, outcome: 'success', detail });
    }
    return outcome;
  }

  /**
   * Closes every live session on a server (as the store lists them now, whichever director made them),
   * each audited with the reason, then one `server.close-sessions` event with the counts. A session one
   * close fails on is reported and the others still go. Drain first, or new sessions may arrive meanwhile.
   * @throws ApiError 400 INVALID_BODY (blank reason) | 404 SERVER_NOT_FOUND | 503 STORE_UNAVAILABLE
   */
  async closeSessions(admin: string, serverId: string, reason: string): Promise<CloseAllResult> {
    const why = reason.trim();
    if (!why) throw badRequest('INVALID_BODY', 'reason must not be blank');
    const stored = await this.o.fleet.storedServer(serverId);
    if (stored?.server.state !== 'active') throw notFound('SERVER_NOT_FOUND', `no server named ${serverId}`);
    const queue = stored.sessions.map((session) => session.id).sort();
    const result: CloseAllResult = { closed: [], failed: [] };
    const closeNext = async () => {
      for (let sessionId = queue.shift(); sessionId !== undefined; sessionId = queue.shift()) {
        try {
          await this.o.closeSession(sessionId, admin, why);
          result.closed.push(sessionId);
        } catch (err) {
          // Gone meanwhile (closed by its user, reaped): nothing left to close.
          if (err instanceof ApiError && err.code === 'SESSION_NOT_FOUND') result.closed.push(sessionId);
          else result.failed.push({ sessionId, code: err instanceof ApiError ? err.code : 'INTERNAL', message: (err as Error).message.slice(0, 300) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CLOSE_CONCURRENCY, queue.length) }, closeNext));
    result.closed.sort();
    const detail = `${why}; ${result.closed.length} closed${result.failed.length ? `, ${result.failed.length} failed (${result.failed.map((f) => f.sessionId).join(', ')})` : ''}`;
    this.o.audit.record({ type: 'server.close-sessions', actor: admin, target: serverId, outcome: result.failed.length ? 'failure' : 'success', detail: detail.slice(0, 500) });
    return result;
  }

  /** Writes (or finds) the drain mark; the server as this director's memory holds it afterwards. */
  private async mark(serverId: string, drain: Parameters<typeof markDrain>[1]): Promise<{ changed: boolean; server: ServerEntry }> {
    const outcome = await this.o.fleet.run(markDrain(serverId, drain));
    if (outcome.kind === 'not-found') throw notFound('SERVER_NOT_FOUND', `no server named ${serverId}`);
    // Already so, written by another director whose notice has not arrived: catch up before answering.
    if (this.o.state.revisionOf(serverId) < outcome.server.revision) await this.o.fleet.storedServer(serverId);
    return { changed: outcome.kind === 'changed', server: this.o.state.server(serverId) ?? outcome.server };
  }
}
