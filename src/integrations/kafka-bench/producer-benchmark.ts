/**
 * Kafka producer benchmark, measured like ProducerPerformance (see stats.ts).
 * It creates its own topic, produces, counts what landed and deletes the topic, even on failure.
 *
 * Two clients: kafkajs's admin creates, checks and deletes the topic (as everywhere else in carbon-ops), and
 * @platformatic/kafka's producer produces: at 128 KiB requests it spends about 2.5 times less CPU per record
 * than kafkajs (a native CRC32C, one buffer per request instead of one per record and copies of it), which is
 * what the engine's throughput is bound by on this machine (docs/benchmarks.md, "Kafka").
 *
 * Neither client has batch.size or linger.ms as used here: the engine fills produce requests itself, as Java's producer fills
 * batches: up to `batchBytes` (128 KiB by default) in Kafka's record-batch format, a request that is not full
 * going after `lingerMs`, several awaiting acknowledgement at once (`maxInFlight`). A record's latency runs
 * from the moment it is handed over (put in a request) to its request's acknowledgement. Each request goes
 * to one partition, the next request to the next one (like Java's sticky partitioner). `warmupRecords` gives
 * ProducerPerformance's steady-state figures as well.
 *
 * Nothing waits unbounded: set-up (connect, create the topic) has 15 s, a run fails once nothing has been
 * acknowledged for `requestTimeoutMs`, and each clean-up step has 5 s.
 *
 * A failure's message says what a Kafka broker answered, or else one same sentence for every way a connection
 * fails (refused, reset, closed, timed out, not Kafka): it never tells an open port from a closed one. The
 * details go to `log`.
 */
import { randomBytes } from 'node:crypto';
import { Producer, type MessageToProduce } from '@platformatic/kafka';
import {
  Kafka,
  logLevel,
  type Admin,
  type LogEntry,
  type RequestEvent,
  type RequestTimeoutEvent,
  type logCreator,
} from 'kafkajs';
import type { Metrics } from '../../contracts/metrics.js';
import { Stats, type TotalStats } from './stats.js';
import { ThroughputThrottler } from './throttler.js';
import { PayloadSource } from './payload.js';
import { recordsPerBatch } from './request-size.js';
import {
  BenchParamsError,
  LIMITS,
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
  /** With `warmupRecords`: the figures without the warm-up, like ProducerPerformance's steady-state line. */
  steady?: TotalStats;
}

/** The benchmark could not run against the cluster, or the cluster failed during the run. */
export class KafkaBenchError extends Error {
  override name = 'KafkaBenchError';
}

const SETUP_TIMEOUT_MS = 15_000;
const CLEANUP_TIMEOUT_MS = 5_000;
const WATCHDOG_PERIOD_MS = 250;
const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
// A retried produce request may duplicate records: keep timeouts for real trouble.
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
  const session = new BenchSession(opts, requestTimeoutMs);
  try {
    const replicationFactor = await session.setUp();
    const { total: stats, steady } = await new ProduceRun(session.producer, session.topic, opts).run();
    const recordsInTopic = await bounded(
      countRecords(session.admin, session.topic),
      requestTimeoutMs,
      'counting the records timed out',
      opts.signal,
    );
    const topicDeleted = await session.cleanup();
    return {
      ...stats,
      topic: session.topic,
      partitions: opts.partitions,
      replicationFactor,
      recordsInTopic,
      topicDeleted,
      ...(steady && { steady }),
    };
  } catch (e) {
    await session.cleanup();
    throw e;
  }
}

/** The run's Kafka clients and its topic: set up within SETUP_TIMEOUT_MS, and cleaned up whatever happened. */
class BenchSession {
  readonly admin: Admin;
  readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly topic: string;
  private readonly where: string;
  private topicMayExist = false;
  private created = false;

  constructor(
    private readonly opts: ProducerBenchmarkOptions,
    private readonly requestTimeoutMs: number,
  ) {
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
    this.admin = kafka.admin();
    this.producer = new Producer({
      clientId: 'carbon-bench',
      bootstrapBrokers: opts.brokers,
      connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      timeout: requestTimeoutMs,
      retries: 2,
      retryDelay: 250,
      // The run keeps at most maxInFlight requests outstanding itself; the connection must not hold them back.
      maxInflights: opts.maxInFlight ?? DEFAULT_IN_FLIGHT,
      idempotent: false,
      autocreateTopics: false,
    });
    this.topic = opts.topic ?? `carbon-bench-${Date.now()}-${randomBytes(3).toString('hex')}`;
    this.where = opts.brokers.join(',');
    if (opts.metrics !== undefined) countAdminRequests(opts.metrics, this.admin);
  }

