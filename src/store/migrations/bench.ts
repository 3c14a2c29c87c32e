import type { Migration } from './migration.js';

/** Benchmarks (benchmark_runs itself is version 2): versions 40–49. */
export const BENCH_MIGRATIONS: readonly Migration[] = [
  {
    version: 40,
    name: 'benchmark runs name their Kafka cluster',
    // The configured cluster a run targeted (`--cluster NAME`, `default` for KAFKA_BROKERS); NULL for runs from
    // before clusters were named, when any address could be typed.
    sql: `
      ALTER TABLE benchmark_runs ADD COLUMN kafka_cluster text;
    `,
  },
];
