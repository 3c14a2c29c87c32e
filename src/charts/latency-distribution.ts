import type { TopLevelSpec } from 'vega-lite';
import { formatMs, formatNumber } from './format.js';
import { base, COLORS, noDataChart, type Layer } from './theme.js';

/** One histogram bucket: `count` records took at most `upperMs` (and more than the previous bucket's bound). */
export interface LatencyBucket {
  upperMs: number;
  count: number;
}

export interface LatencyPercentiles {
  p50?: number;
  p95?: number;
  p99?: number;
}

const PERCENTILES = ['p50', 'p95', 'p99'] as const;

/*
 * Benchmark buckets are usually exponential (1, 2, 5, 10, 20, … ms), so the x axis is one band per bucket
 * rather than a linear ms scale that would crush the low buckets into a sliver. Percentile markers sit on
 * the bucket that contains them; their exact values are in the subtitle.
 */
export function latencyDistributionChart(
  buckets: readonly LatencyBucket[],
  title: string,
  percentiles: LatencyPercentiles = {},
): TopLevelSpec {
  if (buckets.length === 0) return noDataChart(title);

  const sorted = [...buckets].sort((a, b) => a.upperMs - b.upperMs);
  const rows = sorted.map((bucket, i) => ({
    bucket: bucketLabel(bucket.upperMs, sorted[i - 1]?.upperMs),
    count: bucket.count,
  }));
  const domain = rows.map((row) => row.bucket);
  const bucketOf = (ms: number): string => {
    const index = sorted.findIndex((bucket) => ms <= bucket.upperMs);
    return domain.at(index)!; // past the last bound (-1) falls in the last bucket
  };
  const x = {
    field: 'bucket',
    type: 'ordinal',
    title: 'latency (ms), bucket upper bound',
    scale: { domain },
    axis: { labelAngle: 0, labelOverlap: 'greedy' },
  } as const;

  const marked = PERCENTILES.flatMap((name) => {
    const ms = percentiles[name];
    return ms === undefined ? [] : [{ name, ms }];
  });
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const subtitle = [`${formatNumber(total)} records`, ...marked.map(({ name, ms }) => `${name} ${formatMs(ms)}`)].join(
    ' · ',
  );

  return {
    ...base,
    title: { text: title, subtitle },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', color: COLORS.primary },
        encoding: {
          x,
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'records',
            axis: { format: ',f' },
            // Headroom above the tallest bar for the marker labels, which sit at the top of the plot.
            scale: marked.length > 0 ? { domainMax: Math.max(...rows.map((row) => row.count)) * 1.25 } : {},
          },
        },
      },
      // One layer per marker so each label gets its own line at the top and equal buckets don't overprint.
      ...marked.map(({ name, ms }, row): Layer => ({
        data: { values: [{ bucket: bucketOf(ms), name }] },
        layer: [
          { mark: { type: 'rule', color: COLORS[name], strokeWidth: 2, strokeDash: [6, 4] }, encoding: { x } },
          {
            mark: { type: 'text', color: COLORS[name], align: 'left', dx: 5, fontSize: 13 },
            encoding: { x, y: { value: 10 + row * 16 }, text: { field: 'name' } },
          },
        ],
      })),
    ],
  };
}

function bucketLabel(upperMs: number, previousUpperMs: number | undefined): string {
  if (upperMs !== Infinity) return `≤${formatNumber(upperMs)}`;
  return previousUpperMs === undefined ? 'all' : `>${formatNumber(previousUpperMs)}`;
}
