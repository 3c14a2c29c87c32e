import { describe, expect, it } from '@jest/globals';
import { javaFixed } from '../../src/integrations/kafka-bench/java-format.js';
import { latencyBuckets } from '../../src/integrations/kafka-bench/histogram.js';
import { Stats, formatTotal, formatWindow } from '../../src/integrations/kafka-bench/stats.js';
import { ThroughputThrottler } from '../../src/integrations/kafka-bench/throttler.js';
import { recordsPerBatch } from '../../src/integrations/kafka-bench/request-size.js';
import {
  BenchParamsError,
  validateOptions,
  type ProducerBenchmarkOptions,
} from '../../src/integrations/kafka-bench/options.js';

const MB = 1024 * 1024;

describe('javaFixed', () => {
  // Printed by Java 17: String.format("%.1f|%.2f|%f", x, x, x).
  const java: [number, string, string, string][] = [
    [0.15, '0.2', '0.15', '0.150000'],
    [0.35, '0.4', '0.35', '0.350000'],
    [1.005, '1.0', '1.01', '1.005000'],
    [2.675, '2.7', '2.68', '2.675000'],
    [1.45, '1.5', '1.45', '1.450000'],
    [0.05, '0.1', '0.05', '0.050000'],
    [1234.5678, '1234.6', '1234.57', '1234.567800'],
    [1e-7, '0.0', '0.00', '0.000000'],
    [2.5, '2.5', '2.50', '2.500000'],
    [7153.123456789, '7153.1', '7153.12', '7153.123457'],
    [1 / 3, '0.3', '0.33', '0.333333'],
  ];
  it.each(java)('formats %p like Java', (x, one, two, six) => {
    expect([javaFixed(x, 1), javaFixed(x, 2), javaFixed(x, 6)]).toEqual([one, two, six]);
  });

  it('handles carries, zero, large numbers and non-finite values', () => {
    expect(javaFixed(9.96, 1)).toBe('10.0');
    expect(javaFixed(0.999, 2)).toBe('1.00');
    expect(javaFixed(0, 2)).toBe('0.00');
    expect(javaFixed(123456789.125, 2)).toBe('123456789.13');
    expect(javaFixed(-1.25, 1)).toBe('-1.3');
    expect(javaFixed(Infinity, 1)).toBe('Infinity');
    expect(javaFixed(NaN, 2)).toBe('NaN');
  });
});

describe('Stats (ProducerPerformance semantics)', () => {
  it('reports a window at the first acknowledgement 5 s after it opened, that record included', () => {
    const stats = new Stats(100, 0);
    const windows = [];
    for (let i = 0; i < 10; i++) windows.push(stats.record(i + 1, 1024, 500 * i));
    expect(windows.every((w) => w === undefined)).toBe(true);
    const w = stats.record(20, 1024, 5_000);
    expect(w).toEqual({
      records: 11,
      recordsPerSec: 2.2,
      mbPerSec: (11 * 1024) / 5 / MB,
      avgLatencyMs: 75 / 11,
      maxLatencyMs: 20,
      elapsedMs: 5_000,
    });
    expect(formatWindow(w!)).toBe(
      '11 records sent, 2.2 records/sec (0.00 MB/sec), 6.8 ms avg latency, 20.0 ms max latency.',
    );
    // The next window starts at that acknowledgement.
    expect(stats.record(1, 1024, 9_999)).toBeUndefined();
    expect(stats.record(3, 1024, 10_000)).toMatchObject({
      records: 2,
      avgLatencyMs: 2,
      maxLatencyMs: 3,
      elapsedMs: 5_000,
    });
  });

  it('computes the final line like ProducerPerformance, percentiles at index floor(p × n) of the sorted sample', () => {
    const stats = new Stats(1_000, 0);
    // Latencies 999..0, acknowledged over 2 s.
    for (let i = 0; i < 1_000; i++) stats.record(999 - i, 1_024, 2 * i);
    const total = stats.total(2_000);
    expect(total).toMatchObject({
      records: 1_000,
      bytes: 1_024_000,
      recordsPerSec: 500,
      avgLatencyMs: 499.5,
      maxLatencyMs: 999,
    });
    expect([total.p50, total.p95, total.p99, total.p999]).toEqual([500, 950, 990, 999]);
    expect(formatTotal(total)).toBe(
      '1000 records sent, 500.000000 records/sec (0.49 MB/sec), 499.50 ms avg latency, 999.00 ms max latency, 500 ms 50th, 950 ms 95th, 990 ms 99th, 999 ms 99.9th.',
    );
    expect((total.mbPerSec * MB) / total.recordsPerSec).toBeCloseTo(1_024, 9);
  });

  it('samples every Nth latency beyond 500,000 records (N = floor(records / 500000))', () => {
    const stats = new Stats(1_000_000, 0); // sampling 2: acknowledgements 0, 2, 4, ... are sampled
    for (let i = 0; i < 1_000_000; i++) stats.record(i % 2 === 0 ? 1 : 1_000, 1, 1);
    const total = stats.total(1_000);
    expect([total.p50, total.p99, total.p999]).toEqual([1, 1, 1]);
    expect(total.maxLatencyMs).toBe(1_000);
    expect(total.avgLatencyMs).toBe(500.5);
  });

  it('keeps every record in the histogram, in 1-2-5 width buckets from 0 ms', () => {
    const stats = new Stats(10, 0);
    for (const latency of [0, 1, 1, 7, 95]) stats.record(latency, 10, 1);
    const { histogram } = stats.total(10);
    expect(histogram).toHaveLength(20);
    expect(histogram[0]).toEqual({ fromMs: 0, toMs: 5, count: 3 });
    expect(histogram[1]).toEqual({ fromMs: 5, toMs: 10, count: 1 });
    expect(histogram.at(-1)).toEqual({ fromMs: 95, toMs: 100, count: 1 });
    expect(histogram.reduce((n, b) => n + b.count, 0)).toBe(5);
    expect(latencyBuckets([4, 2], 40)).toEqual([
      { fromMs: 0, toMs: 1, count: 4 },
      { fromMs: 1, toMs: 2, count: 2 },
    ]);
    expect(latencyBuckets([])).toEqual([]);
  });

  it('never divides by zero and reports zeros before the first acknowledgement', () => {
    const total = new Stats(5, 100).total(100);
    expect(total).toMatchObject({
      records: 0,
      recordsPerSec: 0,
      avgLatencyMs: 0,
      p50: 0,
      p999: 0,
      durationMs: 1,
      histogram: [],
    });
  });
});

