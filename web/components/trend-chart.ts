/**
 * A line chart of the last 24 hours, drawn by uPlot (npm `uplot`) on a canvas. This module is its own
 * chunk, with uPlot's style sheet beside it: only the admin overview imports it, when it opens.
 * uPlot sets sizes and colours through element.style (the CSSOM), which the page's Content-Security-
 * Policy allows; it writes no style attribute and no <style> element, and neither does this module
 * (the style sheet is a <link> to a file of this origin).
 */
import uPlot from 'uplot';
import styleSheet from 'uplot/dist/uPlot.min.css' with { type: 'file' };

export interface TrendLine {
  label: string;
  values: number[];
  /** A custom property of the app's palette ("--accent"): the line follows light and dark. */
  colour: string;
}

export interface TrendChart {
  update(times: number[], lines: TrendLine[]): void;
  destroy(): void;
}

let styles: Promise<void> | undefined;

/** Adds uPlot's style sheet to the page once; settles when it loaded (or failed: the chart still draws). */
export function loadChartStyles(): Promise<void> {
  styles ??= new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = new URL(styleSheet as string, import.meta.url).href;
    link.addEventListener('load', () => resolve());
    link.addEventListener('error', () => resolve());
    document.head.append(link);
  });
  return styles;
}

const HEIGHT = 180;
/** Whole numbers only on the y axis: sessions and hosts come in ones. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

function options(box: HTMLElement, lines: TrendLine[]): uPlot.Options {
  const palette = getComputedStyle(box);
  const colour = (name: string) => palette.getPropertyValue(name).trim() || 'currentColor';
  const axis = { stroke: colour('--muted'), grid: { stroke: colour('--border'), width: 1 }, ticks: { stroke: colour('--border'), width: 1 } };
  return {
    width: Math.max(240, box.clientWidth),
    height: HEIGHT,
    legend: { show: true, live: true },
    // Away from the chart the legend shows the latest sample, not dashes.
    hooks: { setCursor: [(chart) => chart.cursor.idx == null && showLatest(chart)] },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_chart, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
    axes: [axis, { ...axis, incrs: WHOLE_STEPS, size: 48 }],
    series: [{ label: 'Time' }, ...lines.map((line) => ({ label: line.label, stroke: colour(line.colour), width: 2, points: { show: false } }))],
  };
}

function showLatest(chart: uPlot): void {
  const count = chart.data[0].length;
  if (count) chart.setLegend({ idx: count - 1 }, false);
}

/** Draws the chart into `box` and keeps it as wide as the box. */
export function trendChart(box: HTMLElement, times: number[], lines: TrendLine[]): TrendChart {
  const data = (at: number[], series: TrendLine[]): uPlot.AlignedData => [at, ...series.map((line) => line.values)];
  const chart = new uPlot(options(box, lines), data(times, lines), box);
  showLatest(chart);
  const resize = new ResizeObserver(() => {
    const width = Math.max(240, box.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: HEIGHT });
  });
  resize.observe(box);
  return {
    update(at, series) {
      chart.setData(data(at, series));
      if (chart.cursor.idx == null) showLatest(chart);
    },
    destroy() {
      resize.disconnect();
      chart.destroy();
    },
  };
}
