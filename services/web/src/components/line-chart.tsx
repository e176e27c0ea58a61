/**
 * A line chart over time, e.g. prices with one line per store (uPlot: ~50 KB, canvas, fast on phones; loaded
 * only when a chart is on screen). The same numbers are always in a table for screen readers and
 * keyboard users, since a canvas says nothing to them.
 */
import { useEffect, useMemo, useRef } from 'react';
import { formatDate } from '../format';

export interface ChartSeries {
  label: string;
  points: { period: string; value: number }[];
}

export interface AlignedSeries {
  /** Every period of any series, ascending (`YYYY-MM-DD`). */
  periods: string[];
  /** Per series, its value at each period or null where it has none. */
  values: (number | null)[][];
}

/** Puts series with different periods on one shared time axis. */
export function alignSeries(series: ChartSeries[]): AlignedSeries {
  const periods = [...new Set(series.flatMap((each) => each.points.map((point) => point.period)))].sort();
  const values = series.map((each) => {
    const byPeriod = new Map(each.points.map((point) => [point.period, point.value]));
    return periods.map((period) => byPeriod.get(period) ?? null);
  });
  return { periods, values };
}

const COLORS = ['#0b5d3b', '#1d4ed8', '#a4161a', '#7c3aed', '#b45309', '#0f766e'];

export function LineChart({
  series,
  title,
  formatValue,
}: {
  series: ChartSeries[];
  title: string;
  /** How a value reads, e.g. cents as money. */
  formatValue: (value: number) => string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const aligned = useMemo(() => alignSeries(series), [series]);

  useEffect(() => {
    const element = container.current;
    if (!element || aligned.periods.length === 0 || typeof element.getBoundingClientRect !== 'function')
      return;
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (cancelled) return;
      const width = Math.max(280, element.getBoundingClientRect().width);
      chart = new UPlot(
        {
          width,
          height: 260,
          series: [
            {},
            ...series.map((each, index) => ({
              label: each.label,
              stroke: COLORS[index % COLORS.length] ?? '#000',
              width: 2,
              spanGaps: true,
              value: (_: unknown, value: number | null) => (value === null ? '–' : formatValue(value)),
            })),
          ],
          axes: [{}, { size: 80, values: (_: unknown, ticks: number[]) => ticks.map(formatValue) }],
        },
        [aligned.periods.map((period) => Date.parse(period) / 1000), ...aligned.values],
        element,
      );
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [aligned, series, formatValue]);

  if (aligned.periods.length === 0) return <p className="muted">No data yet.</p>;
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <div ref={container} className="chart" aria-hidden="true" />
      <details>
        <summary>Show the numbers</summary>
        <table>
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              {series.map((each) => (
                <th key={each.label} scope="col" className="num">
                  {each.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {aligned.periods.map((period, row) => (
              <tr key={period}>
                <th scope="row">{formatDate(`${period}T00:00:00Z`)}</th>
                {series.map((each, column) => {
                  const value = aligned.values[column]?.[row];
                  return (
                    <td key={each.label} className="num">
                      {value === null || value === undefined ? '–' : formatValue(value)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
