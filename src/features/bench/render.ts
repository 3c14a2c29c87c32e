import type { KafkaBenchParams } from '../../contracts/commands.js';
import type { KnownBlock } from '@slack/types';
import type { Comparison } from './compare.js';
import { formatTotal } from '../../integrations/kafka-bench/stats.js';
import type { BenchResult } from '../../integrations/kafka-bench/producer-benchmark.js';
import type { StoredRun } from './store.js';
import { capBlocks, context, escapeMrkdwn, header, section, table, type Message } from '../../message.js';

const DEFINITIONS =
  "Measured like Kafka's ProducerPerformance: latency per record from send to acknowledgement, in whole ms; " +
  'MB = 2^20 bytes; percentiles over every acknowledged record up to 500,000 (sampled evenly beyond).';

/** A configured Kafka cluster: its name (`--cluster`) and the brokers configured under it. */
export interface KafkaTarget {
  name: string;
  brokers: readonly string[];
}

export const paramsLine = (p: KafkaBenchParams, cluster: KafkaTarget): string =>
  `${p.records.toLocaleString('en-US')} records of ${p.recordSize} B, acks=${p.acks === -1 ? 'all' : p.acks}, ` +
  `throughput ${p.throughput === -1 ? 'unthrottled' : `${p.throughput.toLocaleString('en-US')}/s`}, ` +
  `${p.partitions} partitions, Kafka cluster ${cluster.name} (${cluster.brokers.join(',')})`;

const fixed = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function renderBenchResult(input: {
  params: KafkaBenchParams;
  cluster: KafkaTarget;
  result: BenchResult;
  comparisons: Comparison[];
  runId: string;
  jobId: string;
}): Message {
  const { result, comparisons } = input;
  const regression = comparisons.some((c) => c.regression);
  const verdict = regression ? '🔻 *Regression*' : '✅ No regression';
  const blocks: KnownBlock[] = [
    header('Kafka producer benchmark'),
    section(`\`\`\`${formatTotal(result)}\`\`\``),
    table(
      ['RECORDS/SEC', 'MB/SEC', 'AVG ms', 'MAX ms', 'P50', 'P95', 'P99', 'P99.9'],
      [
        [
          fixed(result.recordsPerSec),
          fixed(result.mbPerSec, 2),
          fixed(result.avgLatencyMs, 2),
          fixed(result.maxLatencyMs, 0),
          ...[result.p50, result.p95, result.p99, result.p999].map(String),
        ],
      ],
    ),
  ];
  if (comparisons.length > 0) {
    blocks.push(
      table(
        ['COMPARED WITH', 'RECORDS/SEC', 'RATIO', 'P95 ms', 'RATIO', ''],
        comparisons.map((c) => [
          c.label,
          fixed(c.reference.recordsPerSec),
          `×${c.throughputRatio.toFixed(2)}`,
          fixed(c.reference.p95),
          c.latencyComparable ? `×${c.p95Ratio.toFixed(2)}` : 'n/a',
          [c.regression ? `regression: ${c.reasons.join(', ')}` : 'ok', ...c.notes].join('; '),
        ]),
        verdict,
      ),
    );
  } else {
    blocks.push(section(`${verdict} (nothing to compare with yet)`));
  }
  const landed =
    result.recordsInTopic === result.records
      ? `${result.recordsInTopic.toLocaleString('en-US')} records found in the topic, as sent`
      : `⚠️ ${result.recordsInTopic.toLocaleString('en-US')} records found in the ` +
        `topic, ${result.records.toLocaleString('en-US')} reported sent`;
  blocks.push(
    context(escapeMrkdwn(paramsLine(input.params, input.cluster))),
    context(DEFINITIONS),
    context(
      `${landed} · topic ${escapeMrkdwn(result.topic)} ${result.topicDeleted ? 'deleted' : 'NOT deleted'} · run ` +
        `#${input.runId} · job ${input.jobId}`,
    ),
  );
  const summary =
    `Kafka producer: ${fixed(result.recordsPerSec)} records/sec (${fixed(result.mbPerSec, 2)} MB/sec), ` +
    `p95 ${result.p95} ms${regression ? ' — regression' : ''}`;
  return { text: summary, blocks: capBlocks(blocks) };
}

export function renderBenchHistory(runs: StoredRun[]): Message {
  if (runs.length === 0) return { text: 'No Kafka benchmark has been run yet. Try `/carbon bench kafka`.' };
  const rows = runs.map((r) => [
    `#${r.id}`,
    r.startedAt.toISOString().slice(0, 16).replace('T', ' '),
    r.kafkaCluster ?? '?',
    `${r.params.records}×${r.params.recordSize}B ` +
      `acks=${r.params.acks === -1 ? 'all' : r.params.acks} ` +
      `${r.params.throughput === -1 ? 'max' : `${r.params.throughput}/s`} p=${r.params.partitions}`,
    fixed(r.recordsPerSec),
    fixed(r.mbPerSec, 2),
    fixed(r.avgLatencyMs, 2),
    String(r.p95),
    String(r.p99),
    r.requestedBy,
  ]);
  return {
    text: `Kafka benchmark history: ${runs.length} runs`,
    blocks: [
      header('Kafka benchmark history'),
      table(['RUN', 'STARTED (UTC)', 'CLUSTER', 'PARAMETERS', 'REC/SEC', 'MB/SEC', 'AVG ms', 'P95', 'P99', 'BY'], rows),
      context(DEFINITIONS),
    ],
  };
}
