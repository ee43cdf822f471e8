/**
 * Reading agent answers of either kind: ours (JSON envelope, `{session}`, `{sessions}`) and the public Go
 * dcvix agent's (201 `{"sessionID": id}`, bare kebab-case arrays, text/plain errors from http.Error).
 */
import { Type } from '@sinclair/typebox';
import { CreateSessionAnswer, type CreateSessionBody } from '../../shared/api/agent-api.ts';
import type { DcvSession } from '../../shared/api/agent-wire.ts';
import type { ErrorCode } from '../../shared/api/error-codes.ts';
import { firstMismatch, mismatchText } from '../../shared/api/model-check.ts';
import { readReportedSession } from '../../shared/api/wire-session.ts';
import { ApiError } from '../../shared/errors.ts';

/** dcv's own words for a session that is not there (Go agents pass dcv's text on in a 500). */
const GONE_RE = /not found|could not find|does not exist|doesn't exist|no such session|unknown session/i;

const parse = (text: string): unknown => {
  try {
    return text.trim() ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

/** One line of an agent's error text, safe for our envelope. */
const oneLine = (text: string) =>
  text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 300);

/**
 * The error for a non-2xx agent answer. Our agents' envelopes pass through with their status
 * (DCV_FAILED carries dcv's text, e.g. "All licenses in use"). A text or `{"error": "..."}` answer (the
 * Go agent's http.Error) keeps its words: a 500 there is always a failed dcv command, so DCV_FAILED;
 * any other refusal (e.g. 403 to a caller that is not its director_host) is the host's problem, 502
 * AGENT_ERROR. A session the host does not have is SESSION_NOT_FOUND whatever form it came in.
 */
export function agentError(serverId: string, status: number, text: string): ApiError {
  const json = parse(text) as { error?: unknown } | undefined;
  const envelope = json && typeof json.error === 'object' && json.error !== null ? (json.error as { code?: unknown; message?: unknown }) : undefined;
  if (envelope && typeof envelope.code === 'string') {
    const message = typeof envelope.message === 'string' ? envelope.message : `agent on ${serverId} answered ${status}`;
    // Our agents answer with the same codes (a newer agent's new code still passes through as it is).
    return new ApiError(status >= 500 ? 502 : status, envelope.code as ErrorCode, message);
  }
  const message = json && typeof json.error === 'string' ? json.error : oneLine(text) || `agent on ${serverId} answered ${status}`;
  if (status === 404 || GONE_RE.test(message)) return new ApiError(404, 'SESSION_NOT_FOUND', message);
  return new ApiError(502, status === 500 ? 'DCV_FAILED' : 'AGENT_ERROR', `agent on ${serverId}: ${message}`);
}

const badAnswer = (serverId: string, what: string) => new ApiError(502, 'AGENT_BAD_RESPONSE', `agent on ${serverId} answered ${what}`);

/** The one field of a create answer the director needs from any agent: the id of the session it made. */
const CreatedSessionId = Type.Object({ sessionID: CreateSessionAnswer.properties.sessionID });

/**
 * The session a create answer describes: `{"sessionID": id, ...}` (ours, a flat map of strings; the Go
 * agent's holds only the id) or `{session: {...}}` (ours before, either key form). The id in the answer
 * is the one recorded.
 */
export function readCreateAnswer(serverId: string, text: string, req: CreateSessionBody): DcvSession {
  const json = parse(text) as Record<string, unknown> | undefined;
  if (!json || typeof json !== 'object') throw badAnswer(serverId, 'a create answer that is not a JSON object');
  if (json.session !== undefined) {
    const read = readReportedSession(json.session);
    if (!read.ok) throw badAnswer(serverId, `a session it can not describe (${read.reason})`);
    return read.session;
  }
  // Older agents of ours named the id `sessionId` or `id`.
  const created = { sessionID: json.sessionID ?? json.sessionId ?? json.id };
  const mismatch = firstMismatch(CreatedSessionId, created);
  if (mismatch) throw badAnswer(serverId, `a create answer without a valid sessionID (${mismatchText(mismatch, 'answer')})`);
  return { id: created.sessionID as string, owner: req.userId, type: req.sessionType, numOfConnections: 0 };
}

/** A list answer: a bare array (Go) or `{sessions: [...]}` (ours); malformed entries are counted, not kept. */
export function readSessionList(serverId: string, text: string): { sessions: DcvSession[]; skipped: number } {
  const json = parse(text) as unknown;
  const list = Array.isArray(json) ? json : json && typeof json === 'object' && Array.isArray((json as { sessions?: unknown }).sessions) ? (json as { sessions: unknown[] }).sessions : undefined;
  if (!list) throw badAnswer(serverId, 'a session list that is neither an array nor {sessions}');
  const sessions: DcvSession[] = [];
  let skipped = 0;
  for (const item of list) {
    const read = readReportedSession(item);
    if (read.ok) sessions.push(read.session);
    else skipped++;
  }
  return { sessions, skipped };
}