describe('ThroughputThrottler', () => {
  it('never throttles when unthrottled (-1) and refuses 0', () => {
    const t = new ThroughputThrottler(-1, 0);
    expect(t.shouldThrottle(1e9, 1)).toBe(false);
    expect(() => new ThroughputThrottler(0, 0)).toThrow(RangeError);
  });

  it('throttles only above the average target rate, and sleeps once 2 ms of deficit accumulated', () => {
    const t = new ThroughputThrottler(1_000, 0); // 1 ms per record
    expect(t.shouldThrottle(5, 0)).toBe(false); // no time elapsed yet
    expect(t.shouldThrottle(1_000, 1_000)).toBe(false); // exactly on target
    expect(t.shouldThrottle(1_001, 1_000)).toBe(true);
    expect(t.throttle()).toBe(0);
    expect(t.throttle()).toBe(2);
    expect(t.throttle()).toBe(0);
  });

  it('holds a simulated sender to the target rate', () => {
    const target = 5_000;
    const t = new ThroughputThrottler(target, 0);
    let now = 0;
    let sent = 0;
    while (now < 10_000) {
      sent++;
      if (t.shouldThrottle(sent - 1, now)) now += t.throttle();
      now += 0.001; // sending costs 1 µs
    }
    expect(sent / 10).toBeGreaterThan(target * 0.99);
    expect(sent / 10).toBeLessThan(target * 1.01);
  });
});

describe('validateOptions', () => {
  const good: ProducerBenchmarkOptions = {
    brokers: ['127.0.0.1:9092'],
    records: 10,
    recordSize: 1024,
    throughput: -1,
    acks: -1,
    partitions: 1,
  };

  it('accepts sensible parameters', () => {
    expect(() => validateOptions(good)).not.toThrow();
    expect(() =>
      validateOptions({
        ...good,
        brokers: ['kafka-0.kafka:9092', '[::1]:9093'],
        throughput: 0.5,
        acks: 0,
        topic: 'a.b_c-1',
      }),
    ).not.toThrow();
  });

  it('refuses bad parameters, all problems in one error', () => {
    const bad = {
      ...good,
      brokers: ['nohost'],
      records: 0,
      recordSize: 2_000_000,
      throughput: 0,
      acks: 2,
      partitions: 1.5,
      topic: 'bad topic',
    } as unknown as ProducerBenchmarkOptions;
    expect(() => validateOptions(bad)).toThrow(BenchParamsError);
    expect(() => validateOptions(bad)).toThrow(
      /brokers[\s\S]*records[\s\S]*recordSize[\s\S]*throughput[\s\S]*acks[\s\S]*partitions[\s\S]*topic/,
    );
    expect(() => validateOptions({ ...good, brokers: [] })).toThrow(/at least one/);
    expect(() => validateOptions({ ...good, records: Number.NaN })).toThrow(/records/);
    expect(() => validateOptions({ ...good, brokers: ['host:70000'] })).toThrow(/host:port/);
    expect(() => validateOptions({ ...good, maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => validateOptions({ ...good, batchBytes: 0 })).toThrow(/batchBytes/);
    expect(() => validateOptions({ ...good, lingerMs: -1 })).toThrow(/lingerMs/);
    expect(() => validateOptions({ ...good, warmupRecords: good.records })).toThrow(/warmupRecords/);
    expect(() => validateOptions({ ...good, batchBytes: 16_384, lingerMs: 5, warmupRecords: 1 })).not.toThrow();
  });
});

describe('recordsPerBatch', () => {
  it("fills a batch as Java's producer fills batch.size: header and per-record overhead counted", () => {
    // 61-byte header; a 1 KiB record without key takes 1,033 or 1,034 bytes (varint length fields).
    expect(recordsPerBatch(131_072, 1_024, 10_000)).toBe(126);
    expect(recordsPerBatch(16_384, 1_024, 10_000)).toBe(15);
    expect(recordsPerBatch(61 + 1_033, 1_024, 10_000)).toBe(1);
  });

  it('puts a record larger than the batch alone, and never more than the cap', () => {
    expect(recordsPerBatch(100, 5_000, 10_000)).toBe(1);
    expect(recordsPerBatch(1_048_576, 10, 1_000)).toBe(1_000);
  });
});
