import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, connect, type Server } from 'node:net';
import { Queue } from 'bullmq';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { redisConnection } from '../../src/integrations/redis.js';
import { benchTopic } from '../../src/features/bench/bench-kafka.js';
import { CarbonProcess, runCarbon } from '../support/carbon-process.js';
import { freshDatabase } from '../support/postgres.js';
import { kafkaBrokers } from '../support/kafka.js';
import { until } from '../support/until.js';

/**
 * `carbon run "bench kafka …"` end to end: the CLI, a real broker, a real PostgreSQL. Each test waits for
 * what it needs (a process's output, a lock in pg_locks) for up to minutes: a loaded machine is slow, not wrong.
 */
let db: Awaited<ReturnType<typeof freshDatabase>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  db = await freshDatabase();
  // The test's Kafka is the `default` cluster and also the one named `local`; `dead` is a port nothing listens on.
  // No KUBECONFIG (undefined: left out of the child's environment): the CLI starts the demo cluster itself.
  env = {
    ...process.env,
    KUBECONFIG: undefined,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_CLUSTERS: `local=${kafkaBrokers().join(',')};dead=127.0.0.1:1`,
  };
});

afterAll(async () => {
  await db?.drop();
});

const carbon = (text: string, extraEnv: NodeJS.ProcessEnv = {}, args: string[] = []) =>
  runCarbon(['run', ...args, text], { ...env, ...extraEnv });

/** Sessions holding the benchmark lock of the test's Kafka cluster (src/features/bench/store.ts: `bench:<sorted brokers>`) in this database. */
async function benchLockHolders(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint`,
    [`bench:${[...kafkaBrokers()].sort().join(',')}`],
  );
  return Number(rows[0]!.n);
}

/** What a `carbon run` killed mid-benchmark leaves behind: its topic on the broker and its private queue in Redis. */
async function deleteLeftovers(process: CarbonProcess, jobId: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-flow-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topic = benchTopic(jobId);
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
  const queueName = /private queue (\S+?)\)/.exec(process.stderr)?.[1];
  if (queueName === undefined) return;
  const connection = redisConnection(loadConfig({}).REDIS_URL, 'producer');
  const queue = new Queue(queueName, { connection });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const FINAL_LINE =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\./;

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
    const { rows } = await client.query('SELECT records, records_per_sec, params, kafka_cluster FROM benchmark_runs');
    await client.end();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kafka_cluster: 'default',
      records: '20000',
      params: { records: 20000, recordSize: 1024, partitions: 2, acks: -1, throughput: -1 },
    });
    expect(Number(rows[0].records_per_sec)).toBeCloseTo(perSec, 0);
  });

  it('compares with earlier runs of the same parameters and flags a regression beyond the threshold', async () => {
    // A baseline far above anything this machine does: the run must be flagged against it.
    const flagged = await carbon('bench kafka --records 20000 --record-size 1024 --partitions 2', {
      KAFKA_BASELINE_RECORDS_PER_SEC: '50000000',
    });
    expect(flagged.code).toBe(0);
    expect(flagged.stdout).toContain('the previous run');
    expect(flagged.stdout).toMatch(/Regression[\s\S]*regression: throughput \d+ % below/);
    // A baseline far below: nothing to flag against it. The earlier runs are the other reference, and two runs
    // on a loaded machine differ by more than any threshold allowed (90 % at most; a p95 2.3 times the
    // previous runs' has been seen): the stored runs are made slow, so 'within the threshold' is certain.
    const client = new pg.Client({ connectionString: db.migrationUrl }); // the bot's role may not rewrite runs
    await client.connect();
    try {
      expect(
        (
          await client.query(
            'UPDATE benchmark_runs SET records_per_sec = 1, mb_per_sec = 0.001, avg_latency_ms = 1000000, p95_ms = 1000000',
          )
        ).rowCount,
      ).toBe(2);
    } finally {
      await client.end();
    }
    const fine = await carbon('bench kafka --records 20000 --record-size 1024 --partitions 2', {
      KAFKA_BASELINE_RECORDS_PER_SEC: '1',
      KAFKA_BASELINE_P95_MS: '100000',
      BENCH_REGRESSION_PCT: '90',
    });
    expect(fine.stdout).toContain('median of the last 2 runs');
    expect(fine.stdout).toContain('No regression');

    const history = await carbon('bench history kafka');
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('Kafka benchmark history');
    expect(history.stdout.match(/20000×1024B acks=all max p=2/g)).toHaveLength(3);
  });

  it('runs one benchmark per Kafka cluster at a time', async () => {
    // The first run is throttled to last far longer than the test (1,000,000 records at 1,000/s): it cannot
    // finish on its own before the second is refused; the test ends it once it has seen what it came for.
    const first = new CarbonProcess(['run', 'bench kafka --records 1000000 --throughput 1000'], env);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // The per-cluster lock is a session advisory lock in this test's database: wait until pg_locks shows it held.
      const jobId = (await first.waitFor(/\(job (bench-\S+)\)/, 120_000))[1]!;
      await until(
        'the first benchmark to hold the cluster lock',
        async () => ((await benchLockHolders(client)) > 0 ? true : undefined),
        120_000,
      );

      // `local` is the same brokers under another name: still one benchmark at a time.
      const second = await carbon('bench kafka --records 1000 --cluster local');
      expect(second.code).toBe(1);
      expect(second.stdout).toContain('A Kafka benchmark is already running on cluster `local`');
      // ...while the first was still running, still holding the lock and still producing.
      expect(first.child.exitCode).toBeNull();
      expect(await benchLockHolders(client)).toBe(1);
      await first.waitFor(/\d+ records sent, [\d.]+ records\/sec/, 120_000);

      // Ended by the test: the lock goes with the process (a session lock), and the topic it left is deleted.
      await first.stop('SIGTERM');
      await until(
        'the lock to be released',
        async () => ((await benchLockHolders(client)) === 0 ? true : undefined),
        60_000,
      );
      await deleteLeftovers(first, jobId);
    } finally {
      await first.stop('SIGKILL');
      await client.end();
    }
  });

  it('refuses parameters beyond the bounds before touching Kafka', async () => {
    const tooMany = await carbon('bench kafka --records 50000000');
    expect(tooMany.code).toBe(2);
    expect(tooMany.stdout).toContain('--records takes a whole number from 1 to 5,000,000');
    const badAcks = await carbon('bench kafka --acks most');
    expect(badAcks.code).toBe(2);
    expect(badAcks.stdout).toContain('--acks takes all, 1 or 0');
  });

  it('fails clearly when no broker of a configured cluster answers, without saying more about its port', async () => {
    const dead = new CarbonProcess(['run', 'bench kafka --records 1000 --cluster dead'], env);
    try {
      await dead.waitFor(/Queued: .*\(job bench-/, 120_000);
      await dead.waitFor(
        /❌ The Kafka benchmark on cluster `dead` failed: cannot set up the benchmark: its brokers could not be reached or did not answer as Kafka/,
        120_000,
      );
      expect((await dead.exited).code).toBe(1);
      expect(dead.stdout).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|refused/i);
    } finally {
      await dead.stop('SIGKILL');
    }
  });

  it('runs against a configured cluster named with --cluster, and records the name', async () => {
    const { code, stdout } = await carbon('bench kafka --records 2000 --partitions 1 --cluster local');
    expect(code).toBe(0);
    expect(FINAL_LINE.exec(stdout)?.[1]).toBe('2000');
    expect(stdout).toContain(`Kafka cluster local (${kafkaBrokers().join(',')})`);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT kafka_cluster, brokers FROM benchmark_runs WHERE (params->>'records')::int = 2000`,
      );
      expect(rows).toEqual([{ kafka_cluster: 'local', brokers: kafkaBrokers() }]);
    } finally {
      await client.end();
    }
    const history = await carbon('bench history kafka');
    expect(history.stdout).toMatch(/local +2000×1024B acks=all max p=1/);
  });
});

