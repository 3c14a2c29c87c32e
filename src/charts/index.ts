// Charts for Slack: pure builders (data → Vega-Lite spec) and one renderer (spec → PNG).
export { renderPng } from './render.js';
export { latencyDistributionChart, type LatencyBucket, type LatencyPercentiles } from './latency-distribution.js';
export { throughputHistoryChart, type ThroughputPoint } from './throughput-history.js';
export { healthTrendChart, type HealthPoint } from './health-trend.js';
