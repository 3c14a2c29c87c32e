/**
 * Kafka producer benchmark with kafkajs, measured like ProducerPerformance (see stats.ts).
 * It creates its own topic, produces, counts what landed and deletes the topic, even on failure.
 *
 * kafkajs has no linger.ms: the throughput comes from produce requests of about 128 KiB
 * (`batchRecords`), several of them awaiting acknowledgement at once (`maxInFlight`). A record's
 * latency runs from the moment its request is handed to kafkajs to the acknowledgement.
 * Each request goes to one partition, the next request to the next one (like Java's sticky partitioner).
 *
 * Nothing waits unbounded: set-up (connect, create the topic) has 15 s, a run fails once nothing has been
 * acknowledged for `requestTimeoutMs`, and each clean-up step has 5 s.
 */
import { randomBytes } from 'node:crypto';
import {
  CompressionTypes,
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type LogEntry,
  type Message,
  type Producer,
  type logCreator,
} from 'kafkajs';
import { Stats, type TotalStats } from './stats.js';
import { ThroughputThrottler } from './throttler.js';
import { PayloadSource } from './payload.js';
import {
  BenchParamsError,
  validateOptions,
  type BenchLog,
  type BenchLogLevel,
  type ProducerBenchmarkOptions,
} from './options.js';

export interface BenchResult extends TotalStats {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** Records found in the topic before it was deleted: equals `records` unless something was lost or duplicated. */
  recordsInTopic: number;
  /** False when the topic could not be deleted (the reason went to `log`). */
  topicDeleted: boolean;
}

/** The benchmark could not run against the cluster, or the cluster failed during the run. */
export class KafkaBenchError extends Error {
  override name = 'KafkaBenchError';
}

const SETUP_TIMEOUT_MS = 15_000;
const CLEANUP_TIMEOUT_MS = 5_000;
const WATCHDOG_PERIOD_MS = 250;
const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
// kafkajs retries a timed-out produce request, which may duplicate records: keep timeouts for real trouble.
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
// Tuned with bench/kafka-vs-java.ts (docs/benchmarks.md): on the local broker throughput is flat from
// 0.5 to 4 MiB awaiting acknowledgement while latency grows with it; 1 MiB leaves room for a real network.
const REQUEST_BYTES = 128 * 1024;
const MAX_DEFAULT_BATCH_RECORDS = 1_000;
const DEFAULT_IN_FLIGHT = 8;

/** Whole milliseconds on a monotonic clock, as ProducerPerformance measures latency. */
const nowMs = (): number => Math.floor(performance.now());

