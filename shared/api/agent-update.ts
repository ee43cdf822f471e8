/**
 * POST /v1/agent/update (agent -> director, mTLS) and its answer. One shape, two readings: AgentUpdate
 * holds every session and tag to its model (what our agent sends, and what the director keeps whole);
 * AgentUpdateBody is the envelope the director refuses whole (400 INVALID_UPDATE), its sessions and
 * tags lists of anything, since one bad session or tag is skipped and counted, not refused.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AgentStats } from './agent-wire.ts';
import { coded } from './coded.ts';
import { WireSession } from './wire-session.ts';

/** Sessions and tags one update may carry: the model refuses longer lists whole. */
export const UPDATE_MAX_SESSIONS = 2000;
export const UPDATE_MAX_TAGS = 64;
/** Longest dcv_timeout an agent may report (one day). */
const MAX_DCV_TIMEOUT_MS = 86_400_000;
/** Largest max_virtual_sessions an agent may set and report. */
export const MAX_VIRTUAL_SESSIONS = 10_000;

/** A short tag: a letter or digit, then letters, digits and _ . : = / - (at most TAG_MAX). */
export const TAG_MAX = 64;
export const Tag = Type.String({ pattern: `^[A-Za-z0-9][A-Za-z0-9_.:=/-]{0,${TAG_MAX - 1}}$` });

/** The update with `session` and `tag` standing for a session and a tag, `text` for version and dcvError. */
const updateOf = <S extends TSchema, T extends TSchema, X extends TSchema>(session: S, tag: T, text: (description: string) => X) =>
  Type.Object(
    {
      sessions: Type.Array(session, { maxItems: UPDATE_MAX_SESSIONS, description: 'Sessions as `dcv list-sessions --json` prints them (kebab-case keys) or the older camelCase form' }),
      stats: AgentStats,
      tags: Type.Optional(Type.Union([Type.Array(tag, { maxItems: UPDATE_MAX_TAGS, description: 'Short tags; odd ones are skipped (null: none)' }), Type.Null()])),
      agentPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "Port to call the agent on; absent (the Go agent): the director's agent_port" })),
      version: Type.Optional(text('Agent version (a string; anything else is ignored)')),
      dcvError: Type.Optional(text('Set when `dcv list-sessions` failed: the sessions are the last known list (a string; anything else is ignored)')),
      dcvTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DCV_TIMEOUT_MS, description: "The agent's dcv_timeout" })),
      maxVirtualSessions: Type.Optional(
        Type.Integer({ minimum: 1, maximum: MAX_VIRTUAL_SESSIONS, description: "The agent's max_virtual_sessions: placement puts no more virtual sessions on this host (absent: no limit)" }),
      ),
    },
    // Keys of other agents (the Go agent's, newer ones') are ignored.
    { additionalProperties: true },
  );

const ANY_ITEM = Type.Unknown({ description: 'Read one by one: a bad item is skipped and counted, never fatal' });

/** An update whose every session and tag is well-formed: what our agent sends. */
export const AgentUpdate = updateOf(WireSession, Tag, (description) => Type.String({ description }));
export type AgentUpdate = Static<typeof AgentUpdate>;

/** The update as the director checks it whole: sessions and tags are read one by one, version and dcvError of another type are ignored. */
export const AgentUpdateBody = coded(
  'INVALID_UPDATE',
  updateOf(ANY_ITEM, ANY_ITEM, (description) => Type.Unknown({ description })),
);

/** The director's answer: how many sessions it took and how many sessions and tags it skipped as malformed. */
export const AgentUpdateAnswer = Type.Object({
  ok: Type.Literal(true),
  sessions: Type.Integer({ description: 'Sessions taken' }),
  skipped: Type.Integer({ description: 'Sessions and tags skipped as malformed' }),
});