  /** Connects, creates the topic and connects the producer: the topic's replication factor. */
  async setUp(): Promise<number> {
    const { opts } = this;
    try {
      return await bounded(
        this.createTopic(),
        SETUP_TIMEOUT_MS,
        `no answer within ${SETUP_TIMEOUT_MS / 1000} s`,
        opts.signal,
      );
    } catch (e) {
      if (e instanceof BenchParamsError || opts.signal?.aborted) throw e;
      opts.log?.('warn', `kafka bench: set-up failed: ${messageOf(e)}`, { brokers: this.where });
      throw new KafkaBenchError(`cannot set up the benchmark: ${publicReason(e)}`, { cause: e });
    }
  }

  private async createTopic(): Promise<number> {
    const { admin, topic } = this;
    await admin.connect();
    const cluster = await admin.describeCluster();
    const replicationFactor = Math.min(3, cluster.brokers.length);
    this.topicMayExist = true;
    this.created = await admin.createTopics({
      topics: [{ topic, numPartitions: this.opts.partitions, replicationFactor }],
      // kafkajs's own wait for leaders retries only LEADER_NOT_AVAILABLE, but a KRaft broker may first
      // answer UNKNOWN_TOPIC_OR_PARTITION about a topic it has just created (more often when loaded).
      waitForLeaders: false,
      timeout: this.requestTimeoutMs,
    });
    if (!this.created)
      throw new BenchParamsError(`topic ${topic} already exists; the benchmark only writes to a topic it creates`);
    await waitForLeaders(admin, topic, this.opts.partitions, this.opts.signal);
    // Connects the producer and learns the leaders now, so that the run's clock never includes it.
    await this.producer.metadata({ topics: [topic] });
    return replicationFactor;
  }

  /**
   * Disconnects and deletes the topic: false when the topic could not be deleted. Never throws: a failure
   * here must not hide the run's own result or error.
   */
  async cleanup(): Promise<boolean> {
    const { admin, producer, topic } = this;
    await this.attempt('disconnecting the producer', () => producer.close());
    // A generated name is ours alone, so it is deleted even if creation seemed to fail (e.g. timed out).
    const mustDelete = this.topicMayExist && (this.created || this.opts.topic === undefined);
    const deleted =
      !mustDelete ||
      (await this.attempt(`deleting topic ${topic}`, () =>
        admin.deleteTopics({ topics: [topic], timeout: CLEANUP_TIMEOUT_MS }),
      ));
    await this.attempt('disconnecting the admin client', () => admin.disconnect());
    return deleted;
  }

  private async attempt(what: string, p: () => Promise<unknown>): Promise<boolean> {
    try {
      await bounded(p(), CLEANUP_TIMEOUT_MS, 'timed out');
      return true;
    } catch (e) {
      this.opts.log?.('warn', `kafka bench: ${what} failed: ${messageOf(e)}`, {
        topic: this.topic,
        brokers: this.where,
      });
      return false;
    }
  }
}

/** A produce request being filled: its records, when each was handed over, and the first one's number. */
interface OpenRequest {
  messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[];
  sentAtMs: number[];
  firstIndex: number;
}

/**
 * One run's produce loop: requests of `batchRecords` records handed to the producer, the next request to the next
 * partition, up to `maxInFlight` awaiting acknowledgement, paced by the throttler; a request that is not full
 * goes after `lingerMs`; the first failure ends it.
 */
class ProduceRun {
  private readonly batchRecords: number;
  private readonly maxInFlight: number;
  private readonly lingerMs: number;
  private readonly warmupRecords: number;
  private readonly payloads: PayloadSource;
  private readonly stats: Stats;
  /** Like Java's steady-state Stats: created when record number `warmupRecords` is handed over. */
  private steady: Stats | undefined;
  private readonly throttler: ThroughputThrottler;
  private open: OpenRequest | undefined;
  private sent = 0;
  private inFlight = 0;
  private partition = 0;
  private lastProgressMs: number;
  private failure: Error | undefined;
  private wake = (): void => {};

  private readonly requestTimeoutMs: number;

