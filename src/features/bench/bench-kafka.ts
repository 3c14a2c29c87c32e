import type { DataOf } from '../../contracts/jobs.js';
import { Kafka, logLevel } from 'kafkajs';
import { compare, medianFigures, type Comparison } from './compare.js';
import type { Config } from '../../config.js';
import { UserError } from '../../errors.js';
import { BenchParamsError } from '../../integrations/kafka-bench/options.js';
import {
  KafkaBenchError,
  runProducerBenchmark,
  type BenchResult,
} from '../../integrations/kafka-bench/producer-benchmark.js';
import { formatWindow } from '../../integrations/kafka-bench/stats.js';
import type { Logger } from '../../log.js';
import { renderBenchResult } from './render.js';
import { latencyDistributionChart, renderPng, throughputHistoryChart } from '../../charts/index.js';
import type { StoredRun } from './store.js';
import type { JobContext, JobDefinition } from '../../jobs/job.js';

/** How many earlier runs with the same parameters make the reference (their median). */
const REFERENCE_RUNS = 5;

/** The benchmark's own topic, named after its job: a run its dead worker left half done can be found and deleted. */
export const benchTopic = (jobId: string): string => `carbon-bench-${jobId.replace(/[^A-Za-z0-9._-]/g, '_')}`;

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
    const brokers = data.command.params.brokers ?? [...deps.config.KAFKA_BROKERS];
    const topic = benchTopic(jobId);
    const admin = new Kafka({
      clientId: 'carbon-ops-bench-cleanup',
      brokers,
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
    const { params } = ctx.data.command;
    const brokers = params.brokers ?? [...ctx.deps.config.KAFKA_BROKERS];
    const held = await ctx.deps.store.benchmarks.exclusive([...brokers].sort().join(','), () => measure(ctx, brokers));
    if (held === undefined)
      throw new UserError(
        `A Kafka benchmark is already running against ${brokers.join(',')}; one at a time. ` +
          'Try again when it has finished.',
      );
    return held.value;
  },
};

async function measure(ctx: JobContext<DataOf<'bench-kafka'>>, brokers: string[]) {
  const { jobId, data, deps, progress, log } = ctx;
  const { params } = data.command;
  await progress(`connecting to Kafka at ${brokers.join(',')}…`);
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
    });
  } catch (error) {
    if (error instanceof KafkaBenchError || error instanceof BenchParamsError)
      throw new UserError(`The Kafka benchmark failed: ${error.message}`);
    throw error;
  }
  await progress('storing and comparing the result…');
  const earlier = await deps.store.benchmarks.sameParams(params, brokers, 20);
  const runId = await deps.store.benchmarks.insert({
    startedAt,
    finishedAt: new Date(),
    cluster: deps.cluster.name,
    brokers,
    params,
    result,
    jobId,
    requestedBy: data.requester.user,
  });
  const comparisons = comparisonsFor(result, earlier, deps.config);
  await uploadCharts(ctx, result, earlier, runId, log);
  return renderBenchResult({ params, brokers, result, comparisons, runId, jobId });
}

function comparisonsFor(result: BenchResult, earlier: StoredRun[], config: Config): Comparison[] {
  const threshold = config.BENCH_REGRESSION_PCT;
  const baseline = {
    recordsPerSec: config.KAFKA_BASELINE_RECORDS_PER_SEC,
    mbPerSec: config.KAFKA_BASELINE_MB_PER_SEC,
    avgLatencyMs: config.KAFKA_BASELINE_AVG_MS,
    p95: config.KAFKA_BASELINE_P95_MS,
  };
  const comparisons = [compare(result, baseline, threshold, 'baseline (Phase 4 report)')];
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
