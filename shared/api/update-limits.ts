/**
 * How large a POST /v1/agent/update body may be while the director still keeps every session of it:
 * the counts the update model allows, every field the reader keeps at its longest accepted value, and
 * each value written the longest way a JSON encoder writes it (no spaces between tokens). The director
 * sizes that route's body limit with it, so an agent reporting as many sessions as an update may carry
 * is never refused for the size of its body. Keys the reader ignores (the public Go dcvix agent sends
 * `licensing-mode`, `storage-root`, `x11-display` and `x11-authority`, a few dozen bytes in practice)
 * are not counted: the free-text allowance below is about ten times what real sessions use.
 */
import { SESSION_NAME_MAX, type AgentStats } from './agent-wire.ts';
import { MAX_VIRTUAL_SESSIONS, UPDATE_MAX_SESSIONS, UPDATE_MAX_TAGS, type AgentUpdate } from './agent-update.ts';
import { DCV_CHECK_ERROR_MAX, DCV_CHECK_URL_MAX, DCV_CHECK_WHERE_MAX, DCV_VERSION_MAX } from './dcv-check.ts';
import { HOST_TEXT_MAX, UPDATE_MAX_GPUS, type Gpu } from './host-facts.ts';
import { HOST_NAME_MAX } from './host-name.ts';
import { TAG_KEY_MAX, TAG_VALUE_MAX } from './tags.ts';
import { SESSION_STATUS_MAX, SESSION_USER_MAX, type WireSession } from './wire-session.ts';

/** Longest values the patterns allow: the session id pattern and the login name pattern (name@domain). */
const SESSION_ID_MAX = 64;
const OWNER_NAME_MAX = 64;
const OWNER_DOMAIN_MAX = 128;
/** The longest host name: 63-character labels (the most a label may hold) filling HOST_NAME_MAX. */
const LONGEST_HOST_NAME = `${'h'.repeat(63)}.${'h'.repeat(63)}.${'h'.repeat(63)}.${'h'.repeat(HOST_NAME_MAX - 3 * 64)}`;
/** The director keeps at most this much of `version` and `dcvError`; longer strings are cut, so these are their longest. */
export const VERSION_KEPT = 64;
export const DCV_ERROR_KEPT = 500;

/**
 * One character of free text at its longest in JSON, a 6-byte \uXXXX escape: Go's encoding/json writes
 * <, >, & and U+2028 that way, JSON.stringify a lone surrogate (which is why one stands in for them here).
 */
const WIDEST_CHAR = '\ud800';
/** The longest time the reader takes from an agent: RFC 3339 with nanoseconds and a numeric offset (Go's RFC3339Nano). */
const LONGEST_TIME = '2006-01-02T15:04:05.999999999+07:00';
/** The longest non-negative number (24 characters) and whole number (23) JSON.stringify and Go write for a float64. */
const LONGEST_NUMBER = 0.0000012345678901234567;
const LONGEST_WHOLE_NUMBER = 1.2345678901234567e300;

const wide = (length: number) => WIDEST_CHAR.repeat(length);

/** The longest tag: a key and a value each at their longest. */
const LONGEST_TAG = `${'k'.repeat(TAG_KEY_MAX)}=${'v'.repeat(TAG_VALUE_MAX)}`;
/** The largest GPU the reader keeps. */
const LARGEST_GPU: Gpu = { name: wide(HOST_TEXT_MAX), memoryTotalBytes: LONGEST_NUMBER, memoryUsedBytes: LONGEST_NUMBER, utilizationPercent: LONGEST_NUMBER };

/** The largest session the reader accepts, under the longer (kebab-case) keys; `index` only varies the id. */
export function largestSession(index = 0): WireSession {
  return {
    id: `s${String(index).padStart(SESSION_ID_MAX - 1, '0')}`,
    owner: `${'o'.repeat(OWNER_NAME_MAX)}@${'d'.repeat(OWNER_DOMAIN_MAX)}`,
    user: wide(SESSION_USER_MAX),
    name: wide(SESSION_NAME_MAX),
    type: 'console',
    status: wide(SESSION_STATUS_MAX),
    'num-of-connections': LONGEST_WHOLE_NUMBER,
    'creation-time': LONGEST_TIME,
    'last-disconnection-time': LONGEST_TIME,
  };
}

/** The largest update the director keeps whole, with `sessions` sessions (all of them by default). */
export function largestUpdate(sessions = UPDATE_MAX_SESSIONS) {
  const stats: AgentStats = {
    hostname: LONGEST_HOST_NAME,
    free_memory: LONGEST_NUMBER,
    total_memory: LONGEST_NUMBER,
    cores: LONGEST_NUMBER,
    cpu_usage: LONGEST_NUMBER,
    load1: LONGEST_NUMBER,
    load5: LONGEST_NUMBER,
    load15: LONGEST_NUMBER,
  };
  return {
    sessions: Array.from({ length: sessions }, (_, index) => largestSession(index)),
    stats,
    tags: Array.from({ length: UPDATE_MAX_TAGS }, () => LONGEST_TAG),
    gpus: Array.from({ length: UPDATE_MAX_GPUS }, () => LARGEST_GPU),
    host: {
      osFamily: wide(HOST_TEXT_MAX),
      osName: wide(HOST_TEXT_MAX),
      osVersion: wide(HOST_TEXT_MAX),
      kernelVersion: wide(HOST_TEXT_MAX),
      architecture: wide(HOST_TEXT_MAX),
      cpuModel: wide(HOST_TEXT_MAX),
    },
    agentPort: 65535,
    version: wide(VERSION_KEPT),
    dcvError: wide(DCV_ERROR_KEPT),
    dcvTimeoutMs: 86_400_000,
    maxVirtualSessions: MAX_VIRTUAL_SESSIONS,
    consoleOnly: false,
    loadAverage: false,
    dcvCheck: { source: wide(DCV_CHECK_WHERE_MAX), verifier: wide(DCV_CHECK_URL_MAX), readError: wide(DCV_CHECK_ERROR_MAX), dcvVersion: wide(DCV_VERSION_MAX) },
  } satisfies AgentUpdate;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Bytes of the largest update: the envelope with one session, then each further session and its comma. */
export const MAX_UPDATE_BODY_BYTES = jsonBytes(largestUpdate(1)) + (UPDATE_MAX_SESSIONS - 1) * (jsonBytes(largestSession()) + 1);
