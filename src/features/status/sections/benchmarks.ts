import type { StoredRun } from '../../bench/store.js';
import { measured, notMeasured, type SectionProvider } from '../sections.js';

export interface KafkaBaseline {
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p95: number;
}

export interface LatestBenchmarks {
  /** Newest first. */
  runs: StoredRun[];
  baseline: KafkaBaseline;
}

export const baselineOf = (config: {
  KAFKA_BASELINE_RECORDS_PER_SEC: number;
  KAFKA_BASELINE_MB_PER_SEC: number;
  KAFKA_BASELINE_AVG_MS: number;
  KAFKA_BASELINE_P95_MS: number;
}): KafkaBaseline => ({
  recordsPerSec: config.KAFKA_BASELINE_RECORDS_PER_SEC,
  mbPerSec: config.KAFKA_BASELINE_MB_PER_SEC,
  avgLatencyMs: config.KAFKA_BASELINE_AVG_MS,
  p95: config.KAFKA_BASELINE_P95_MS,
});

/** The latest stored Kafka benchmark runs (benchmark_runs), with the configured baseline. */
export const latestBenchmarks: SectionProvider<LatestBenchmarks, { limit: number }> = {
  title: 'Kafka benchmarks',
  async collect(ctx, { limit }) {
    const runs = await ctx.store.benchmarks.recent(limit);
    if (runs.length === 0) return notMeasured('no Kafka benchmark has been run yet (`/carbon bench kafka`).');
    return measured({ runs, baseline: baselineOf(ctx.config) });
  },
};
