import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from './format.js';
import { base, COLORS, noDataChart, utcTimeAxis, type Layer } from './theme.js';

/** One benchmark run: when it ran, what it reached, and optionally a short tag (a version, a config). */
export interface ThroughputPoint {
  at: Date;
  recordsPerSec: number;
  label?: string;
}

/** Benchmark throughput over time, one point per run, against an optional baseline to beat. */
export function throughputHistoryChart(
  points: readonly ThroughputPoint[],
  baseline?: number,
  title = 'Kafka producer throughput',
): TopLevelSpec {
  if (points.length === 0) return noDataChart(title);

  // Epoch milliseconds, so the spec is plain JSON and Vega never has to parse a date string.
  const rows = [...points]
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((point) => ({ at: point.at.getTime(), recordsPerSec: point.recordsPerSec, label: point.label ?? null }));
  const latest = rows.at(-1)!.recordsPerSec;
  const subtitle = [
    `latest ${formatNumber(latest)} records/sec`,
    ...(baseline === undefined ? [] : [`baseline ${formatNumber(baseline)}`]),
  ].join(' · ');

  const x = { field: 'at', ...utcTimeAxis } as const;
  const y = { field: 'recordsPerSec', type: 'quantitative', title: 'records/sec', axis: { format: ',f' } } as const;
  // Only when some run has a tag: a text layer filtered down to nothing makes Vega warn of an empty extent.
  const labelLayers: Layer[] = rows.some((row) => row.label !== null)
    ? [
        {
          transform: [{ filter: 'datum.label != null' }],
          mark: { type: 'text', align: 'center', baseline: 'bottom', dy: -8, fontSize: 12, color: '#333333' },
          encoding: { x, y, text: { field: 'label' } },
        },
      ]
    : [];
  // The baseline layers get one empty row of their own: on the runs' data they would draw once per run.
  const baselineLayers: Layer[] =
    baseline === undefined
      ? []
      : [
          {
            data: { values: [{}] },
            mark: { type: 'rule', color: COLORS.baseline, strokeDash: [6, 4], strokeWidth: 2 },
            encoding: { y: { datum: baseline } },
          },
          {
            data: { values: [{}] },
            mark: { type: 'text', color: COLORS.baseline, align: 'right', baseline: 'bottom', dy: -4, fontSize: 12 },
            encoding: {
              x: { value: 'width' },
              y: { datum: baseline },
              text: { value: `baseline ${formatNumber(baseline)}` },
            },
          },
        ];

  return {
    ...base,
    title: { text: title, subtitle },
    data: { values: rows },
    layer: [
      { mark: { type: 'line', color: COLORS.primary, strokeWidth: 2, point: { size: 60 } }, encoding: { x, y } },
      ...labelLayers,
      ...baselineLayers,
    ],
  };
}