export async function runProducerBenchmark(opts: ProducerBenchmarkOptions): Promise<BenchResult> {
  validateOptions(opts);
  opts.signal?.throwIfAborted();
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const kafka = new Kafka({
    clientId: 'carbon-bench',
    brokers: opts.brokers,
    connectionTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeout: requestTimeoutMs,
    // Few, short retries: a dead broker must fail the run within seconds, not minutes.
    retry: { retries: 2, initialRetryTime: 250, maxRetryTime: 2_000 },
    logLevel: opts.log ? logLevel.WARN : logLevel.NOTHING,
    logCreator: toLogCreator(opts.log),
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const topic = opts.topic ?? `carbon-bench-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const where = opts.brokers.join(',');
  let topicMayExist = false;
  let created = false;

  const setup = async (): Promise<number> => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const replicationFactor = Math.min(3, cluster.brokers.length);
    topicMayExist = true;
    created = await admin.createTopics({
      topics: [{ topic, numPartitions: opts.partitions, replicationFactor }],
      waitForLeaders: true,
      timeout: requestTimeoutMs,
    });
    if (!created)
      throw new BenchParamsError(`topic ${topic} already exists; the benchmark only writes to a topic it creates`);
    await producer.connect();
    return replicationFactor;
  };

  try {
    let replicationFactor: number;
    try {
      replicationFactor = await bounded(
        setup(),
        SETUP_TIMEOUT_MS,
        `no answer within ${SETUP_TIMEOUT_MS / 1000} s`,
        opts.signal,
      );
    } catch (e) {
      if (e instanceof BenchParamsError || opts.signal?.aborted) throw e;
      throw new KafkaBenchError(`cannot set up the benchmark on Kafka at ${where}: ${messageOf(e)}`, { cause: e });
    }
    const stats = await produce(producer, topic, opts, requestTimeoutMs);
    const recordsInTopic = await bounded(
      countRecords(admin, topic),
      requestTimeoutMs,
      'counting the records timed out',
      opts.signal,
    );
    const topicDeleted = await cleanup();
    return { ...stats, topic, partitions: opts.partitions, replicationFactor, recordsInTopic, topicDeleted };
  } catch (e) {
    await cleanup();
    throw e;
  }

  // Never throws: a failure here must not hide the run's own result or error.
  async function cleanup(): Promise<boolean> {
    const attempt = async (what: string, p: () => Promise<unknown>): Promise<boolean> => {
      try {
        await bounded(p(), CLEANUP_TIMEOUT_MS, 'timed out');
        return true;
      } catch (e) {
        opts.log?.('warn', `kafka bench: ${what} failed: ${messageOf(e)}`, { topic, brokers: where });
        return false;
      }
    };
    await attempt('disconnecting the producer', () => producer.disconnect());
    // A generated name is ours alone, so it is deleted even if creation seemed to fail (e.g. timed out).
    const mustDelete = topicMayExist && (created || opts.topic === undefined);
    const deleted =
      !mustDelete ||
      (await attempt(`deleting topic ${topic}`, () =>
        admin.deleteTopics({ topics: [topic], timeout: CLEANUP_TIMEOUT_MS }),
      ));
    await attempt('disconnecting the admin client', () => admin.disconnect());
    return deleted;
  }
}

async function produce(
  producer: Producer,
  topic: string,
  o: ProducerBenchmarkOptions,
  requestTimeoutMs: number,
): Promise<TotalStats> {
  const batchRecords =
    o.batchRecords ?? Math.max(1, Math.min(MAX_DEFAULT_BATCH_RECORDS, Math.floor(REQUEST_BYTES / o.recordSize)));
  const maxInFlight = o.maxInFlight ?? DEFAULT_IN_FLIGHT;
  const payloads = new PayloadSource(o.recordSize);
  const startMs = nowMs();
  const stats = new Stats(o.records, startMs);
  const throttler = new ThroughputThrottler(o.throughput, startMs);
  let sent = 0;
  let inFlight = 0;
  let partition = 0;
  let lastProgressMs = startMs;
  let failure: Error | undefined;
  let wake = (): void => {};

  const fail = (e: Error): void => {
    failure ??= e;
    wake();
  };
  // Resolves on an acknowledgement, a failure, or after `ms`.
  const pause = (ms?: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const onAbort = (): void => fail(abortError(o.signal));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // kafkajs retries on its own; this bounds the whole wait whatever it does.
  const watchdog = setInterval(() => {
    if (inFlight > 0 && nowMs() - lastProgressMs > requestTimeoutMs) {
      fail(
        new KafkaBenchError(
          `Kafka acknowledged nothing for ${requestTimeoutMs} ms after ${stats.count} of ${o.records} records`,
        ),
      );
    }
  }, WATCHDOG_PERIOD_MS);

  try {
    let sleepUntilMs = 0;
    while (!failure && (sent < o.records || inFlight > 0)) {
      const waitMs = sleepUntilMs - nowMs();
      if (sent >= o.records || inFlight >= maxInFlight || waitMs > 0) {
        await pause(sent < o.records && waitMs > 0 ? waitMs : undefined);
        continue;
      }
      const sendStartMs = nowMs();
      if (inFlight === 0) lastProgressMs = sendStartMs; // a throttled pause is not a stall
      const messages: Message[] = [];
      while (messages.length < batchRecords && sent < o.records) {
        messages.push({ value: payloads.next(), partition });
        // Like Java, after handing over record i ask whether i records so far is too fast.
        const sleepMs = throttler.shouldThrottle(sent++, sendStartMs) ? throttler.throttle() : 0;
        if (sleepMs > 0) {
          sleepUntilMs = sendStartMs + sleepMs;
          break;
        }
      }
      partition = (partition + 1) % o.partitions;
      inFlight++;
      producer
        .send({ topic, messages, acks: o.acks, timeout: requestTimeoutMs, compression: CompressionTypes.None })
        .then(
          () => {
            inFlight--;
            const ackMs = nowMs();
            lastProgressMs = ackMs;
            const latencyMs = ackMs - sendStartMs;
            try {
              for (let i = 0; i < messages.length; i++) {
                const window = stats.record(latencyMs, o.recordSize, ackMs);
                if (window) o.onWindow?.(window);
              }
            } catch (e) {
              fail(e instanceof Error ? e : new Error(String(e)));
            }
            wake();
          },
          (e: unknown) => {
            inFlight--;
            fail(
              new KafkaBenchError(
                `Kafka refused or lost a produce request after ${stats.count} of ${o.records} records: ${messageOf(e)}`,
                { cause: e },
              ),
            );
          },
        );
    }
  } finally {
    clearInterval(watchdog);
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure;
  return stats.total(nowMs());
}

async function countRecords(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Rejects after `ms`, or when `signal` aborts; the promise itself cannot be cancelled and is left to settle. */
function bounded<T>(p: Promise<T>, ms: number, message: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    const timer = setTimeout(() => reject(new Error(message)), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    p.then(
      (v) => (settle(), resolve(v)),
      (e: unknown) => (settle(), reject(e)),
    );
  });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('Kafka benchmark aborted', { cause: reason });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const LEVELS: Record<number, BenchLogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function toLogCreator(log: BenchLog | undefined): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...fields } = entry;
      log?.(LEVELS[level] ?? 'debug', `kafkajs ${namespace}: ${message}`, fields);
    };
}
