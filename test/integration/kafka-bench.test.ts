import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaBenchError, runProducerBenchmark } from '../../src/integrations/kafka-bench/producer-benchmark.js';
import { BenchParamsError } from '../../src/integrations/kafka-bench/options.js';
import { PromMetrics } from '../../src/integrations/metrics.js';
import { formatTotal, formatWindow, type WindowStats } from '../../src/integrations/kafka-bench/stats.js';
import { createTopic, kafkaBrokers } from '../support/kafka.js';
import { PROCESS_WAIT_MS, REQUEST_TIMEOUT_MS } from '../support/until.js';

const run = promisify(execFile);
const KAFKA_SH = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
const brokers = kafkaBrokers();
const base = { brokers, recordSize: 1_024, acks: -1, partitions: 3 } as const;
const uniqueTopic = (label: string): string => `carbon-bench-test-${label}-${randomBytes(4).toString('hex')}`;

let admin: Admin;

beforeAll(async () => {
  admin = new Kafka({
    clientId: 'carbon-bench-test',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(
      `Kafka is not answering at ${brokers.join(',')} (start it: npm run kafka:start): ${(e as Error).message}`,
    );
  }
});

afterAll(async () => {
  await admin.disconnect();
});

describe('runProducerBenchmark against a real broker', () => {
  it('reports consistent ProducerPerformance statistics, and every reported record is in the topic', async () => {
    const metrics = new PromMetrics();
    const result = await runProducerBenchmark({ ...base, records: 30_000, throughput: -1, metrics });
    expect(result.records).toBe(30_000);
    // Every Kafka request is counted by API name (carbon_kafka_request_duration_seconds), produce requests included.
    const exposition = (await metrics.exposition()).body;
    for (const api of ['CreateTopics', 'Produce', 'DeleteTopics'])
      expect(exposition).toMatch(
        new RegExp(`^carbon_kafka_request_duration_seconds_count\\{operation="${api}",outcome="ok"\\} [1-9]`, 'm'),
      );
    expect(result.bytes).toBe(30_000 * 1_024);
    expect(result.recordsInTopic).toBe(result.records);
    // MB/sec × 2^20 ÷ records/sec is the record size.
    expect(Math.abs((result.mbPerSec * 2 ** 20) / result.recordsPerSec / 1_024 - 1)).toBeLessThan(0.005);
    expect(result.recordsPerSec).toBeCloseTo((1_000 * result.records) / result.durationMs, 6);
    expect(result.p50).toBeLessThanOrEqual(result.p95);
    expect(result.p95).toBeLessThanOrEqual(result.p99);
    expect(result.p99).toBeLessThanOrEqual(result.p999);
    expect(result.p999).toBeLessThanOrEqual(result.maxLatencyMs);
    expect(result.histogram.reduce((n, b) => n + b.count, 0)).toBe(30_000);
    expect(result.replicationFactor).toBe(Math.min(3, (await admin.describeCluster()).brokers.length));
    expect(formatTotal(result)).toMatch(
      /^30000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/,
    );
    expect(result.topicDeleted).toBe(true);
    expect(await admin.listTopics()).not.toContain(result.topic);
  });

  it('holds a throttled rate and reports 5-second windows', async () => {
    const windows: WindowStats[] = [];
    const result = await runProducerBenchmark({
      ...base,
      records: 13_000,
      throughput: 2_000,
      onWindow: (w) => windows.push(w),
    });
    // Never above the target; how close to it a loaded machine gets is no test's business (the throttler's
    // arithmetic is tested on a simulated clock in test/unit/kafka-stats.test.ts).
    expect(result.recordsPerSec).toBeLessThanOrEqual(2_050);
    expect(result.recordsInTopic).toBe(13_000);
    expect(windows.length).toBeGreaterThanOrEqual(1);
    for (const w of windows) {
      expect(w.elapsedMs).toBeGreaterThanOrEqual(5_000);
      expect(Math.abs((w.mbPerSec * 2 ** 20) / w.recordsPerSec / 1_024 - 1)).toBeLessThan(0.005);
      expect(formatWindow(w)).toMatch(
        /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/,
      );
    }
  });

  it("lingers like Java's linger.ms and leaves the warm-up out of the steady-state figures", async () => {
    const metrics = new PromMetrics();
    const result = await runProducerBenchmark({
      ...base,
      partitions: 1,
      records: 4_000,
      throughput: 1_000,
      batchBytes: 1_048_576,
      lingerMs: 50,
      // Like Java's throttler, ours lets through whatever is handed over within the first millisecond (a
      // request's worth per request in flight): the steady state starts after that burst.
      warmupRecords: 2_000,
      metrics,
    });
    expect(result.recordsInTopic).toBe(4_000);
    expect(result.steady?.records).toBe(2_000);
    expect(result.steady!.durationMs).toBeLessThan(result.durationMs);
    // The first record of a request waits out the linger before the request goes.
    expect(result.maxLatencyMs).toBeGreaterThanOrEqual(50);
    // Without linger a throttled request closes at every 2 ms pause (about 2,000 requests here); with 50 ms of
    // linger at 1,000/s requests hold about 50 records: about 80 of them.
    const produce = /^carbon_kafka_request_duration_seconds_count\{operation="Produce",outcome="ok"\} (\d+)/m.exec(
      (await metrics.exposition()).body,
    );
    expect(Number(produce?.[1])).toBeGreaterThan(0);
    expect(Number(produce?.[1])).toBeLessThan(400);
  });

  it('refuses bad parameters before touching the cluster', async () => {
    // Each run is given a topic name of its own, which must never appear: the broker's whole topic list is
    // no measure, since a second copy of the suite creates and deletes topics on it meanwhile.
    const topics = ['records', 'size', 'throughput', 'partitions'].map((label) => uniqueTopic(`refused-${label}`));
    await expect(runProducerBenchmark({ ...base, topic: topics[0], records: -5, throughput: -1 })).rejects.toThrow(
      BenchParamsError,
    );
    await expect(
      runProducerBenchmark({ ...base, topic: topics[1], records: 10, recordSize: 5_000_000, throughput: -1 }),
    ).rejects.toThrow(/recordSize/);
    await expect(runProducerBenchmark({ ...base, topic: topics[2], records: 10, throughput: 0 })).rejects.toThrow(
      /throughput/,
    );
    await expect(
      runProducerBenchmark({ ...base, topic: topics[3], records: 10, partitions: 0, throughput: -1 }),
    ).rejects.toThrow(/partitions/);
    const after = await admin.listTopics();
    for (const topic of topics) expect(after).not.toContain(topic);
  });

  it('never writes to, nor deletes, a topic it did not create', async () => {
    const topic = uniqueTopic('existing');
    await createTopic(admin, topic);
    try {
      await expect(runProducerBenchmark({ ...base, topic, records: 10, throughput: -1 })).rejects.toThrow(
        /already exists/,
      );
      expect(await admin.listTopics()).toContain(topic);
      const [offsets] = await admin.fetchTopicOffsets(topic);
      expect(offsets?.high).toBe('0');
    } finally {
      await admin.deleteTopics({ topics: [topic] });
    }
  });

  it('deletes its topic when the run fails (aborted mid-run)', async () => {
    const topic = uniqueTopic('abort');
    const controller = new AbortController();
    // Aborted mid-run: at its first reporting window (records sent and acknowledged), not after a fixed
    // time, which a loaded machine may spend still setting up. Of a million records at 5,000/s, the run
    // can only have ended this early because of the abort.
    let aborted = false;
    const abort = (): void => {
      if (aborted) return;
      aborted = true;
      controller.abort(new Error('stopped by the test'));
    };
    const running = runProducerBenchmark({
      ...base,
      topic,
      records: 1_000_000,
      throughput: 5_000,
      signal: controller.signal,
      onWindow: abort,
    });
    await expect(running).rejects.toThrow('stopped by the test');
    expect(aborted).toBe(true);
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('fails with one wording however a connection fails, so that it never tells an open port from a closed one', async () => {
    // Loopback listeners that are no Kafka: each ends a connection its own way. Port 1 is closed (refused).
    const behaviours: Record<string, (socket: Socket) => void> = {
      closes: (socket) => socket.destroy(),
      resets: (socket) => socket.resetAndDestroy(),
      'stays silent': () => undefined,
      'answers HTTP': (socket) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'),
      'answers a Kafka-sized frame of junk': (socket) =>
        socket.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, 0, 9, 9, 9, 9])),
    };
    const servers = await Promise.all(
      Object.values(behaviours).map(async (behaviour) => {
        const server = createServer(behaviour);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      }),
    );
    try {
      const targets = ['127.0.0.1:1', ...servers.map((s) => `127.0.0.1:${(s.address() as { port: number }).port}`)];
      const messages = await Promise.all(
        targets.map((target) =>
          runProducerBenchmark({
            ...base,
            brokers: [target],
            records: 10,
            throughput: -1,
            // The silent listener is found out by kafkajs's own request timeout: short, since no Kafka is there.
            connectTimeoutMs: 1_000,
            requestTimeoutMs: 2_000,
          }).then(
            () => 'ran',
            (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
          ),
        ),
      );
      expect(new Set(messages)).toEqual(
        new Set([
          'KafkaBenchError: cannot set up the benchmark: its brokers could not be reached or did not answer as ' +
            "Kafka (the worker's log has the details)",
        ]),
      );
    } finally {
      for (const server of servers) server.close();
    }
  });
});

describe('a broker stopped mid-run', () => {
  // A throwaway broker of its own (a name per test process, a port kafka.sh picks free), so stopping it
  // disturbs neither this checkout's broker nor another copy of the suite running beside it.
  const name = `killme-${process.pid}-${randomBytes(3).toString('hex')}`;
  const { KAFKA_PORT: _port, ...env } = process.env;
  const kafkaSh = (...args: string[]) =>
    run('bash', [KAFKA_SH, ...args, '--name', name], { env, timeout: PROCESS_WAIT_MS });
  let killmeBroker = '';

  beforeAll(async () => {
    const { stdout } = await kafkaSh('start');
    killmeBroker = stdout.trim().split('\n').at(-1)!;
    expect(killmeBroker).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  afterAll(async () => {
    await kafkaSh('stop');
    await rm(fileURLToPath(new URL(`../../.cache/kafka/run/${name}`, import.meta.url)), {
      recursive: true,
      force: true,
    });
    await rm(fileURLToPath(new URL(`../../.cache/kafka/run/${name}.lock`, import.meta.url)), { force: true });
  });

  it('fails the run cleanly', async () => {
    let windows = 0;
    let stopping: Promise<unknown> | undefined;
    const running = runProducerBenchmark({
      brokers: [killmeBroker],
      records: 2_000_000,
      recordSize: 1_024,
      throughput: 5_000,
      acks: -1,
      partitions: 1,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      onWindow: () => {
        if (++windows === 1) stopping = kafkaSh('stop');
      },
    });
    await expect(running).rejects.toThrow(KafkaBenchError);
    expect(windows).toBeGreaterThanOrEqual(1);
    await stopping;
    await expect(kafkaSh('status')).rejects.toMatchObject({ code: 3 });
  });
});