describe('bench kafka never connects to an address it was given', () => {
  /** A plain TCP listener on loopback that is no configured cluster: it counts the connections it accepts. */
  let listener: Server;
  let port: number;
  const accepted: string[] = [];

  beforeAll(async () => {
    listener = createServer((socket) => {
      accepted.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
  });

  /**
   * The connections the listener accepted but one of the test's own, counted once that one is accepted: the kernel
   * hands connections over in order, so any a worker had made is counted by then (an event, not a pause).
   */
  async function othersAccepted(): Promise<string[]> {
    const probe = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => probe.once('connect', resolve).once('error', reject));
    const self = `127.0.0.1:${probe.localPort}`;
    await until('the probe connection to be accepted', () => (accepted.includes(self) ? true : undefined));
    probe.destroy();
    return accepted.filter((address) => address !== self);
  }

  it('refuses --brokers, an unknown cluster and an address as a usage error, before any connection', async () => {
    const cases = [
      [`bench kafka --records 10 --brokers 127.0.0.1:${port}`, /Unknown option `--brokers`\. Kafka targets are named/],
      [`bench kafka --records 10 --brokers=127.0.0.1:${port}`, /Unknown option `--brokers`\./],
      ['bench kafka --records 10 --cluster nosuch', /No Kafka cluster `nosuch` is configured\./],
      [`bench kafka --records 10 --cluster 127.0.0.1:${port}`, /No Kafka cluster `127\.0\.0\.1:\d+` is configured\./],
    ] as const;
    for (const [text, message] of cases) {
      const { code, stdout } = await carbon(text);
      expect({ text, code }).toEqual({ text, code: 2 });
      expect(stdout).toMatch(message);
      expect(stdout).toContain('use `--cluster NAME` with a configured cluster');
      expect(stdout).toMatch(/`default`, `local`, `dead`/);
    }
    expect(await othersAccepted()).toEqual([]);
    // The refusals of a configured-cluster check are in the audit trail: someone tried another target.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT outcome, command FROM audit_log WHERE action = 'bench' AND outcome = 'refused' ORDER BY id`,
      );
      expect(rows.map((r: { command: string }) => r.command)).toEqual([
        'bench kafka --records 10 --record-size 1024 --throughput -1 --acks all --partitions 3 --cluster nosuch',
        `bench kafka --records 10 --record-size 1024 --throughput -1 --acks all --partitions 3 --cluster 127.0.0.1:${port}`,
      ]);
    } finally {
      await client.end();
    }
  });
});
