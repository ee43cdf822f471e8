import { expect, test } from 'bun:test';
import { publishKeys, type ChangeFeed } from './change-feed.ts';

test('ok: publishKeys splits a large batch into notices that stay under the 8,000-byte NOTIFY limit once wrapped', () => {
  const sent: string[] = [];
  // Wrapped as the PostgreSQL feed wraps it: the key list is a string inside the notice's JSON.
  const feed: ChangeFeed = { publish: (topic, key) => sent.push(JSON.stringify({ o: crypto.randomUUID(), t: topic, k: key })), subscribe() {}, resync() {}, close: async () => {} };
  const keys = [...Array.from({ length: 5000 }, (_, i) => String(i % 10)), 'quote"and\\backslash', 'ü'.repeat(40)];
  publishKeys(feed, 'servers', keys);
  expect(sent.length).toBeGreaterThan(1);
  for (const notice of sent) expect(Buffer.byteLength(notice)).toBeLessThan(8000);
  expect(sent.flatMap((n) => JSON.parse(JSON.parse(n).k))).toEqual(keys);
});
