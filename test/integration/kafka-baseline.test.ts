import type { KafkaBenchParams } from '../../src/contracts/commands.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import type { BenchResult } from '../../src/integrations/kafka-bench/producer-benchmark.js';
import { createPool } from '../../src/integrations/postgres.js';
import { evaluateCheck, type CheckDeps } from '../../src/features/phases/checks.js';
import { readiness } from '../../src/features/status/readiness.js';
import { notMeasured } from '../../src/features/status/sections.js';
import { Store } from '../../src/app/store.js';
import { freshDatabase } from '../support/postgres.js';

/**
 * The Kafka baseline checks compare the latest run made like the baseline (1 KiB records, acks=all,
 * unthrottled) against the configured brokers, not whatever ran last.
 */
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
const config = loadConfig({ KAFKA_BROKERS: 'kafka-1:9092,kafka-0:9092' });
const ids: Record<string, string> = {};

const result = (recordsPerSec: number) =>
  ({
    records: 1000,
    recordsPerSec,
    mbPerSec: recordsPerSec / 1024,
    avgLatencyMs: 2,
    maxLatencyMs: 9,
    p50: 2,
    p95: 3,
    p99: 4,
    p999: 5,
    histogram: [],
  }) as unknown as BenchResult;
const baseline: KafkaBenchParams = { records: 100_000, recordSize: 1024, throughput: -1, acks: -1, partitions: 3 };
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

async function run(
  name: string,
  at: Date,
  rps: number,
  params: Partial<KafkaBenchParams> = {},
  brokers = ['kafka-0:9092', 'kafka-1:9092'],
  cluster = 'demo',
) {
  ids[name] = await store.benchmarks.insert({
    startedAt: at,
    finishedAt: at,
    cluster,
    kafkaCluster: 'default',
    brokers,
    params: { ...baseline, ...params },
    result: result(rps),
    jobId: `bench-${name}`,
    requestedBy: 'U1',
  });
}

beforeAll(async () => {
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  await run('baseline', minutesAgo(60), 8000, { records: 3000, partitions: 1 }); // records and partitions do not matter
  await run('throttled', minutesAgo(40), 500, { throughput: 500 });
  await run('acks0', minutesAgo(30), 90_000, { acks: 0, recordSize: 100 });
  await run('otherKafka', minutesAgo(20), 100, {}, ['127.0.0.1:9092']);
  await run('otherCluster', minutesAgo(10), 200, {}, ['kafka-0:9092', 'kafka-1:9092'], 'staging');
});

afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('the Kafka baseline check', () => {
  it('uses the latest run with the baseline parameters against KAFKA_BROKERS, and names it', async () => {
    const deps = { config, store, cluster: { name: 'demo', simulated: true } } as unknown as CheckDeps;
    const passing = await evaluateCheck({ kind: 'kafkaBaseline', minRecordsPerSec: 7153 }, deps);
    expect(passing.outcome).toBe('pass');
    expect(passing.detail).toMatch(
      new RegExp(
        `^run #${ids.baseline} at .* UTC \\(job bench-baseline\\), 1 KiB records, acks=all, unthrottled, against kafka-0:9092,kafka-1:9092: 8,000 records/sec`,
      ),
    );
  });

  it('in the readiness list, for one cluster', async () => {
    const latest = await store.benchmarks.latestBaseline(config.KAFKA_BROKERS, { cluster: 'demo' });
    expect(latest?.id).toBe(ids.baseline);
    expect((await store.benchmarks.latestBaseline(config.KAFKA_BROKERS, { cluster: 'staging' }))?.id).toBe(
      ids.otherCluster,
    );
    const none = notMeasured('n/a');
    const checks = readiness({
      tz: 'UTC',
      latestRun: latest!,
      baseline: { recordsPerSec: 7153, mbPerSec: 7, avgLatencyMs: 3, p95: 4 },
      certificates: none,
      vault: none,
      phases: none,
    } as never).checks;
    const kafka = checks.find((c) => c.name.startsWith('Kafka throughput'))!;
    expect(kafka).toMatchObject({ state: 'pass' });
    expect(kafka.detail).toMatch(
      new RegExp(
        `run #${ids.baseline}, .*job bench-baseline; 1 KiB records, acks=all, unthrottled, against kafka-0:9092,kafka-1:9092`,
      ),
    );
    expect(
      (await store.benchmarks.between(minutesAgo(120), new Date(), 200, 'demo')).map((r) => r.jobId),
    ).not.toContain('bench-otherCluster');
  });

  it('fails, saying so, when no run was made like the baseline', async () => {
    const other = loadConfig({ KAFKA_BROKERS: 'elsewhere:9092' });
    const failing = await evaluateCheck({ kind: 'kafkaBaseline', minRecordsPerSec: 7153 }, {
      config: other,
      store,
      cluster: { name: 'demo', simulated: true },
    } as unknown as CheckDeps);
    expect(failing.outcome).toBe('fail');
    expect(failing.detail).toMatch(
      /no Kafka benchmark with the baseline's parameters \(1 KiB records, acks=all, unthrottled\) against elsewhere:9092/,
    );
  });
});
