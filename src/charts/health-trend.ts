import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from './format.js';
import { base, COLORS, noDataChart, utcTimeAxis } from './theme.js';

export interface HealthPoint {
  at: Date;
  healthPct: number;
}

/** Platform health over time; the y axis is always 0–100 % so a dip is never exaggerated by autoscaling. */
export function healthTrendChart(points: readonly HealthPoint[], title = 'Platform health'): TopLevelSpec {
  if (points.length === 0) return noDataChart(title);

  const rows = [...points]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((point) => ({ at: point.at.getTime(), healthPct: point.healthPct }));
  const latest = rows.at(-1)!.healthPct;
  const lowest = Math.min(...rows.map((row) => row.healthPct));

  const x = { field: 'at', ...utcTimeAxis } as const;
  const y = {
    field: 'healthPct',
    type: 'quantitative' as const,
    title: 'healthy (%)',
    scale: { domain: [0, 100], nice: false, clamp: true },
  };

  return {
    ...base,
    title: { text: title, subtitle: `latest ${formatNumber(latest)} % · lowest ${formatNumber(lowest)} %` },
    data: { values: rows },
    layer: [
      { mark: { type: 'area', color: COLORS.primary, opacity: 0.15 }, encoding: { x, y } },
      // A lone sample makes no line, so it gets a visible point instead.
      { mark: { type: 'line', color: COLORS.primary, strokeWidth: 2, point: rows.length === 1 }, encoding: { x, y } },
    ],
  };
}
