import { expect, test } from 'bun:test';
import { sweepSvg } from './sweep-svg.ts';

test('ok: the sweep plot has both lines, a point per agent count and escaped text', () => {
  const svg = sweepSvg(
    [
      { agents: 2000, perS: 4400, p99: 18 },
      { agents: 250, perS: 5200, p99: 9.5 },
      { agents: 500, perS: 5000, p99: 11 },
      { agents: 1000, perS: 4800, p99: 14 },
    ],
    'updates <keep-alive> & p99',
  );
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.match(/<polyline /g)).toHaveLength(2);
  expect(svg.match(/<circle /g)).toHaveLength(8);
  expect(svg).toContain('updates &lt;keep-alive&gt; &amp; p99');
  // Sorted by agents, the left-most point is 250 agents: x = the left padding.
  expect(svg).toContain('<polyline points="70.0,');
  expect(svg).toContain('<title>250 agents: 5200 updates/s</title>');
});
