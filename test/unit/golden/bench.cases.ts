import * as bench from '../../../src/features/bench/render.js';
import { compare } from '../../../src/features/bench/compare.js';
import { baseline, run } from '../../support/status-fixtures.js';
import { params, result } from '../../support/bench-fixtures.js';
import { goldenModule } from '../../support/golden.js';

const cluster = { name: 'prod', brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'] };

/** As bench-kafka compares with the baseline: its latency is a throttled run's, at its own rate. */
const kinds = (run: number) => ({ run, latency: baseline.recordsPerSec });
const slow = compare(result, baseline, 20, 'baseline (Phase 4 report)', kinds(params.throughput));
const fast = { ...result, recordsPerSec: 7400, mbPerSec: 7.23, avgLatencyMs: 2.1, p95: 3, maxLatencyMs: 19 };

export default [
  goldenModule('bench', 'features/bench/render.ts', bench, {
    paramsLine: {
      defaults: () => bench.paramsLine(params, cluster),
      'throttled-acks-1': () =>
        bench.paramsLine({ records: 250_000, recordSize: 512, throughput: 20_000, acks: 1, partitions: 6 }, cluster),
    },
    renderBenchResult: {
      regression: () =>
        bench.renderBenchResult({ params, cluster, result, comparisons: [slow], runId: '4', jobId: 'bench-kafka-9' }),
      'no-regression-two-references': () =>
        bench.renderBenchResult({
          params,
          cluster,
          result: fast,
          comparisons: [
            compare(fast, baseline, 20, 'baseline (Phase 4 report)', kinds(params.throughput)),
            compare(
              fast,
              { recordsPerSec: 7200, mbPerSec: 7.03, avgLatencyMs: 2.2, p95: 3 },
              20,
              'median of the last 5 runs',
            ),
          ],
          runId: '12',
          jobId: 'bench-kafka-31',
        }),
      'throttled-latency-regression': () =>
        bench.renderBenchResult({
          params: { ...params, throughput: 7000 },
          cluster,
          result: { ...fast, recordsPerSec: 6990, mbPerSec: 6.83, p95: 6 },
          comparisons: [
            compare({ ...fast, recordsPerSec: 6990, p95: 6 }, baseline, 20, 'baseline (Phase 4 report)', kinds(7000)),
          ],
          runId: '13',
          jobId: 'bench-kafka-32',
        }),
      'first-run-records-lost-topic-kept': () =>
        bench.renderBenchResult({
          params,
          cluster,
          result: { ...fast, recordsInTopic: 998, topicDeleted: false, topic: 'carbon-bench-<31>' },
          comparisons: [],
          runId: '1',
          jobId: 'bench-kafka-1',
        }),
    },
    renderBenchHistory: {
      'three-runs': () =>
        bench.renderBenchHistory([
          { ...run({ id: '12', rps: 7400.25, at: '2025-10-27T08:00:00' }), kafkaCluster: 'default' },
          {
            ...run({ id: '11', rps: 5000, at: '2025-10-26T08:00:00' }),
            kafkaCluster: 'staging',
            params: { ...params, throughput: 20_000, acks: 1 },
          },
          { ...run({ id: '3', rps: 7010, at: '2025-10-20T08:00:00' }), requestedBy: 'U0ONCALL' },
        ]),
      'none-yet': () => bench.renderBenchHistory([]),
    },
  }),
];
