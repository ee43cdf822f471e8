import { describe, expect, test } from 'bun:test';
import { HOST_NAME_RE } from '../../shared/api/host-name.ts';
import { parseAgentUpdate } from './update-body.ts';

const stats = { hostname: 'h', free_memory: 1, total_memory: 2, cores: 1, cpu_usage: 0, load1: 0, load5: 0, load15: 0 };
const kebab = { id: 's1', owner: 'alice', type: 'virtual', 'num-of-connections': 3, 'creation-time': '2026-01-02T03:04:05.123456Z', 'last-disconnection-time': '0001-01-01T00:00:00Z' };
const camel = { id: 's2', owner: 'bob', type: 'console', numOfConnections: 1, creationTime: '2026-01-02T03:04:05.000Z', lastDisconnectionTime: null };

describe('parseAgentUpdate', () => {
  test('ok: kebab-case sessions (the specification, the Go agent) and camelCase ones (agents already deployed)', () => {
    const { update, skipped } = parseAgentUpdate({ sessions: [kebab, camel], stats, tags: [] });
    expect(skipped).toEqual([]);
    expect(update.sessions).toEqual([
      { id: 's1', owner: 'alice', type: 'virtual', numOfConnections: 3, creationTime: '2026-01-02T03:04:05.123Z', lastDisconnectionTime: null },
      { id: 's2', owner: 'bob', type: 'console', numOfConnections: 1, creationTime: '2026-01-02T03:04:05.000Z', lastDisconnectionTime: null },
    ]);
  });

  test("ok: the agent's max_virtual_sessions is kept; absent (the Go agent, no limit) stays absent; out of range is a 400", () => {
    expect(parseAgentUpdate({ sessions: [], stats, maxVirtualSessions: 4 }).update.maxVirtualSessions).toBe(4);
    expect(parseAgentUpdate({ sessions: [], stats }).update).not.toHaveProperty('maxVirtualSessions');
    for (const bad of [0, 10_001, 2.5, '4']) expect(() => parseAgentUpdate({ sessions: [], stats, maxVirtualSessions: bad })).toThrow('maxVirtualSessions');
  });

  test('ok: a Windows agent says consoleOnly and no loadAverage; absent (Linux, the Go agent) they stay absent; false/true are not kept', () => {
    expect(parseAgentUpdate({ sessions: [], stats, consoleOnly: true, loadAverage: false }).update).toMatchObject({ consoleOnly: true, loadAverage: false });
    const linux = parseAgentUpdate({ sessions: [], stats, consoleOnly: false, loadAverage: true }).update;
    expect([linux, parseAgentUpdate({ sessions: [], stats }).update].map((update) => ['consoleOnly' in update, 'loadAverage' in update])).toEqual([
      [false, false],
      [false, false],
    ]);
    expect(() => parseAgentUpdate({ sessions: [], stats, consoleOnly: 'yes' })).toThrow('consoleOnly');
  });

  test('ok: a Windows owner DOMAIN\\user is a valid owner', () => {
    expect(parseAgentUpdate({ sessions: [{ ...kebab, owner: 'CORP\\alice' }], stats }).update.sessions[0]!.owner).toBe('CORP\\alice');
  });

  test('rejects: unknown shapes and bad items are skipped with a reason, the rest kept', () => {
    const { update, skipped } = parseAgentUpdate({
      sessions: [kebab, { id: 's3', owner: 'carol', type: 'virtual', connections: 1 }, { ...kebab, id: 's4', owner: 'a\nb' }, { ...kebab, id: 's5', 'creation-time': 'soon' }, 'x'],
      stats,
      tags: ['gpu', 'bad tag!', 7],
    });
    expect(update.sessions.map((s) => s.id)).toEqual(['s1']);
    expect(update.tags).toEqual(['gpu']);
    expect(skipped.map((s) => s.kind)).toEqual(['tag', 'tag', 'session', 'session', 'session', 'session']);
    expect(skipped[2]!.reason).toContain('neither num-of-connections nor numOfConnections');
  });

  test('ok: GPUs and host facts are read (other keys of theirs dropped); absent, an update has no GPUs and no host facts', () => {
    const gpu = { name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: 1e9, utilizationPercent: 12, pciBus: '00:1e.0' };
    const { update, skipped } = parseAgentUpdate({ sessions: [], stats, gpus: [gpu], host: { osFamily: 'linux', kernelVersion: '6.1.0', extra: 1 } });
    expect(skipped).toEqual([]);
    expect(update.gpus).toEqual([{ name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: 1e9, utilizationPercent: 12 }]);
    expect(update.host).toEqual({ osFamily: 'linux', kernelVersion: '6.1.0' });
    const bare = parseAgentUpdate({ sessions: [], stats, gpus: null }).update;
    expect({ gpus: bare.gpus, host: bare.host }).toEqual({ gpus: [], host: undefined });
  });

  test('rejects: a bad GPU is skipped and counted, the others kept; bad host facts are skipped whole', () => {
    const good = { name: 'T4', memoryTotalBytes: 16e9, memoryUsedBytes: 0 };
    const { update, skipped } = parseAgentUpdate({
      sessions: [],
      stats,
      gpus: [good, { name: 'T4', memoryTotalBytes: -1, memoryUsedBytes: 0 }, { name: '', memoryTotalBytes: 1, memoryUsedBytes: 0 }, 'gpu', { ...good, utilizationPercent: 101 }],
      host: { osFamily: 'linux', osName: 'bad\nname' },
    });
    expect(update.gpus).toEqual([good]);
    expect(update.host).toBeUndefined();
    expect(skipped.map((item) => item.kind)).toEqual(['gpu', 'gpu', 'gpu', 'gpu', 'host']);
    expect(() => parseAgentUpdate({ sessions: [], stats, gpus: Array.from({ length: 17 }, () => good) })).toThrow(expect.objectContaining({ code: 'INVALID_UPDATE' }));
  });

  test('rejects: a broken envelope is still a 400', () => {
    // In the words of the route's own 400 for the same body: the model speaks in both.
    expect(() => parseAgentUpdate({ sessions: {}, stats })).toThrow('field "sessions": expected array');
    expect(() => parseAgentUpdate({ sessions: [], stats: { ...stats, cores: 'x' } })).toThrow('stats.cores');
    // The message states the rule the check applies: the one host-name rule, either case.
    expect(() => parseAgentUpdate({ sessions: [], stats: { ...stats, hostname: 'WS_01' } })).toThrow(`field "stats.hostname": expected string to match '${HOST_NAME_RE.source}'`);
    expect(parseAgentUpdate({ sessions: [], stats: { ...stats, hostname: 'WS-01.Example.COM' } }).update.stats.hostname).toBe('WS-01.Example.COM');
  });
});
