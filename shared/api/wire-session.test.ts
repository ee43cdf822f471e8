import { describe, expect, test } from 'bun:test';
import { GO_ZERO_TIME, goSession } from '../../tests/fixtures/go-dcvix/wire.ts';
import type { DcvSession } from './agent-wire.ts';
import { matches } from './model-check.ts';
import { readReportedSession, toWireSession, WireSession, withKebabKeys } from './wire-session.ts';

/** A JSON value as it arrives: written, then read back. */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const kebab = { id: 's1', owner: 'alice', type: 'virtual', 'num-of-connections': 3, 'creation-time': '2026-01-02T03:04:05.123456Z', 'last-disconnection-time': null };

/** Sessions agents send, each with the session the director keeps (the tolerant reads the Go interop needs). */
const TAKEN: [string, unknown, DcvSession][] = [
  ['kebab-case', kebab, { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 3, creationTime: '2026-01-02T03:04:05.123Z', lastDisconnectionTime: null }],
  [
    'camelCase (agents of this project before kebab-case)',
    { id: 's2', owner: 'bob', type: 'console', numOfConnections: 1, creationTime: '2026-01-02T03:04:05.000Z', lastDisconnectionTime: '2026-01-02T04:00:00Z' },
    { id: 's2', owner: 'bob', type: 'console', numOfConnections: 1, creationTime: '2026-01-02T03:04:05.000Z', lastDisconnectionTime: '2026-01-02T04:00:00.000Z' },
  ],
  [
    "the Go agent's: every key, zero time for never, a Windows owner",
    goSession('win-1', 'CORP\\dana', 'console', { connections: 1, lastDisconnection: GO_ZERO_TIME }),
    { id: 'win-1', owner: 'CORP\\dana', user: 'CORP\\dana', type: 'console', status: 'running', numOfConnections: 1, creationTime: '2026-03-01T08:15:30.123Z', lastDisconnectionTime: null },
  ],
  [
    'a type in capitals, times with lower-case t and z and an offset',
    { ...kebab, type: 'CONSOLE', 'creation-time': '2026-01-02t03:04:05+02:00' },
    { id: 's1', owner: 'alice', type: 'console', numOfConnections: 3, creationTime: '2026-01-02T01:04:05.000Z', lastDisconnectionTime: null },
  ],
  [
    '"" and null for absent text and times',
    { ...kebab, user: '', name: null, status: '', 'creation-time': '' },
    { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 3, lastDisconnectionTime: null },
  ],
  [
    'no times at all',
    { id: 's1', owner: 'alice@corp.example.com', type: 'virtual', 'num-of-connections': 0 },
    { id: 's1', owner: 'alice@corp.example.com', type: 'virtual', numOfConnections: 0, lastDisconnectionTime: null },
  ],
  [
    'the kebab-case key wins over its camelCase twin',
    { ...kebab, numOfConnections: 'x', creationTime: 'soon' },
    { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 3, creationTime: '2026-01-02T03:04:05.123Z', lastDisconnectionTime: null },
  ],
];

/** Sessions the director skips, each with the field its reason names. */
const SKIPPED: [unknown, string][] = [
  ['x', 'session: expected object'],
  [null, 'session: expected object'],
  [[kebab], 'session: expected object'],
  [{ ...kebab, id: '-rf' }, 'field "id"'],
  [{ ...kebab, id: 7 }, 'field "id"'],
  [{ ...kebab, owner: 'a\nb' }, 's1: field "owner"'],
  [{ id: 's3', owner: 'carol', type: 'virtual', connections: 1 }, 's3: has neither num-of-connections nor numOfConnections'],
  [{ ...kebab, 'num-of-connections': -1 }, 'field "num-of-connections"'],
  [{ ...kebab, 'num-of-connections': 1.5 }, 'field "num-of-connections"'],
  [{ ...kebab, 'num-of-connections': '3' }, 'field "num-of-connections"'],
  [{ ...kebab, 'num-of-connections': undefined, numOfConnections: 'x' }, 'field "num-of-connections"'],
  [{ ...kebab, type: 'desktop' }, 'field "type"'],
  [{ ...kebab, 'creation-time': 'yesterday' }, 'field "creation-time"'],
  [{ ...kebab, 'last-disconnection-time': '2026-13-01T00:00:00Z' }, 'field "last-disconnection-time"'],
  [{ ...kebab, 'creation-time': '2026-01-01T23:59:60Z' }, 'field "creation-time"'],
  [{ ...kebab, 'creation-time': 1767225600 }, 'field "creation-time"'],
  [{ ...kebab, user: 'u\u0000' }, 'field "user"'],
  [{ ...kebab, name: 'n'.repeat(257) }, 'field "name"'],
  [{ ...kebab, status: 3 }, 'field "status"'],
];

describe('a session on the agent wire', () => {
  test('ok: what our agent writes matches WireSession and reads back as the same session', () => {
    const sessions: DcvSession[] = [
      { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 0 },
      {
        id: 'c.2',
        owner: 'CORP\\dana',
        user: 'dana',
        name: 'Dana',
        type: 'console',
        status: 'running',
        numOfConnections: 4,
        creationTime: '2026-03-01T08:15:30.123Z',
        lastDisconnectionTime: '2026-03-01T09:00:00.000Z',
      },
    ];
    for (const session of sessions) {
      const wire = overTheWire(toWireSession(session));
      expect(matches(WireSession, wire)).toBe(true);
      expect(readReportedSession(wire)).toEqual({ ok: true, session: { lastDisconnectionTime: null, ...session } });
    }
  });

  test('ok: the reader keeps what the model takes, read the tolerant way (either key form, Go zero time, either case)', () => {
    for (const [what, sent, kept] of TAKEN) {
      expect({ what, read: readReportedSession(overTheWire(sent)) }).toEqual({ what, read: { ok: true, session: kept } });
      // A camelCase key is read as its kebab-case twin; the model holds the rest.
      expect({ what, model: matches(WireSession, withKebabKeys(overTheWire(sent))) }).toEqual({ what, model: true });
    }
  });

  test('rejects: what the model refuses is skipped with a reason naming the field', () => {
    for (const [sent, reason] of SKIPPED) {
      const read = readReportedSession(overTheWire(sent));
      expect({ sent, model: matches(WireSession, withKebabKeys(overTheWire(sent))), ok: read.ok }).toEqual({ sent, model: false, ok: false });
      expect({ sent, reason: read.ok ? '' : read.reason }).toEqual({ sent, reason: expect.stringContaining(reason) });
    }
  });
});
