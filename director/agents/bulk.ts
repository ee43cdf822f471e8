import { ApiError, badRequest } from '../../shared/errors.ts';
import type { AgentService } from './service.ts';

export const BULK_ACTIONS = ['approve', 'deny', 'clear'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
const MAX_GUIDS = 1000;

/** Parses `{"action", "guids"}` of POST /v1/admin/agents/bulk. */
export function parseBulk(b: Record<string, unknown>): { action: BulkAction; guids: string[] } {
  if (!BULK_ACTIONS.includes(b.action as BulkAction)) throw badRequest('INVALID_ACTION', 'action must be approve, deny or clear');
  const guids = b.guids;
  if (!Array.isArray(guids) || guids.length === 0 || guids.length > MAX_GUIDS || !guids.every((g) => typeof g === 'string' && g.length <= 64)) {
    throw badRequest('INVALID_GUIDS', `guids must be 1 to ${MAX_GUIDS} agent GUIDs`);
  }
  return { action: b.action as BulkAction, guids: [...new Set(guids as string[])] };
}

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
