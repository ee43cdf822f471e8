/** How the director reads the answers of either kind of agent: ours by its models, the Go agent's in its forms. */
import { describe, expect, test } from 'bun:test';
import { CreateSessionAnswer, SessionList } from '../../shared/api/agent-api.ts';
import type { DcvSession } from '../../shared/api/agent-wire.ts';
import { matches } from '../../shared/api/model-check.ts';
import { toWireSession } from '../../shared/api/wire-session.ts';
import { ApiError } from '../../shared/errors.ts';
import * as wire from '../../tests/fixtures/go-dcvix/wire.ts';
import { readCreateAnswer, readSessionList } from './answers.ts';

const request = { userId: 'alice', sessionType: 'virtual' as const, sessionId: 'alice-1' };
const asked: DcvSession = { id: 'alice-1', owner: 'alice', type: 'virtual', numOfConnections: 0 };

/** The refusal `read` throws: its status, code and message. */
function refusal(read: () => unknown): { status: number; code: string; message: string } | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const { status, code, message } = err as ApiError;
    return { status, code, message };
  }
}

describe('create answers', () => {
  test("ok: ours (CreateSessionAnswer), the Go agent's {sessionID}, and the older forms; the answered id is recorded", () => {
    const ours = { sessionID: 'alice-1', id: 'alice-1', owner: 'alice', type: 'virtual', status: 'running', 'creation-time': '2026-03-01T08:15:30.123Z' };
    expect(matches(CreateSessionAnswer, ours)).toBe(true);
    expect(readCreateAnswer('ws1', JSON.stringify(ours), request)).toEqual(asked);
    // A Go agent may hand back an existing session of that owner and type.
    expect(readCreateAnswer('ws1', JSON.stringify(wire.createAnswer('alice-0').body), request)).toEqual({ ...asked, id: 'alice-0' });
    expect(readCreateAnswer('ws1', '{"sessionId":"alice-1"}', request)).toEqual(asked);
    expect(readCreateAnswer('ws1', '{"id":"alice-1"}', request)).toEqual(asked);
    const session = { id: 'alice-1', owner: 'alice', type: 'virtual' as const, numOfConnections: 1, lastDisconnectionTime: null };
    expect(readCreateAnswer('ws1', JSON.stringify({ session: toWireSession(session) }), request)).toEqual(session);
    expect(readCreateAnswer('ws1', JSON.stringify({ session: { id: 'alice-1', owner: 'alice', type: 'virtual', numOfConnections: 1 } }), request)).toEqual(session);
  });

  test('rejects: an answer without a valid session id, or a session it can not describe, is 502 AGENT_BAD_RESPONSE naming what is wrong', () => {
    for (const [text, words] of [
      ['{}', 'sessionID'],
      ['{"sessionID":"-rf"}', 'field "sessionID"'],
      ['{"sessionID":7}', 'field "sessionID"'],
      ['not json', 'not a JSON object'],
      ['{"session":{"id":"s1","owner":"alice","type":"virtual"}}', 'neither num-of-connections nor numOfConnections'],
    ]) {
      expect({ text, refusal: refusal(() => readCreateAnswer('ws1', text!, request)) }).toEqual({
        text,
        refusal: { status: 502, code: 'AGENT_BAD_RESPONSE', message: expect.stringContaining(words!) },
      });
    }
  });
});

describe('session lists', () => {
  const go = [wire.goSession('s1', 'alice', 'virtual'), wire.goSession('c1', 'CORP\\dana', 'console')];

  test("ok: a bare array (ours, SessionList; the Go agent's) or {sessions}, every session read", () => {
    const ours = [toWireSession({ id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 0 })];
    expect(matches(SessionList, ours)).toBe(true);
    expect(readSessionList('ws1', JSON.stringify(ours))).toEqual({ sessions: [{ id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 0, lastDisconnectionTime: null }], skipped: 0 });
    expect(matches(SessionList, wire.listAnswer(go).body)).toBe(true);
    expect(readSessionList('ws1', JSON.stringify(wire.listAnswer(go).body)).sessions.map((s) => s.owner)).toEqual(['alice', 'CORP\\dana']);
    expect(readSessionList('ws1', JSON.stringify({ sessions: go })).skipped).toBe(0);
  });

  test('rejects: a session the model refuses is left out and counted; a list that is neither form is AGENT_BAD_RESPONSE', () => {
    const broken = { ...go[0], 'creation-time': 'yesterday' };
    expect(matches(SessionList, [...go, broken])).toBe(false);
    expect(readSessionList('ws1', JSON.stringify([...go, broken]))).toMatchObject({ skipped: 1 });
    expect(refusal(() => readSessionList('ws1', '{"list":[]}'))).toMatchObject({ status: 502, code: 'AGENT_BAD_RESPONSE' });
  });
});
