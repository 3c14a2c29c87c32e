/** The benchmark's parameters and their validation: every problem reported in one error. */
import { isBroker } from '../../config.js';
import type { Metrics } from '../../contracts/metrics.js';
import type { WindowStats } from './stats.js';

export type Acks = -1 | 0 | 1;
export type BenchLogLevel = 'error' | 'warn' | 'info' | 'debug';
export type BenchLog = (level: BenchLogLevel, message: string, fields: Record<string, unknown>) => void;

export interface ProducerBenchmarkOptions {
  /** Bootstrap addresses, `host:port`. */
  brokers: string[];
  records: number;
  /** Bytes of payload per record (no key), like ProducerPerformance's --record-size. */
  recordSize: number;
  /** Records/sec, like ProducerPerformance's --throughput; -1 = unthrottled. */
  throughput: number;
  /** -1 = all. */
  acks: Acks;
  partitions: number;
  /** Defaults to `carbon-bench-<timestamp>-<random>`; must not exist yet (only a topic we created is deleted). */
  topic?: string;
  onWindow?: (w: WindowStats) => void;
  signal?: AbortSignal;
  /** TCP connect timeout per attempt (default 3,000 ms). */
  connectTimeoutMs?: number;
  /** Per request, and the longest wait for any acknowledgement before the run is declared stuck (default 30,000 ms). */
  requestTimeoutMs?: number;
  /** Where the admin client's (kafkajs') warnings and errors, and failed produce requests, go; silent when absent. */
  log?: BenchLog;
  /** Counts every Kafka request (admin and producer) by API name, answered or timed out; none when absent. */
  metrics?: Metrics;
  /** Records per produce request; overrides `batchBytes`. */
  batchRecords?: number;
  /**
   * Like Java's batch.size: a request holds as many records as fit in this many bytes of Kafka's record-batch
   * format (default 128 KiB, at most 1,000 records).
   */
  batchBytes?: number;
  /**
   * Like Java's linger.ms: how long a request that is not full stays open for more records (default 0: it goes
   * as soon as the throttler pauses). Only a throttled run ever has a request that is not full.
   */
  lingerMs?: number;
  /** Produce requests awaiting acknowledgement at once (default 8). */
  maxInFlight?: number;
  /**
   * Like ProducerPerformance's --warmup-records: the result's `steady` figures leave out the first this many
   * records and time from the moment record number `warmupRecords` is handed over (default 0: no `steady`).
   */
  warmupRecords?: number;
}

/** Parameters the broker could never accept, or a benchmark that could not be run as asked. */
export class BenchParamsError extends RangeError {
  override name = 'BenchParamsError';
}

export const LIMITS = {
  /** Kafka's default message.max.bytes is 1,048,588 including the batch overhead. */
  maxRecordSize: 1_000_000,
  maxPartitions: 1_000,
  maxBatchRecords: 10_000,
  maxBatchBytes: 16 * 1024 * 1024,
  maxLingerMs: 60_000,
  maxInFlight: 64,
} as const;

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

const isIntIn = (v: unknown, min: number, max: number): v is number =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

export function validateOptions(o: ProducerBenchmarkOptions): void {
  const problems: string[] = [];
  if (!Array.isArray(o.brokers) || o.brokers.length === 0) problems.push('brokers: at least one host:port is needed');
  else {
    for (const b of o.brokers)
      if (typeof b !== 'string' || !isBroker(b)) problems.push(`brokers: '${String(b)}' is not host:port`);
  }
  if (!isIntIn(o.records, 1, Number.MAX_SAFE_INTEGER))
    problems.push(`records must be a positive integer, got ${o.records}`);
  if (!isIntIn(o.recordSize, 1, LIMITS.maxRecordSize))
    problems.push(`recordSize must be an integer from 1 to ${LIMITS.maxRecordSize} bytes, got ${o.recordSize}`);
  if (!(o.throughput === -1 || (Number.isFinite(o.throughput) && o.throughput > 0)))
    problems.push(`throughput must be positive records/sec or -1 (unthrottled), got ${o.throughput}`);
  if (![-1, 0, 1].includes(o.acks)) problems.push(`acks must be -1 (all), 0 or 1, got ${o.acks}`);
  if (!isIntIn(o.partitions, 1, LIMITS.maxPartitions))
    problems.push(`partitions must be an integer from 1 to ${LIMITS.maxPartitions}, got ${o.partitions}`);
  if (o.topic !== undefined && !TOPIC.test(o.topic))
    problems.push(`topic '${o.topic}' is not a legal Kafka topic name`);
  for (const key of ['connectTimeoutMs', 'requestTimeoutMs'] as const) {
    if (o[key] !== undefined && !isIntIn(o[key], 1, 600_000))
      problems.push(`${key} must be 1..600000 ms, got ${o[key]}`);
  }
  if (o.batchRecords !== undefined && !isIntIn(o.batchRecords, 1, LIMITS.maxBatchRecords))
    problems.push(`batchRecords must be 1..${LIMITS.maxBatchRecords}, got ${o.batchRecords}`);
  if (o.maxInFlight !== undefined && !isIntIn(o.maxInFlight, 1, LIMITS.maxInFlight))
    problems.push(`maxInFlight must be 1..${LIMITS.maxInFlight}, got ${o.maxInFlight}`);
  if (o.batchBytes !== undefined && !isIntIn(o.batchBytes, 1, LIMITS.maxBatchBytes))
    problems.push(`batchBytes must be 1..${LIMITS.maxBatchBytes}, got ${o.batchBytes}`);
  if (o.lingerMs !== undefined && !isIntIn(o.lingerMs, 0, LIMITS.maxLingerMs))
    problems.push(`lingerMs must be 0..${LIMITS.maxLingerMs} ms, got ${o.lingerMs}`);
  if (o.warmupRecords !== undefined && !isIntIn(o.warmupRecords, 0, Math.max(0, o.records - 1)))
    problems.push(`warmupRecords must be 0 to records - 1, got ${o.warmupRecords}`);
  if (problems.length > 0) throw new BenchParamsError(`invalid Kafka benchmark parameters: ${problems.join('; ')}`);
}
