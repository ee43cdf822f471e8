import { describe, expect, test } from 'bun:test';
import { Value } from '@sinclair/typebox/value';
import { parseAgentUpdate } from '../../director/servers/update-body.ts';
import { goSession, goUpdate } from '../../tests/fixtures/go-dcvix/wire.ts';
import { AgentUpdate, AgentUpdateBody } from './agent-update.ts';

const stats = { hostname: 'ws01.example.com', free_memory: 1e9, total_memory: 2e9, cores: 8, cpu_usage: 3.5, load1: 0.1, load5: 0.2, load15: 0.3 };
const gpu = { name: 'NVIDIA A10G', memoryTotalBytes: 24e9, memoryUsedBytes: 1e9, utilizationPercent: 5 };
const session = { id: 's1', owner: 'alice', type: 'virtual', 'num-of-connections': 0, 'creation-time': '2026-01-02T03:04:05Z', 'last-disconnection-time': null };

/** What agents send, down to the odd: every one of these the tolerant reader takes (skipping bad items). */
const TAKEN: Record<string, unknown>[] = [
  { sessions: [session], stats },
  { sessions: [], stats, tags: null },
  { sessions: [session, 'x', 7, null, { id: '-rf' }], stats: { ...stats, extra_gpu: 2 }, tags: ['gpu', 'bad tag!', 7, null] },
  { sessions: [], stats, version: 12, dcvError: { why: 'object' }, agentPort: 8446, dcvTimeoutMs: 30_000, unknownKey: true },
  { sessions: Array.from({ length: 2000 }, () => session), stats, tags: Array.from({ length: 64 }, () => 'gpu') },
  { sessions: [], stats, tags: ['gpu=a10', 'linux'], gpus: [gpu, { name: 7 }, 'x'], host: 'not an object' },
  { sessions: [], stats, gpus: null, host: { osFamily: 'linux', unknownFact: true } },
];
/** Envelopes the reader refuses as a whole (400 INVALID_UPDATE). */
const REFUSED: Record<string, unknown>[] = [
  { stats },
  { sessions: {}, stats },
  { sessions: [], stats: { ...stats, cores: -1 } },
  { sessions: [], stats: { ...stats, hostname: 'bad host' } },
  { sessions: [], stats, agentPort: 70_000 },
  { sessions: [], stats, tags: Array.from({ length: 65 }, () => 'gpu') },
  { sessions: [], stats, gpus: Array.from({ length: 17 }, () => gpu) },
  { sessions: [], stats, gpus: { name: 'T4' } },
];

describe('agent update model', () => {
  test('ok: the model takes every update the tolerant reader takes (bad items are skipped and counted, not refused)', () => {
    for (const body of TAKEN) {
      expect(() => parseAgentUpdate(body)).not.toThrow();
      expect({ body, ok: Value.Check(AgentUpdateBody, body) }).toEqual({ body, ok: true });
    }
  });

  test('rejects: what the model refuses, the reader refuses too (same 400 INVALID_UPDATE either way)', () => {
    for (const body of REFUSED) {
      expect(() => parseAgentUpdate(body)).toThrow(expect.objectContaining({ code: 'INVALID_UPDATE' }));
      expect({ body, ok: Value.Check(AgentUpdateBody, body) }).toEqual({ body, ok: false });
    }
  });
});

describe('a well-formed update', () => {
  const bodies: [string, Record<string, unknown>][] = [
    [
      "our agent's",
      {
        sessions: [session],
        stats,
        tags: ['gpu=a10', 'linux'],
        gpus: [gpu, { ...gpu, utilizationPercent: undefined }],
        host: { osFamily: 'linux', osName: 'Ubuntu', osVersion: '22.04', kernelVersion: '6.1.0', architecture: 'x86_64', cpuModel: 'AMD EPYC' },
        agentPort: 8446,
        version: '1.2.0',
        dcvError: 'dcv: All licenses in use',
        dcvTimeoutMs: 10_000,
      },
    ],
    ["the Go agent's (no agentPort, Go's session keys, zero times)", goUpdate('ws01', [goSession('s1', 'alice', 'virtual'), goSession('c1', 'CORP\\dana', 'console')], ['gpu'])],
    ['one with tags: null', { sessions: [], stats, tags: null }],
  ];

  test('ok: what AgentUpdate takes, the reader keeps whole: every session, tag and GPU, nothing skipped', () => {
    for (const [what, body] of bodies) {
      expect({ what, model: Value.Check(AgentUpdate, body), envelope: Value.Check(AgentUpdateBody, body) }).toEqual({ what, model: true, envelope: true });
      const { update, skipped } = parseAgentUpdate(body);
      expect({ what, skipped, sessions: update.sessions.length, tags: update.tags.length, gpus: update.gpus.length, host: update.host }).toEqual({
        what,
        skipped: [],
        sessions: (body.sessions as unknown[]).length,
        tags: ((body.tags as unknown[] | null) ?? []).length,
        gpus: ((body.gpus as unknown[] | undefined) ?? []).length,
        host: body.host as never,
      });
    }
  });

  test('rejects: one bad session, tag or GPU fails AgentUpdate but not the envelope; the reader skips exactly that one', () => {
    const [, ours] = bodies[0]!;
    const cases: [Record<string, unknown>, 'session' | 'tag' | 'gpu' | 'host'][] = [
      [{ ...ours, gpus: [gpu, { ...gpu, memoryUsedBytes: 'lots' }] }, 'gpu'],
      [{ ...ours, host: { osFamily: '' } }, 'host'],
      [{ ...ours, tags: ['gpu=NVIDIA A10G'] }, 'tag'],
      [{ ...ours, sessions: [session, { ...session, id: 's2', owner: '--root' }] }, 'session'],
      [{ ...ours, sessions: [session, { ...session, id: 's2', 'creation-time': 'soon' }] }, 'session'],
      [{ ...ours, tags: ['gpu', 'bad tag!'] }, 'tag'],
      [{ ...ours, tags: ['gpu', 7] }, 'tag'],
    ];
    for (const [body, kind] of cases) {
      expect({ body, model: Value.Check(AgentUpdate, body), envelope: Value.Check(AgentUpdateBody, body) }).toEqual({ body, model: false, envelope: true });
      expect(parseAgentUpdate(body).skipped.map((item) => item.kind)).toEqual([kind]);
    }
  });
});