  constructor(
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly topic: string,
    private readonly o: ProducerBenchmarkOptions,
  ) {
    this.requestTimeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.batchRecords =
      o.batchRecords ??
      recordsPerBatch(
        o.batchBytes ?? REQUEST_BYTES,
        o.recordSize,
        o.batchBytes === undefined ? MAX_DEFAULT_BATCH_RECORDS : LIMITS.maxBatchRecords,
      );
    this.maxInFlight = o.maxInFlight ?? DEFAULT_IN_FLIGHT;
    this.lingerMs = o.lingerMs ?? 0;
    this.warmupRecords = o.warmupRecords ?? 0;
    this.payloads = new PayloadSource(o.recordSize);
    // Like ProducerPerformance, the clock starts just before the first record is handed over.
    const startMs = nowMs();
    this.stats = new Stats(o.records, startMs);
    this.throttler = new ThroughputThrottler(o.throughput, startMs);
    this.lastProgressMs = startMs;
  }

  async run(): Promise<{ total: TotalStats; steady?: TotalStats }> {
    const { o } = this;
    const onAbort = (): void => this.fail(abortError(o.signal));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // The producer retries on its own; this bounds the whole wait whatever it does.
    const watchdog = setInterval(() => this.checkStalled(), WATCHDOG_PERIOD_MS);
    try {
      await this.loop();
    } finally {
      clearInterval(watchdog);
      o.signal?.removeEventListener('abort', onAbort);
    }
    if (this.failure) throw this.failure;
    const endMs = nowMs();
    return { total: this.stats.total(endMs), ...(this.steady && { steady: this.steady.total(endMs) }) };
  }

  private async loop(): Promise<void> {
    const { o } = this;
    let sleepUntilMs = 0;
    while (!this.failure) {
      const now = nowMs();
      const open = this.open;
      const full = open !== undefined && open.messages.length >= this.batchRecords;
      if (open && this.inFlight < this.maxInFlight) {
        const lingered = now - open.sentAtMs[0]! >= this.lingerMs;
        if (full || lingered || this.sent >= o.records) {
          this.send(open);
          continue;
        }
      }
      if (this.sent < o.records && now >= sleepUntilMs && !full) {
        sleepUntilMs = this.fill(now) ?? sleepUntilMs;
        continue;
      }
      if (!open && this.sent >= o.records && this.inFlight === 0) return;
      // Wait for an acknowledgement, the end of the throttler's pause, or the end of the open request's linger.
      let untilMs = this.sent < o.records && sleepUntilMs > now ? sleepUntilMs : Number.POSITIVE_INFINITY;
      if (open && this.inFlight < this.maxInFlight) untilMs = Math.min(untilMs, open.sentAtMs[0]! + this.lingerMs);
      await this.pause(Number.isFinite(untilMs) ? Math.max(0, untilMs - now) : undefined);
    }
  }

  /** Adds records to the open request until it is full or the throttler asks for a pause: when that pause ends. */
  private fill(sendStartMs: number): number | undefined {
    const { o, throttler } = this;
    const open = (this.open ??= { messages: [], sentAtMs: [], firstIndex: this.sent });
    while (open.messages.length < this.batchRecords && this.sent < o.records) {
      if (this.warmupRecords > 0 && this.sent === this.warmupRecords)
        this.steady = new Stats(o.records - this.warmupRecords, sendStartMs);
      open.messages.push({ topic: this.topic, value: this.payloads.next(), partition: this.partition });
      open.sentAtMs.push(sendStartMs);
      // Like Java, after handing over record i ask whether i records so far is too fast.
      const sleepMs = throttler.shouldThrottle(this.sent++, sendStartMs) ? throttler.throttle() : 0;
      if (sleepMs > 0) return sendStartMs + sleepMs;
    }
    return undefined;
  }

  /**
   * Hands the open request to the producer without awaiting it: one produce request, counted in `metrics` as
   * Produce from hand-over to answer (the producer has no per-request events of its own).
   */
  private send(request: OpenRequest): void {
    const { o } = this;
    this.open = undefined;
    this.partition = (this.partition + 1) % o.partitions;
    const sentMs = nowMs();
    if (this.inFlight === 0) this.lastProgressMs = sentMs; // a throttled pause is not a stall
    this.inFlight++;
    const count = (outcome: 'ok' | 'error' | 'timeout'): void =>
      o.metrics?.request('kafka', 'Produce', outcome, (performance.now() - sentMs) / 1000);
    this.producer.send({ messages: request.messages, acks: o.acks, compression: 'none' }).then(
      () => {
        count('ok');
        this.acknowledged(request);
      },
      (e: unknown) => {
        count([...causes(e)].some((c) => c.code === 'PLT_KFK_TIMEOUT') ? 'timeout' : 'error');
        this.inFlight--;
        o.log?.('warn', `kafka bench: a produce request failed: ${messageOf(e)}`, { topic: this.topic });
        this.fail(
          new KafkaBenchError(
            `Kafka refused or lost a produce request after ${this.stats.count} of ${o.records} records: ` +
              publicReason(e),
            { cause: e },
          ),
        );
      },
    );
  }

