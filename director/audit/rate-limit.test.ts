import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { RateLimitedAudit } from './rate-limit.ts';
import type { AuditEvent } from './types.ts';

function setup(perMinute: number, maxKeys?: number) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const recorded: AuditEvent[] = [];
  const limited = new RateLimitedAudit({ audit: { record: (event) => void recorded.push(event), list: async () => [] }, clock, perMinute, maxKeys });
  return { clock, recorded, limited };
}

const bad = (target: string, clientAddress = '192.0.2.1'): AuditEvent => ({ type: 'connection.verify', outcome: 'failure', target, clientAddress });

describe('rate-limited audit', () => {
  test('ok: N events a minute per key are kept; the rest are counted in one summary when the minute is over', () => {
    const { clock, recorded, limited } = setup(3);
    for (let count = 0; count < 10; count++) limited.record(bad('s1'));
    limited.record(bad('s2'));
    limited.record({ ...bad('s1'), outcome: 'success', actor: 'alice' });
    expect(recorded.map((e) => `${e.target} ${e.outcome}`)).toEqual(['s1 failure', 's1 failure', 's1 failure', 's2 failure', 's1 success']);
    clock.advance(59_000);
    limited.sweep();
    expect(recorded).toHaveLength(5);
    clock.advance(1_000);
    limited.sweep();
    expect(recorded.slice(5)).toEqual([
      {
        type: 'connection.verify',
        outcome: 'failure',
        target: 's1',
        clientAddress: '192.0.2.1',
        actor: undefined,
        detail: 'suppressed 7 similar events from 2026-01-01T00:00:00.000Z to 2026-01-01T00:00:00.000Z: more than 3 a minute',
      },
    ]);
    // A new minute: the key starts again.
    limited.record(bad('s1'));
    expect(recorded).toHaveLength(7);
  });

  test('ok: an event past its minute ends the window itself (summary first), and stop() writes the summaries still open', () => {
    const { clock, recorded, limited } = setup(1);
    limited.record(bad('s1'));
    limited.record(bad('s1'));
    clock.advance(61_000);
    limited.record(bad('s1'));
    limited.record(bad('s1'));
    expect(recorded.map((e) => e.detail ?? 'kept')).toEqual(['kept', expect.stringMatching(/^suppressed 1 similar events/), 'kept']);
    limited.stop();
    expect(recorded.at(-1)!.detail).toStartWith('suppressed 1 similar events from 2026-01-01T00:01:01.000Z');
  });

  test('ok: describe() runs only for the events kept', () => {
    const { recorded, limited } = setup(2);
    let described = 0;
    for (let count = 0; count < 100; count++) limited.record(bad('s1'), () => `detail ${++described}`);
    expect([described, recorded.map((e) => e.detail)]).toEqual([2, ['detail 1', 'detail 2']]);
  });

  test('rejects: a flood of ever new targets shares one key per type and outcome past maxKeys', () => {
    const { clock, recorded, limited } = setup(2, 3);
    for (let index = 0; index < 1000; index++) limited.record(bad(`s${index}`, `198.51.100.${index % 250}`));
    // One event for each of the 3 keys followed, 2 for the shared key, the rest counted there.
    expect(recorded).toHaveLength(3 + 2);
    clock.advance(60_000);
    limited.sweep();
    const summary = recorded.at(-1)!;
    expect([summary.target, summary.clientAddress, summary.detail]).toEqual([undefined, undefined, expect.stringMatching(/^suppressed 995 similar events \(many targets and addresses\)/)]);
  });

  test('rejects: perMinute must be a whole number of at least 1', () => {
    expect(() => setup(0)).toThrow('perMinute');
  });
});
