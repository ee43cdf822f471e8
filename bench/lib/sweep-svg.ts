/** One point of the keep-alive sweep: the director's updates/s and p99 with this many agents. */
export interface SweepPoint {
  agents: number;
  perS: number;
  p99: number;
}

const WIDTH = 640;
const HEIGHT = 360;
const PAD = { left: 70, right: 70, top: 48, bottom: 56 };
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round upper bound for an axis (1, 2 or 5 times a power of ten, at or above `max`). */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= max)!;
}

/**
 * The sweep as a self-contained SVG: updates/s (left axis, solid) and p99 in ms (right axis, dashed)
 * against the number of agents, which double from point to point so the x axis is logarithmic.
 */
export function sweepSvg(points: readonly SweepPoint[], caption: string): string {
  const sorted = [...points].sort((a, b) => a.agents - b.agents);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const logs = sorted.map((p) => Math.log2(p.agents));
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  const xOf = (agents: number) => PAD.left + (hi === lo ? plotW / 2 : ((Math.log2(agents) - lo) / (hi - lo)) * plotW);
  const rateMax = niceMax(Math.max(...sorted.map((p) => p.perS)));
  const p99Max = niceMax(Math.max(...sorted.map((p) => p.p99)));
  const yOf = (value: number, max: number) => PAD.top + plotH - (value / max) * plotH;
  const line = (pick: (p: SweepPoint) => number, max: number) => sorted.map((p) => `${xOf(p.agents).toFixed(1)},${yOf(pick(p), max).toFixed(1)}`).join(' ');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(caption)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(caption)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#1f5fbf"/>`,
    `<line x1="${PAD.left + plotW}" y1="${PAD.top}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}" stroke="#c0392b"/>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const tickY = PAD.top + plotH - (tick / 4) * plotH;
    out.push(
      `<line x1="${PAD.left}" y1="${tickY}" x2="${PAD.left + plotW}" y2="${tickY}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${tickY + 4}" text-anchor="end" fill="#1f5fbf">${Math.round((rateMax * tick) / 4)}</text>`,
      `<text x="${PAD.left + plotW + 6}" y="${tickY + 4}" fill="#c0392b">${Math.round(((p99Max * tick) / 4) * 10) / 10}</text>`,
    );
  }
  for (const point of sorted) out.push(`<text x="${xOf(point.agents).toFixed(1)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${point.agents}</text>`);
  out.push(
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">agents (keep-alive connections)</text>`,
    `<text transform="translate(18 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#1f5fbf">director updates/s</text>`,
    `<text transform="translate(${WIDTH - 14} ${PAD.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#c0392b">p99 latency (ms)</text>`,
    `<polyline points="${line((p) => p.perS, rateMax)}" fill="none" stroke="#1f5fbf" stroke-width="2"/>`,
    `<polyline points="${line((p) => p.p99, p99Max)}" fill="none" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"/>`,
  );
  for (const point of sorted) {
    out.push(
      `<circle cx="${xOf(point.agents).toFixed(1)}" cy="${yOf(point.perS, rateMax).toFixed(1)}" r="3.5" fill="#1f5fbf"><title>${point.agents} agents: ${point.perS} updates/s</title></circle>`,
      `<circle cx="${xOf(point.agents).toFixed(1)}" cy="${yOf(point.p99, p99Max).toFixed(1)}" r="3.5" fill="#c0392b"><title>${point.agents} agents: p99 ${point.p99} ms</title></circle>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
