// Render time of each chart at Slack size: spec build + Vega-Lite compile + Vega SVG + resvg PNG.
// Run: npx tsx bench/charts.ts
import type { TopLevelSpec } from 'vega-lite';
import { healthTrendChart, latencyDistributionChart, renderPng, throughputHistoryChart } from '../src/charts/index.js';

const RUNS = 20;
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
const cold = performance.now();
await renderPng(charts.healthTrend!());
console.log(`first render         ${(performance.now() - cold).toFixed(1)} ms`);
for (const [name, build] of Object.entries(charts)) {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    bytes = (await renderPng(build())).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)]!;
  console.log(
    `${name.padEnd(20)} median ${median.toFixed(1)} ms  max ${times.at(-1)!.toFixed(1)} ms  (${RUNS} runs, PNG ${(bytes / 1024).toFixed(0)} KiB)`,
  );
}
