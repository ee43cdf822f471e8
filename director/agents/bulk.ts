import { ApiError } from '../../shared/errors.ts';
import type { AgentService } from './service.ts';

export const BULK_ACTIONS = ['approve', 'deny', 'clear'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
/**
 * One action on many registrations (e.g. after a registration flood): each GUID is handled alone and
 * audited like the single action; one failing does not stop the others.
 */
export async function runBulk(agents: AgentService, admin: string, action: BulkAction, guids: string[]) {
  const done: string[] = [];
  const failed: { guid: string; code: string }[] = [];
  for (const guid of guids) {
    try {
      if (action === 'approve') await agents.approve(guid, admin);
      else if (action === 'deny') await agents.deny(guid, admin);
      else await agents.clear(guid, admin);
      done.push(guid);
    } catch (err) {
      failed.push({ guid, code: err instanceof ApiError ? err.code : 'INTERNAL' });
    }
  }
  return { done, failed };
}