  /** Each record's latency runs from its own hand-over, as Java's callback measures it. */
  private acknowledged(request: OpenRequest): void {
    this.inFlight--;
    const ackMs = nowMs();
    this.lastProgressMs = ackMs;
    const { recordSize } = this.o;
    try {
      for (let i = 0; i < request.sentAtMs.length; i++) {
        const latencyMs = ackMs - request.sentAtMs[i]!;
        const window = this.stats.record(latencyMs, recordSize, ackMs);
        if (window) this.o.onWindow?.(window);
        if (this.steady && request.firstIndex + i >= this.warmupRecords)
          this.steady.record(latencyMs, recordSize, ackMs);
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
    this.wake();
  }

  private checkStalled(): void {
    if (this.inFlight > 0 && nowMs() - this.lastProgressMs > this.requestTimeoutMs) {
      this.fail(
        new KafkaBenchError(
          `Kafka acknowledged nothing for ${this.requestTimeoutMs} ms ` +
            `after ${this.stats.count} of ${this.o.records} records`,
        ),
      );
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake();
  }

  /** Resolves on an acknowledgement, a failure, or after `ms`. */
  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * kafkajs' instrumentation events, the one place every admin request passes: counted by Kafka API name
 * (`Metadata`, `CreateTopics`: a bounded set) with the broker's answer time, or as a timeout.
 */
function countAdminRequests(metrics: Metrics, admin: Admin): void {
  const answered = ({ payload }: RequestEvent) =>
    metrics.request('kafka', payload.apiName, 'ok', payload.duration / 1000);
  const timedOut = ({ payload }: RequestTimeoutEvent) =>
    metrics.request('kafka', payload.apiName, 'timeout', (Date.now() - payload.sentAt) / 1000);
  admin.on(admin.events.REQUEST, answered);
  admin.on(admin.events.REQUEST_TIMEOUT, timedOut);
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

/**
 * Until every partition of the just created `topic` has a leader, within SETUP_TIMEOUT_MS: the metadata may
 * not know the topic, or its leaders, for a moment.
 */
async function waitForLeaders(admin: Admin, topic: string, partitions: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  for (;;) {
    try {
      const found = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
      if (found.length === partitions && found.every((p) => p.leader >= 0)) return;
    } catch (e) {
      if (!isSettlingMetadata(e) || Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic} has no leader for every partition yet`);
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Cause = Error & { type?: unknown; code?: unknown; apiId?: unknown };

/**
 * An error and what it wraps: kafkajs's retries keep the last failure as `originalError`, others as `cause`;
 * @platformatic/kafka gathers its retries' failures in an AggregateError's `errors`.
 */
function* causes(e: unknown, depth = 0): Generator<Cause> {
  if (depth > 10 || !(e instanceof Error)) return;
  yield e;
  if (e instanceof AggregateError) for (const inner of e.errors as unknown[]) yield* causes(inner, depth + 1);
  yield* causes((e as { originalError?: unknown }).originalError ?? e.cause, depth + 1);
}

/** A new topic's metadata settling: these errors, possibly wrapped by kafkajs's retries, pass. */
function isSettlingMetadata(e: unknown): boolean {
  return [...causes(e)].some(
    (cause) => cause.type === 'UNKNOWN_TOPIC_OR_PARTITION' || cause.type === 'LEADER_NOT_AVAILABLE',
  );
}

/**
 * What a failure may tell the user: the error code a Kafka broker answered with (TOPIC_AUTHORIZATION_FAILED, …),
 * else one wording whatever went wrong with the connection, so that it never reveals whether a port is open.
 */
function publicReason(e: unknown): string {
  for (const cause of causes(e)) {
    if (cause.name === 'KafkaJSProtocolError' && typeof cause.type === 'string') return `Kafka answered ${cause.type}`;
    if (cause.code === 'PLT_KFK_PROTOCOL' && typeof cause.apiId === 'string') return `Kafka answered ${cause.apiId}`;
  }
  return "its brokers could not be reached or did not answer as Kafka (the worker's log has the details)";
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
