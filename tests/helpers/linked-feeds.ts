import type { ChangeFeed } from '../../director/cluster/change-feed.ts';

/**
 * `n` change feeds joined in-process, for unit tests of several directors' caches: each publication
 * reaches every other member's subscribers (not the publisher's), asynchronously, as PostgreSQL
 * NOTIFY does between directors. Real LISTEN/NOTIFY runs in the tests/integration/ha-*.test.ts files.
 */
export function linkedFeeds(members: number): ChangeFeed[] {
  const subs: { member: number; topic: string; fn: (key: string) => void }[] = [];
  return Array.from({ length: members }, (_, member) => ({
    publish: (topic, key) => {
      for (const subscription of subs) if (subscription.member !== member && subscription.topic === topic) queueMicrotask(() => subscription.fn(key));
    },
    subscribe: (topic, fn) => void subs.push({ member, topic, fn }),
    resync: () => {},
    close: async () => {},
  }));
}
