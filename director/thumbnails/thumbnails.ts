import type { ScreenshotSize } from '../../shared/api/screenshot.ts';
import type { Clock } from '../../shared/clock.ts';
import { checkOptions } from '../../shared/options.ts';
import type { ServerEntry } from '../servers/runtime-state.ts';
import type { ThumbnailRecord, ThumbnailStore } from './store.ts';

export interface SessionThumbnailsOptions {
  store: ThumbnailStore;
  /** Asks the session's agent for a PNG screenshot (AgentClient.screenshot). */
  take: (server: ServerEntry, sessionId: string, size: ScreenshotSize) => Promise<Uint8Array<ArrayBuffer>>;
  clock: Clock;
  /** How long one image answers every request for its session (config screenshot_cache_time). */
  cacheMs: number;
}

/**
 * Session screenshots with a shared cache: at most one agent call per session per cache time. The image
 * lives in the store, so every director sharing it answers from the row another one wrote; on one
 * director, requests that arrive while a screenshot is being taken wait for that one. Within the cache
 * time a request gets the cached image whatever size it asks for: the bounds of the request that
 * missed the cache are the ones used (the web app always asks for the same size).
 */
export class SessionThumbnails {
  private readonly o: SessionThumbnailsOptions;
  /** Screenshots being taken on this director, by session id. */
  private readonly taking = new Map<string, Promise<ThumbnailRecord>>();

  constructor(options: SessionThumbnailsOptions) {
    this.o = checkOptions('SessionThumbnails', options, { store: 'object', take: 'function', clock: 'object', cacheMs: 'number' });
  }

  /**
   * The session's screenshot: the cached one while it is fresh, else a new one from its agent.
   * `server` is asked only then (it throws when the host cannot be reached: 503 SERVER_OFFLINE).
   */
  async image(sessionId: string, server: () => ServerEntry, size: ScreenshotSize): Promise<ThumbnailRecord> {
    const cached = await this.o.store.get(sessionId);
    if (cached && this.o.clock.now() - cached.takenAt < this.o.cacheMs) return cached;
    const under = this.taking.get(sessionId);
    if (under) return under;
    const taking = this.take(sessionId, server(), size);
    this.taking.set(sessionId, taking);
    try {
      return await taking;
    } finally {
      this.taking.delete(sessionId);
    }
  }

  /** Drops rows past the cache time and those of sessions no longer live; returns how many (the housekeeper's job). */
  purge(): Promise<number> {
    return this.o.store.purge(this.o.clock.now() - this.o.cacheMs);
  }

  private async take(sessionId: string, server: ServerEntry, size: ScreenshotSize): Promise<ThumbnailRecord> {
    const png = await this.o.take(server, sessionId, size);
    const record: ThumbnailRecord = { sessionId, takenAt: this.o.clock.now(), maxWidth: size.width, maxHeight: size.height, png };
    await this.o.store.put(record);
    return record;
  }
}
