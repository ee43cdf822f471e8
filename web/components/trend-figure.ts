import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { clockTime } from '../format.ts';
import type { TrendChart, TrendLine } from './trend-chart.ts';

type ChartModule = typeof import('./trend-chart.ts');

/**
 * The chart module (uPlot and its style sheet), loaded once the first chart is shown: a chunk of its
 * own, so no other page downloads it. `failed`: it could not be loaded (the figures stay in words).
 */
function useChartModule(): { module: ChartModule | null; failed: boolean } {
  const [state, setState] = useState<{ module: ChartModule | null; failed: boolean }>({ module: null, failed: false });
  useEffect(() => {
    let live = true;
    import('./trend-chart.ts')
      .then(async (module) => {
        await module.loadChartStyles();
        if (live) setState({ module, failed: false });
      })
      .catch(() => live && setState({ module: null, failed: true }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** Highest and lowest of a series, with when (the first time it was reached). */
function extremes(times: number[], values: number[]) {
  let high = 0;
  let low = 0;
  values.forEach((value, index) => {
    if (value > values[high]!) high = index;
    if (value < values[low]!) low = index;
  });
  return { high: { value: values[high] ?? 0, at: times[high] }, low: { value: values[low] ?? 0, at: times[low] } };
}

/** The caption: each line's latest figure, highest and lowest over the samples held. */
function summary(times: number[], lines: TrendLine[]): string {
  if (!times.length) return 'No samples yet.';
  return lines
    .map((line) => {
      const { high, low } = extremes(times, line.values);
      // A chart of one line is titled by it already.
      const label = lines.length > 1 ? `${line.label}: ` : '';
      return `${label}${line.values.at(-1) ?? 0} now, highest ${high.value} at ${clockTime(high.at)}, lowest ${low.value} at ${clockTime(low.at)}.`;
    })
    .join(' ');
}

/** One sample an hour, newest first: the chart as a table for screen readers. */
function hourly(times: number[], lines: TrendLine[]) {
  const rows: number[] = [];
  for (let index = times.length - 1; index >= 0 && rows.length < 24; index -= 60) rows.push(index);
  // Hidden by its wrapper: a table keeps its content's width whatever width it is given.
  return html`<div class="visually-hidden"><table>
    <caption>${lines.map((line) => line.label).join(' and ')}, one sample an hour, newest first</caption>
    <thead><tr><th scope="col">Time</th>${lines.map((line) => html`<th scope="col">${line.label}</th>`)}</tr></thead>
    <tbody>${rows.map((index) => html`<tr><th scope="row">${clockTime(times[index])}</th>${lines.map((line) => html`<td>${line.values[index]}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

/**
 * A chart of the last 24 hours with its figures in words: the caption gives the latest, highest and
 * lowest of each line and a visually hidden table one sample an hour, so the canvas (hidden from
 * assistive technology) carries nothing that is not also said in text.
 */
export function TrendFigure({ title, times, lines, testId }: { title: string; times: number[]; lines: TrendLine[]; testId: string }) {
  const { module, failed } = useChartModule();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<TrendChart | null>(null);
  useEffect(() => {
    if (!module || !box.current) return;
    chart.current = module.trendChart(box.current, times, lines);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [module]);
  useEffect(() => chart.current?.update(times, lines), [times, lines]);
  return html`<figure class="card trend" data-testid=${testId}>
    <figcaption><strong class="trend-title">${title}</strong> <span class="muted small">${summary(times, lines)}</span></figcaption>
    <div class="trend-plot" ref=${box} aria-hidden="true" data-drawn=${module ? 'yes' : undefined}></div>
    ${failed ? html`<p class="small muted">The chart could not be loaded; reload the page to try again.</p>` : null}
    ${hourly(times, lines)}
  </figure>`;
}
