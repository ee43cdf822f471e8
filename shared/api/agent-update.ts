/**
 * POST /v1/agent/update (agent -> director, mTLS) and its answer. One shape, two readings: AgentUpdate
 * holds every session, tag and GPU to its model (what our agent sends, and what the director keeps whole);
 * AgentUpdateBody is the envelope the director refuses whole (400 INVALID_UPDATE), its sessions, tags
 * and GPUs lists of anything, since one bad item is skipped and counted, not refused.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AgentStats } from './agent-wire.ts';
import { coded } from './coded.ts';
import { DcvCheck } from './dcv-check.ts';
import { Gpu, HostInfo, UPDATE_MAX_GPUS } from './host-facts.ts';
import { Tag } from './tags.ts';
import { WireSession } from './wire-session.ts';

/** Sessions and tags one update may carry: the model refuses longer lists whole. */
export const UPDATE_MAX_SESSIONS = 2000;
export const UPDATE_MAX_TAGS = 64;
/** Longest dcv_timeout an agent may report (one day). */
const MAX_DCV_TIMEOUT_MS = 86_400_000;
/** Largest max_virtual_sessions an agent may set and report. */
export const MAX_VIRTUAL_SESSIONS = 10_000;

/** The update with `session`, `tag` and `gpu` standing for a session, a tag and a GPU, `text` for version and dcvError, `host` for the host facts, `check` for the DCV self-check. */
const updateOf = <S extends TSchema, T extends TSchema, G extends TSchema, H extends TSchema, X extends TSchema, C extends TSchema>(
  session: S,
  tag: T,
  gpu: G,
  host: H,
  text: (description: string) => X,
  check: C,
) =>
  Type.Object(
    {
      sessions: Type.Array(session, { maxItems: UPDATE_MAX_SESSIONS, description: 'Sessions as `dcv list-sessions --json` prints them (kebab-case keys) or the older camelCase form' }),
      stats: AgentStats,
      tags: Type.Optional(Type.Union([Type.Array(tag, { maxItems: UPDATE_MAX_TAGS, description: '`name` or `key=value` tags; odd ones are skipped (null: none)' }), Type.Null()])),
      gpus: Type.Optional(Type.Union([Type.Array(gpu, { maxItems: UPDATE_MAX_GPUS, description: 'GPUs as nvidia-smi reports them; absent or null: none' }), Type.Null()])),
      host: Type.Optional(host),
      agentPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "Port to call the agent on; absent (the Go agent): the director's agent_port" })),
      version: Type.Optional(text('Agent version (a string; anything else is ignored)')),
      dcvError: Type.Optional(text('Set when `dcv list-sessions` failed: the sessions are the last known list (a string; anything else is ignored)')),
      dcvTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DCV_TIMEOUT_MS, description: "The agent's dcv_timeout" })),
      maxVirtualSessions: Type.Optional(
        Type.Integer({ minimum: 1, maximum: MAX_VIRTUAL_SESSIONS, description: "The agent's max_virtual_sessions: placement puts no more virtual sessions on this host (absent: no limit)" }),
      ),
      consoleOnly: Type.Optional(Type.Boolean({ description: 'true: the host runs console sessions only (DCV on Windows), so no virtual session is placed or created there (absent: both kinds)' })),
      loadAverage: Type.Optional(
        Type.Boolean({
          description: 'false: the host has no load average (Windows), load1/5/15 are 0 and placement reads its CPU use (cpu_usage, from CPU time deltas) instead (absent: load averages are real)',
        }),
      ),
      dcvCheck: Type.Optional(check),
    },
    // Keys of other agents (the Go agent's, newer ones') are ignored.
    { additionalProperties: true },
  );

const ANY_ITEM = Type.Unknown({ description: 'Read one by one: a bad item is skipped and counted, never fatal' });

/** An update whose every session and tag is well-formed: what our agent sends. */
export const AgentUpdate = updateOf(WireSession, Tag, Gpu, HostInfo, (description) => Type.String({ description }), DcvCheck);
export type AgentUpdate = Static<typeof AgentUpdate>;

/** The update as the director checks it whole: sessions, tags and GPUs are read one by one; version, dcvError, host facts and the DCV self-check of another shape are ignored. */
export const AgentUpdateBody = coded(
  'INVALID_UPDATE',
  updateOf(
    ANY_ITEM,
    ANY_ITEM,
    ANY_ITEM,
    Type.Unknown({ description: 'Host facts (operating system, CPU); ignored when malformed' }),
    (description) => Type.Unknown({ description }),
    Type.Unknown({ description: 'DCV self-check (dcv.conf verifier, DCV version); ignored when malformed' }),
  ),
);

/** The director's answer: how many sessions it took and how many items (sessions, tags, GPUs, host facts) it skipped as malformed. */
export const AgentUpdateAnswer = Type.Object({
  ok: Type.Literal(true),
  sessions: Type.Integer({ description: 'Sessions taken' }),
  skipped: Type.Integer({ description: 'Sessions, tags, GPUs and host facts skipped as malformed' }),
});
