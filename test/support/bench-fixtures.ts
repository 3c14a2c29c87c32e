import type { KafkaBenchParams } from '../../src/contracts/commands.js';
import type { BenchResult } from '../../src/integrations/kafka-bench/producer-benchmark.js';

/** A small benchmark run (1,000 records of 1 KiB): the bench unit tests and the golden files read it. */
export const result: BenchResult = {
  records: 1000,
  bytes: 1024000,
  recordsPerSec: 5000,
  mbPerSec: 4.88,
  avgLatencyMs: 3.2,
  maxLatencyMs: 40,
  p50: 2,
  p95: 9,
  p99: 30,
  p999: 40,
  durationMs: 200,
  histogram: [
    { fromMs: 0, toMs: 5, count: 900 },
    { fromMs: 5, toMs: 10, count: 100 },
  ],
  topic: 'carbon-bench-1',
  partitions: 3,
  replicationFactor: 1,
  recordsInTopic: 1000,
  topicDeleted: true,
};
export const params: KafkaBenchParams = { records: 1000, recordSize: 1024, throughput: -1, acks: -1, partitions: 3 };
