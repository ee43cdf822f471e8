import { describe, expect, test } from 'bun:test';
import { parseDcvTime, parseSessions, parseSessionsJson } from './parse-sessions.ts';

/** The fields dcv prints and the parser keeps as they are. */
const ALICE = { id: 'alice-3f2a', owner: 'alice', user: 'alice', name: 'Alice desk', type: 'virtual', status: 'RUNNING' } as const;

const REAL_LIKE = JSON.stringify([
  {
    ...ALICE,
    'num-of-connections': 1,
    'creation-time': '2026-11-23T10:00:00.123456Z',
    'last-disconnection-time': '',
    'licensing-mode': 'EVALUATION',
    'storage-root': '',
    'x11-display': ':1',
    'display-layout': [{ width: 800, height: 600, x: 0, y: 0 }],
    licenses: [],
  },
]);

describe('parseSessionsJson', () => {
  test('ok: DCV kebab-case output with microseconds', () => {
    expect(parseSessionsJson(REAL_LIKE)).toEqual([
      {
        ...ALICE,
        numOfConnections: 1,
        creationTime: '2026-11-23T10:00:00.123Z',
        lastDisconnectionTime: null,
      },
    ]);
  });

  test('ok: empty output and empty array', () => {
    expect(parseSessionsJson('')).toEqual([]);
    expect(parseSessionsJson('  \n')).toEqual([]);
    expect(parseSessionsJson('[]')).toEqual([]);
  });

  test('ok: {sessions: [...]} wrapper and a single describe-session object', () => {
    expect(parseSessions({ sessions: [{ id: 'a', owner: 'x', type: 'virtual' }] }).map((s) => s.id)).toEqual(['a']);
    expect(parseSessions({ id: 'b', owner: 'y', type: 'console' }).map((s) => s.id)).toEqual(['b']);
  });

  test('ok: camelCase and snake_case keys, numeric strings', () => {
    const [a, b] = parseSessions([
      { id: 'a', owner: 'x', type: 'virtual', numOfConnections: 2, creationTime: '2026-01-01T00:00:00Z' },
      { id: 'b', owner: 'x', type: 'virtual', num_of_connections: '3', last_disconnection_time: '2026-01-02T00:00:00.5Z' },
    ]);
    expect(a?.numOfConnections).toBe(2);
    expect(a?.creationTime).toBe('2026-01-01T00:00:00.000Z');
    expect(b?.numOfConnections).toBe(3);
    expect(b?.lastDisconnectionTime).toBe('2026-01-02T00:00:00.500Z');
  });

  test('ok: missing fields get safe defaults', () => {
    expect(parseSessions([{ id: 'm' }])).toEqual([
      { id: 'm', owner: '', type: 'console', numOfConnections: 0, lastDisconnectionTime: null },
    ]);
    // owner falls back to user; an unknown type is reported as console so the reaper leaves it alone.
    const [s] = parseSessions([{ id: 'n', user: 'bob', type: 'weird', 'creation-time': null }]);
    expect(s?.owner).toBe('bob');
    expect(s?.type).toBe('console');
    expect(s?.creationTime).toBeUndefined();
  });

  test('ok: entries without an id, or not objects, are skipped', () => {
    const out = parseSessions([null, 3, 'x', [], { owner: 'a' }, { id: '' }, { id: 7 }, { id: 'keep' }]);
    expect(out.map((s) => s.id)).toEqual(['keep']);
  });

  test('ok: negative or fractional connection counts become 0', () => {
    expect(parseSessions([{ id: 'a', 'num-of-connections': -1 }])[0]?.numOfConnections).toBe(0);
    expect(parseSessions([{ id: 'a', 'num-of-connections': 1.5 }])[0]?.numOfConnections).toBe(0);
  });

  test('rejects: text that is not JSON', () => {
    expect(() => parseSessionsJson("Session: 'x' (owner:a type:console)")).toThrow();
  });
});

describe('parseDcvTime', () => {
  test('ok: fractions of any length, zones, no zone means UTC', () => {
    expect(parseDcvTime('2026-11-23T10:00:00.123456Z')).toBe('2026-11-23T10:00:00.123Z');
    expect(parseDcvTime('2026-11-23T10:00:00Z')).toBe('2026-11-23T10:00:00.000Z');
    expect(parseDcvTime('2026-11-23T10:00:00.1')).toBe('2026-11-23T10:00:00.100Z');
    expect(parseDcvTime('2026-11-23 10:00:00.999999+0200')).toBe('2026-11-23T08:00:00.999Z');
    expect(parseDcvTime('2026-11-23T10:00:00.000001-05:30')).toBe('2026-11-23T15:30:00.000Z');
    expect(parseDcvTime(1_700_000_000)).toBe('2023-11-14T22:13:20.000Z');
    expect(parseDcvTime(1_700_000_000_000)).toBe('2023-11-14T22:13:20.000Z');
  });

  test('rejects: empty, null, garbage, impossible dates', () => {
    // 0001-01-01T00:00:00Z is Go's zero time.Time: "never" when a Go-built tool printed it.
    for (const v of ['', '   ', null, undefined, 'never', '2026-13-45T99:00:00Z', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z', {}, 0, -5, Number.NaN]) {
      expect(parseDcvTime(v)).toBeUndefined();
    }
  });
});
