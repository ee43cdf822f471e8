import { t } from 'elysia';
import { UPDATE_MAX_SESSIONS, UPDATE_MAX_TAGS } from '../../shared/api/update-limits.ts';
import { coded, Int, Nullable } from '../http/models.ts';
import { AgentStats } from '../servers/models.ts';

const ANY_ITEM = t.Unknown({ description: 'Read one by one: a bad item is skipped and counted, never fatal' });

/**
 * POST /v1/agent/update. Only the envelope is checked here (director/servers/update-body.ts reads the rest):
 * sessions and tags are lists of anything, since one bad session or tag is skipped, not refused, and
 * version/dcvError of any type are ignored rather than refused.
 */
export const AgentUpdateBody = coded(
  'INVALID_UPDATE',
  t.Object({
    sessions: t.Array(ANY_ITEM, { maxItems: UPDATE_MAX_SESSIONS, description: 'Sessions as `dcv list-sessions --json` prints them (kebab-case keys) or the older camelCase form' }),
    stats: AgentStats,
    tags: t.Optional(Nullable(t.Array(ANY_ITEM, { maxItems: UPDATE_MAX_TAGS, description: 'Short tags; odd ones are skipped (null: none)' }))),
    agentPort: t.Optional(Int({ minimum: 1, maximum: 65535 })),
    version: t.Optional(t.Unknown({ description: 'Agent version (a string; anything else is ignored)' })),
    dcvError: t.Optional(t.Unknown({ description: 'Set when `dcv list-sessions` failed (a string; anything else is ignored)' })),
    dcvTimeoutMs: t.Optional(Int({ minimum: 1, maximum: 86_400_000 })),
  }),
);

export const AgentUpdateAnswer = t.Object({
  ok: t.Literal(true),
  sessions: Int({ description: 'Sessions taken' }),
  skipped: Int({ description: 'Sessions and tags skipped as malformed' }),
});
