// Render time of each chart at Slack size: spec build + Vega-Lite compile + Vega SVG + resvg PNG, wall clock of
// the one render (this process, nothing else running in it). There is no second side: each chart's figure is the
// median and range of its renders, the charts taking turns (one render of each per round, in alternating order).
// Run: npx tsx bench/charts.ts [--runs 20]
import { parseArgs } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import { healthTrendChart, latencyDistributionChart, renderPng, throughputHistoryChart } from '../src/charts/index.js';
import { alternated, loadAverage, machine, medianAndRange } from './support/figures.js';

const RUNS = Number(parseArgs({ options: { runs: { type: 'string', default: '20' } } }).values.runs);
const start = Date.UTC(2026, 10, 1);
const bounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, Infinity];
const counts = [120, 5400, 21000, 14000, 6200, 2100, 600, 120, 30, 4, 1];

// Realistic sizes: an 11-bucket histogram, 30 daily benchmark runs, a day of 5-minute health samples.
const charts: Record<string, () => TopLevelSpec> = {
  latencyDistribution: () =>
    latencyDistributionChart(
      bounds.map((upperMs, i) => ({ upperMs, count: counts[i]! })),
      'producer latency',
      { p50: 4.2, p95: 18.7, p99: 61.3 },
    ),
  throughputHistory: () =>
    throughputHistoryChart(
      Array.from({ length: 30 }, (_, i) => ({
        at: new Date(start + i * 86_400_000),
        recordsPerSec: 180_000 + 30_000 * Math.sin(i),
      })),
      175_000,
    ),
  healthTrend: () =>
    healthTrendChart(
      Array.from({ length: 288 }, (_, i) => ({ at: new Date(start + i * 300_000), healthPct: 97 + (i % 3) })),
    ),
};

// The first render pays for warming up Vega and loading the font: reported apart from the steady state.
console.log(machine());
const cold = performance.now();
await renderPng(charts.healthTrend!());
console.log(`first render         ${(performance.now() - cold).toFixed(1)} ms`);
const bytes: Record<string, number> = {};
const times = await alternated(
  Object.fromEntries(
    Object.entries(charts).map(([name, build]) => [
      name,
      async () => {
        const t0 = performance.now();
        bytes[name] = (await renderPng(build())).length;
        return performance.now() - t0;
      },
    ]),
  ),
  RUNS,
);
for (const name of Object.keys(charts)) {
  console.log(
    `${name.padEnd(20)} ${medianAndRange(times[name] ?? [], (x) => `${x.toFixed(1)} ms`)}  (PNG ${((bytes[name] ?? 0) / 1024).toFixed(0)} KiB)`,
  );
}
console.log(`load average at the end: ${loadAverage()}`);
