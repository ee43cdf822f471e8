import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { FleetHistory, SAMPLE_EVERY_MS, SAMPLES_KEPT, type FleetSample } from './history.ts';

function rig(size?: number) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 30));
  let reads = 0;
  const read = (): FleetSample => ({ sessions: ++reads, healthyHosts: reads * 10, hosts: 100 });
  return { clock, history: new FleetHistory(clock, read, undefined, size), reads: () => reads };
}

describe('fleet history (ring buffer)', () => {
  test('ok: one sample per minute of the clock, stamped with the minute, oldest first', () => {
    const { clock, history, reads } = rig();
    expect(history.series()).toEqual({ times: [], sessions: [], healthyHosts: [], hosts: [] });
    expect(history.tick()).toBe(true);
    clock.advance(20_000);
    expect(history.tick()).toBe(false); // same minute: nothing read
    clock.advance(20_000);
    expect(history.tick()).toBe(true);
    clock.advance(3 * SAMPLE_EVERY_MS); // minutes the process did not run are missing
    expect(history.tick()).toBe(true);
    const minute = Date.UTC(2026, 0, 1, 12, 0) / 1000;
    expect(history.series()).toEqual({ times: [minute, minute + 60, minute + 240], sessions: [1, 2, 3], healthyHosts: [10, 20, 30], hosts: [100, 100, 100] });
    expect(reads()).toBe(3);
  });

  test('ok: keeps the last 24 hours (1,440 samples), dropping the oldest', () => {
    const { clock, history } = rig();
    for (let minute = 0; minute < SAMPLES_KEPT + 5; minute++) {
      history.tick();
      clock.advance(SAMPLE_EVERY_MS);
    }
    const series = history.series();
    expect(series.times.length).toBe(SAMPLES_KEPT);
    expect([series.sessions[0], series.sessions.at(-1)]).toEqual([6, SAMPLES_KEPT + 5]);
    expect(series.times.every((time, index) => index === 0 || time - series.times[index - 1]! === 60)).toBe(true);
  });

  test('rejects: a clock set back takes no sample until it passes the last one again (times stay in order)', () => {
    const { clock, history } = rig(4);
    history.tick();
    clock.advance(-5 * SAMPLE_EVERY_MS);
    expect(history.tick()).toBe(false);
    clock.advance(5 * SAMPLE_EVERY_MS + SAMPLE_EVERY_MS);
    expect(history.tick()).toBe(true);
    expect(history.series().sessions).toEqual([1, 2]);
  });

  test('ok: a read that throws is a missing minute, and the next check tries again', () => {
    const clock = new FakeClock();
    let fail = true;
    const history = new FleetHistory(clock, () => {
      if (fail) throw new Error('boom');
      return { sessions: 1, healthyHosts: 1, hosts: 1 };
    });
    history.start();
    history.stop();
    expect(history.series().times).toEqual([]);
    fail = false;
    expect(history.tick()).toBe(true);
  });
});
