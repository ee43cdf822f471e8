import type { SQL } from 'bun';
import type { Logger } from '../../shared/log.ts';
import { ignoredError } from '../../shared/ignored.ts';

/**
 * Tells the other directors on a shared store that something they may hold in memory changed
 * (PostgreSQL LISTEN/NOTIFY on one channel; a notification arrives within milliseconds, and a
 * NOTIFY sent inside a transaction only at commit). On the embedded store there is one director, so
 * the feed is silent. Notifications carry names (a GUID), never data: receivers re-read the store.
 */
export interface ChangeFeed {
  publish(topic: string, key: string): void;
  subscribe(topic: string, onChange: (key: string) => void): void;
  /** Tells every local subscriber "anything may have changed" (key "*"), e.g. after the store was away. */
  resync(): void;
  close(): Promise<void>;
}

const CHANNEL = 'dcvix_changes';

/**
 * Tells every director listening on `sql`'s database that `topic`/`key` changed, from a process that
 * is not a director (a `dcvix-director` subcommand): settles once PostgreSQL took the notice.
 */
export async function announce(sql: SQL, topic: string, key: string): Promise<void> {
  await sql.notify(CHANNEL, JSON.stringify({ o: 'command', t: topic, k: key }));
}

export const silentFeed: ChangeFeed = { publish() {}, subscribe() {}, resync() {}, close: async () => {} };

/** The feed on PostgreSQL; this director's own notifications are ignored (it already acted). */
export async function postgresFeed(sql: SQL, log: Logger): Promise<ChangeFeed> {
  const origin = crypto.randomUUID();
  const handlers = new Map<string, ((key: string) => void)[]>();
  const unlisten = await sql.listen(CHANNEL, (payload: string) => {
    let msg: { o?: string; t?: string; k?: string };
    try {
      msg = JSON.parse(payload);
    } catch (error) {
      ignoredError(log, 'change-feed.payload', 'a notice on the channel that is not ours (not JSON)', error, 'warn');
      return;
    }
    if (msg.o === origin || typeof msg.t !== 'string' || typeof msg.k !== 'string') return;
    for (const handler of handlers.get(msg.t) ?? []) handler(msg.k);
  });
  return {
    publish(topic, key) {
      sql.notify(CHANNEL, JSON.stringify({ o: origin, t: topic, k: key })).catch((error: unknown) => log.warn('change notification failed', { topic, error }));
    },
    subscribe(topic, onChange) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), onChange]);
    },
    resync() {
      for (const list of handlers.values()) for (const handler of list) handler('*');
    },
    async close() {
      await (unlisten as unknown as (() => Promise<void>) | undefined)?.();
    },
  };
}

/** NOTIFY payloads must stay under 8000 bytes: key lists go out in chunks well below that. */
const MAX_NOTICE_BYTES = 6000;

/** Publishes `keys` as JSON arrays, as many notices as their size needs (a batch can name thousands). */
export function publishKeys(feed: ChangeFeed, topic: string, keys: string[]): void {
  let chunk: string[] = [];
  let bytes = 2;
  for (const key of keys) {
    // The list travels as a string inside the notice's JSON: count each key as escaped twice.
    const size = Buffer.byteLength(JSON.stringify(JSON.stringify(key))) - 1;
    if (chunk.length && bytes + size > MAX_NOTICE_BYTES) {
      feed.publish(topic, JSON.stringify(chunk));
      chunk = [];
      bytes = 2;
    }
    chunk.push(key);
    bytes += size;
  }
  if (chunk.length) feed.publish(topic, JSON.stringify(chunk));
}
