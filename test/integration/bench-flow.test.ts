import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { freshDatabase } from '../support/postgres.js';
import { kafkaBrokers } from '../support/kafka.js';

/** `carbon run "bench kafka …"` end to end: the CLI, a real broker, a real PostgreSQL. */
const exec = promisify(execFile);

let db: Awaited<ReturnType<typeof freshDatabase>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  db = await freshDatabase();
  const { KUBECONFIG: _k, ...rest } = process.env;
  env = { ...rest, DATABASE_URL: db.url, LOG_LEVEL: 'warn', KAFKA_BROKERS: kafkaBrokers().join(',') };
});

afterAll(async () => {
  await db?.drop();
});

async function carbon(text: string, extraEnv: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const started = Date.now();
  try {
    const { stdout, stderr } = await exec('node', ['bin/carbon.js', 'run', ...args, text], { env: { ...env, ...extraEnv }, timeout: 120_000, maxBuffer: 10 * 1024 * 1024 });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started };
  }
}

const FINAL_LINE = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\./;

describe('bench kafka', () => {
  it("prints ProducerPerformance's statistics, consistent with each other, and stores the run", async () => {
    const { code, stdout } = await carbon('bench kafka --records 20000 --record-size 1024 --partitions 2');
    expect(code).toBe(0);
    const m = FINAL_LINE.exec(stdout);
    expect(m).not.toBeNull();
    const [records, perSec, mbPerSec] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(records).toBe(20000);
    // MB = 2^20 bytes: MB/sec × 2^20 ÷ records/sec is the record size, within the rounding of two decimals.
    expect(Math.abs((mbPerSec * 2 ** 20) / perSec - 1024) / 1024).toBeLessThan(0.005);
    expect(stdout).toContain('20,000 records found in the topic, as sent');
    expect(stdout).toMatch(/topic carbon-bench-\S+ deleted/);
    expect(stdout).toContain('baseline (Phase 4 report)');
    expect(stdout).toContain('[file: kafka-latency-');

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT records, records_per_sec, params FROM benchmark_runs');
    await client.end();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ records: '20000', params: { records: 20000, recordSize: 1024, partitions: 2, acks: -1, throughput: -1 } });
    expect(Number(rows[0].records_per_sec)).toBeCloseTo(perSec, 0);
  });

  it('compares with earlier runs of the same parameters and flags a regression beyond the threshold', async () => {
    // A baseline far above anything this machine does: the run must be flagged against it.
    const flagged = await carbon('bench kafka --records 20000 --record-size 1024 --partitions 2', { KAFKA_BASELINE_RECORDS_PER_SEC: '50000000' });
    expect(flagged.code).toBe(0);
    expect(flagged.stdout).toContain('the previous run');
    expect(flagged.stdout).toMatch(/Regression[\s\S]*regression: throughput \d+ % below/);
    // A baseline far below: nothing to flag against it.
    const fine = await carbon('bench kafka --records 20000 --record-size 1024 --partitions 2', { KAFKA_BASELINE_RECORDS_PER_SEC: '1', KAFKA_BASELINE_P95_MS: '100000', BENCH_REGRESSION_PCT: '90' });
    expect(fine.stdout).toContain('median of the last 2 runs');
    expect(fine.stdout).toContain('No regression');

    const history = await carbon('bench history kafka');
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('Kafka benchmark history');
    expect(history.stdout.match(/20000×1024B acks=all max p=2/g)).toHaveLength(3);
  });

  it('runs one benchmark per Kafka cluster at a time', async () => {
    const [a, b] = await Promise.all([
      carbon('bench kafka --records 12000 --throughput 3000'),
      new Promise((r) => setTimeout(r, 2500)).then(() => carbon('bench kafka --records 1000')),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(1);
    expect(b.stdout).toContain('A Kafka benchmark is already running against');
  });

  it('refuses parameters beyond the bounds before touching Kafka', async () => {
    const tooMany = await carbon('bench kafka --records 50000000');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stdout).toContain('--records takes a whole number from 1 to 5,000,000');
    const badAcks = await carbon('bench kafka --acks most');
    expect(badAcks.code).toBe(2);
    expect(badAcks.stdout).toContain('--acks takes all, 1 or 0');
  });

  it('fails clearly and within a bounded time when no broker answers', async () => {
    const dead = await carbon('bench kafka --records 1000 --brokers 127.0.0.1:1');
    expect(dead.code).toBe(1);
    expect(dead.stdout).toMatch(/❌ The Kafka benchmark failed: .*127\.0\.0\.1:1/);
    expect(dead.ms).toBeLessThan(30_000);
  });
});
