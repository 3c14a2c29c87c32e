import type { KafkaBenchParams } from '../../contracts/commands.js';
import type { DataOf } from '../../contracts/jobs.js';
import { Kafka, logLevel } from 'kafkajs';
import { compare, medianFigures, type Comparison } from './compare.js';
import { DEFAULT_KAFKA_CLUSTER, kafkaClusters, type Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { BenchParamsError } from '../../integrations/kafka-bench/options.js';
import {
  KafkaBenchError,
  runProducerBenchmark,
  type BenchResult,
} from '../../integrations/kafka-bench/producer-benchmark.js';
import { formatWindow } from '../../integrations/kafka-bench/stats.js';
import type { Logger } from '../../log.js';
import { renderBenchResult, type KafkaTarget } from './render.js';
import { latencyDistributionChart, renderPng, throughputHistoryChart } from '../../charts/index.js';
import type { StoredRun } from './store.js';
import type { JobContext, JobDefinition } from '../../jobs/job.js';

/** How many earlier runs with the same parameters make the reference (their median). */
const REFERENCE_RUNS = 5;

/** The benchmark's own topic, named after its job: a run its dead worker left half done can be found and deleted. */
export const benchTopic = (jobId: string): string => `carbon-bench-${jobId.replace(/[^A-Za-z0-9._-]/g, '_')}`;

/**
 * The configured cluster a run targets, or a UserError before any connection: a worker connects to the brokers
 * configured under a name and to nothing else (the bot refuses other names too, but a phase task's command and a
 * worker configured unlike the bot get here).
 */
export function targetCluster(config: Config, params: KafkaBenchParams): KafkaTarget {
  const name = params.cluster ?? DEFAULT_KAFKA_CLUSTER;
  const clusters = kafkaClusters(config);
  const brokers = clusters.get(name);
  if (brokers === undefined) {
    const names = [...clusters.keys()].map((n) => `\`${n}\``).join(', ');
    throw new UserError(`No Kafka cluster \`${name}\` is configured here (${names}): nothing was run.`);
  }
  return { name, brokers };
}

/**
 * `/carbon bench kafka`: produce into a topic of its own, report like ProducerPerformance, store the
 * run, compare it, chart it. One benchmark per Kafka cluster at a time. Run at most once, since a second
 * run would measure something else: one attempt (a failure is not retried), and a job taken over after
 * its worker died (stalled) is failed instead of run again (`stallsAllowed: 0`), after
 * deleting the topic the dead run left behind.
 */
export const benchKafka: JobDefinition<'bench-kafka'> = {
  attempts: 1,
  stallsAllowed: 0,
  async onStalled({ jobId, data, deps, log }) {
    const { brokers } = targetCluster(deps.config, data.command.params);
    const topic = benchTopic(jobId);
    const admin = new Kafka({
      clientId: 'carbon-ops-bench-cleanup',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    }).admin();
    try {
      await admin.connect();
      if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
      log.info({ topic }, 'interrupted benchmark: its topic is deleted');
    } catch (error) {
      log.warn({ err: error, topic }, 'interrupted benchmark: its topic could not be deleted');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
  async run(ctx) {
    const cluster = targetCluster(ctx.deps.config, ctx.data.command.params);
    // Locked by brokers, not name: two names for one cluster still run one benchmark at a time.
    const lock = [...cluster.brokers].sort().join(',');
    const held = await ctx.deps.store.benchmarks.exclusive(lock, () => measure(ctx, cluster));
    if (held === undefined)
      throw new UserError(
        `A Kafka benchmark is already running on cluster \`${cluster.name}\`; one at a time. ` +
          'Try again when it has finished.',
      );
    return held.value;
  },
};

async function measure(ctx: JobContext<DataOf<'bench-kafka'>>, cluster: KafkaTarget) {
  const { jobId, data, deps, progress, log } = ctx;
  const { params } = data.command;
  const brokers = [...cluster.brokers];
  await progress(`connecting to Kafka cluster \`${cluster.name}\`…`);
  const startedAt = new Date();
  let result: BenchResult;
  try {
    result = await runProducerBenchmark({
      brokers,
      topic: benchTopic(jobId),
      records: params.records,
      recordSize: params.recordSize,
      throughput: params.throughput,
      acks: params.acks,
      partitions: params.partitions,
      onWindow: (window) => void progress(formatWindow(window)),
      log: (level, message, fields) => log[level]({ kafka: fields }, message),
      ...(deps.metrics !== undefined ? { metrics: deps.metrics } : {}),
    });
  } catch (error) {
    if (error instanceof KafkaBenchError || error instanceof BenchParamsError)
      throw new UserError(`The Kafka benchmark on cluster \`${cluster.name}\` failed: ${error.message}`);
    throw error;
  }
  await progress('storing and comparing the result…');
  const earlier = await deps.store.benchmarks.sameParams(params, brokers, 20);
  const runId = await deps.store.benchmarks.insert({
    startedAt,
    finishedAt: new Date(),
    cluster: deps.cluster.name,
    kafkaCluster: cluster.name,
    brokers,
    params,
    result,
    jobId,
    requestedBy: data.requester.user,
  });
  const comparisons = comparisonsFor(result, params.throughput, earlier, deps.config);
  await uploadCharts(ctx, result, earlier, runId, log);
  return renderBenchResult({ params, cluster, result, comparisons, runId, jobId });
}

/** `throttle`: the run's --throughput (-1: unthrottled). Earlier runs have the same parameters, so the same kind. */
function comparisonsFor(result: BenchResult, throttle: number, earlier: StoredRun[], config: Config): Comparison[] {
  const threshold = config.BENCH_REGRESSION_PCT;
  const baseline = {
    recordsPerSec: config.KAFKA_BASELINE_RECORDS_PER_SEC,
    mbPerSec: config.KAFKA_BASELINE_MB_PER_SEC,
    avgLatencyMs: config.KAFKA_BASELINE_AVG_MS,
    p95: config.KAFKA_BASELINE_P95_MS,
  };
  // The baseline's throughput is an unthrottled run's; its latency a throttled run's, judged only against those.
  const kinds = { run: throttle, latency: config.KAFKA_BASELINE_LATENCY_RATE ?? config.KAFKA_BASELINE_RECORDS_PER_SEC };
  const comparisons = [compare(result, baseline, threshold, 'baseline (Phase 4 report)', kinds)];
  const reference = medianFigures(earlier.slice(0, REFERENCE_RUNS));
  if (reference) {
    const n = Math.min(earlier.length, REFERENCE_RUNS);
    comparisons.push(
      compare(result, reference, threshold, n === 1 ? 'the previous run' : `median of the last ${n} runs`),
    );
  }
  return comparisons;
}

/** The charts are a bonus: a failed upload is logged and the report still goes out. */
async function uploadCharts(
  ctx: JobContext<DataOf<'bench-kafka'>>,
  result: BenchResult,
  earlier: StoredRun[],
  runId: string,
  log: Logger,
): Promise<void> {
  const { reply } = ctx.data;
  try {
    const latency = await renderPng(
      latencyDistributionChart(
        result.histogram.map((b) => ({ upperMs: b.toMs, count: b.count })),
        `Kafka producer latency, run #${runId}`,
        { p50: result.p50, p95: result.p95, p99: result.p99 },
      ),
    );
    const points = [...earlier]
      .reverse()
      .map((r) => ({ at: r.startedAt, recordsPerSec: r.recordsPerSec, label: `#${r.id}` }));
    points.push({ at: new Date(), recordsPerSec: result.recordsPerSec, label: `#${runId}` });
    const history = await renderPng(throughputHistoryChart(points, ctx.deps.config.KAFKA_BASELINE_RECORDS_PER_SEC));
    await ctx.deps.chat.upload(
      reply.channel,
      { filename: `kafka-latency-${runId}.png`, title: `Latency distribution, run #${runId}`, bytes: latency },
      reply.ts,
    );
    await ctx.deps.chat.upload(
      reply.channel,
      {
        filename: `kafka-throughput-${runId}.png`,
        title: 'Throughput history (same parameters) and the baseline',
        bytes: history,
      },
      reply.ts,
    );
  } catch (error) {
    log.warn({ err: error }, 'benchmark charts not uploaded');
  }
}
