/**
 * The statistics of Kafka's ProducerPerformance (org.apache.kafka.tools.ProducerPerformance.Stats),
 * so our figures compare one to one with the reference tool. Pure: the caller passes the time.
 *
 * - a record's latency is whole milliseconds from send to acknowledgement; only acknowledged records count;
 * - percentiles come from a sample of at most 500,000 latencies: every `sampling`-th acknowledgement,
 *   sampling = floor(records / min(records, 500000)), so runs up to 500,000 records keep every latency;
 * - a window closes, and is reported, at the first acknowledgement 5 s or more after it opened;
 * - MB = 2^20 bytes.
 */
import { javaFixed } from './java-format.js';
import { latencyBuckets, type LatencyBucket } from './histogram.js';

export const REPORTING_INTERVAL_MS = 5_000;
const MAX_SAMPLES = 500_000;
const MB = 1024 * 1024;

/** A 5-second progress window, like ProducerPerformance's periodic line. */
export interface WindowStats {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  elapsedMs: number;
}

/** The whole run, like ProducerPerformance's final line, plus the distribution for a chart. */
export interface TotalStats {
  records: number;
  bytes: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  durationMs: number;
  /** Every acknowledged record (not only the percentile sample), in equal-width latency buckets. */
  histogram: LatencyBucket[];
}

export class Stats {
  readonly #start: number;
  readonly #reportingIntervalMs: number;
  readonly #sampling: number;
  readonly #samples: Int32Array;
  readonly #countsPerMs: number[] = [];
  #sampled = 0;
  #iteration = 0;
  #count = 0;
  #bytes = 0;
  #totalLatency = 0;
  #maxLatency = 0;
  #windowStart: number;
  #windowCount = 0;
  #windowBytes = 0;
  #windowTotalLatency = 0;
  #windowMaxLatency = 0;

  constructor(numRecords: number, startMs: number, reportingIntervalMs = REPORTING_INTERVAL_MS) {
    if (!Number.isSafeInteger(numRecords) || numRecords < 1)
      throw new RangeError(`numRecords must be a positive integer, got ${numRecords}`);
    this.#start = startMs;
    this.#windowStart = startMs;
    this.#reportingIntervalMs = reportingIntervalMs;
    this.#sampling = Math.floor(numRecords / Math.min(numRecords, MAX_SAMPLES));
    this.#samples = new Int32Array(Math.floor(numRecords / this.#sampling) + 1);
  }

  /** Records one acknowledged record; returns the window it closed, if any. */
  record(latencyMs: number, bytes: number, nowMs: number): WindowStats | undefined {
    this.#count++;
    this.#bytes += bytes;
    this.#totalLatency += latencyMs;
    this.#maxLatency = Math.max(this.#maxLatency, latencyMs);
    this.#windowCount++;
    this.#windowBytes += bytes;
    this.#windowTotalLatency += latencyMs;
    this.#windowMaxLatency = Math.max(this.#windowMaxLatency, latencyMs);
    this.#countsPerMs[latencyMs] = (this.#countsPerMs[latencyMs] ?? 0) + 1;
    if (this.#iteration % this.#sampling === 0 && this.#sampled < this.#samples.length) {
      this.#samples[this.#sampled++] = latencyMs;
    }
    this.#iteration++;
    if (nowMs - this.#windowStart < this.#reportingIntervalMs) return undefined;
    const elapsedMs = nowMs - this.#windowStart;
    const window: WindowStats = {
      records: this.#windowCount,
      recordsPerSec: (1000 * this.#windowCount) / elapsedMs,
      mbPerSec: (1000 * this.#windowBytes) / elapsedMs / MB,
      avgLatencyMs: this.#windowTotalLatency / this.#windowCount,
      maxLatencyMs: this.#windowMaxLatency,
      elapsedMs,
    };
    this.#windowStart = nowMs;
    this.#windowCount = 0;
    this.#windowBytes = 0;
    this.#windowTotalLatency = 0;
    this.#windowMaxLatency = 0;
    return window;
  }

  get count(): number {
    return this.#count;
  }

  total(nowMs: number): TotalStats {
    // Java divides by a zero elapsed time and prints Infinity; one millisecond keeps the figures storable.
    const durationMs = Math.max(1, nowMs - this.#start);
    const [p50 = 0, p95 = 0, p99 = 0, p999 = 0] = percentiles(
      this.#samples.subarray(0, this.#sampled),
      [0.5, 0.95, 0.99, 0.999],
    );
    return {
      records: this.#count,
      bytes: this.#bytes,
      recordsPerSec: (1000 * this.#count) / durationMs,
      mbPerSec: (1000 * this.#bytes) / durationMs / MB,
      avgLatencyMs: this.#count === 0 ? 0 : this.#totalLatency / this.#count,
      maxLatencyMs: this.#maxLatency,
      p50,
      p95,
      p99,
      p999,
      durationMs,
      histogram: latencyBuckets(this.#countsPerMs),
    };
  }
}

/** ProducerPerformance's percentile: the sorted sample at index floor(p × size), no interpolation. */
function percentiles(samples: Int32Array, ps: readonly number[]): number[] {
  if (samples.length === 0) return ps.map(() => 0);
  const sorted = samples.slice().sort();
  return ps.map((p) => sorted[Math.floor(p * sorted.length)] ?? 0);
}

/** `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency.` */
export function formatWindow(w: WindowStats): string {
  return (
    `${w.records} records sent, ${javaFixed(w.recordsPerSec, 1)} records/sec (${javaFixed(w.mbPerSec, 2)} MB/sec), ` +
    `${javaFixed(w.avgLatencyMs, 1)} ms avg latency, ${javaFixed(w.maxLatencyMs, 1)} ms max latency.`
  );
}

/** ProducerPerformance's final line, digit for digit. */
export function formatTotal(t: TotalStats): string {
  return (
    `${t.records} records sent, ${javaFixed(t.recordsPerSec, 6)} records/sec (${javaFixed(t.mbPerSec, 2)} MB/sec), ` +
    `${javaFixed(t.avgLatencyMs, 2)} ms avg latency, ${javaFixed(t.maxLatencyMs, 2)} ms max latency, ` +
    `${t.p50} ms 50th, ${t.p95} ms 95th, ${t.p99} ms 99th, ${t.p999} ms 99.9th.`
  );
}
