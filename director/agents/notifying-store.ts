import type { ChangeFeed } from '../cluster/change-feed.ts';
import type { AgentStore } from './store.ts';

export const AGENT_TOPIC = 'agent';

/** Writes that change who may call as an agent; after each, other directors forget what they cached. */
const NOTIFYING = ['markReturning', 'approve', 'adoptConflictingKey', 'clearConflict', 'recordKeyConflict', 'revoke', 'remove', 'updatePending', 'recordIssued'] as const;

/** Wraps an AgentStore so registration changes are published on the change feed (by GUID). */
export function notifyingAgentStore(store: AgentStore, feed: ChangeFeed): AgentStore {
  const wrapped: AgentStore = Object.create(store);
  for (const name of NOTIFYING) {
    const original = store[name].bind(store) as (guid: unknown, ...rest: unknown[]) => Promise<unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = async (first: unknown, ...rest: unknown[]) => {
      const result = await original(first, ...rest);
      const guid = typeof first === 'string' ? first : (first as { guid: string }).guid;
      feed.publish(AGENT_TOPIC, guid);
      return result;
    };
  }
  return wrapped;
}
