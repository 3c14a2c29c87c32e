import { describe, expect, it } from '@jest/globals';
import { compare, medianFigures, sameKind } from '../../src/features/bench/compare.js';
import { COMMANDS } from '../../src/app/commands.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { UsageError } from '../../src/errors.js';
import { Catalogue } from '../../src/catalogue.js';
import { usageErrorOf } from '../support/usage.js';
import { renderBenchHistory, renderBenchResult } from '../../src/features/bench/render.js';
import { paramsKey } from '../../src/features/bench/store.js';
import { params, result } from '../support/bench-fixtures.js';

describe('bench grammar', () => {
  it('has defaults that match the platform baseline: 1 KiB records, acks=all, unthrottled', () => {
    expect(COMMANDS.parse('bench kafka')).toEqual({
      name: 'bench',
      action: 'kafka',
      params: { records: 100000, recordSize: 1024, throughput: -1, acks: -1, partitions: 3 },
    });
  });

  it('reads every option', () => {
    expect(
      COMMANDS.parse(
        'bench kafka --records 50,000 --record-size 512 --throughput 5000 --acks 1 --partitions 6 --cluster Staging',
      ),
    ).toEqual({
      name: 'bench',
      action: 'kafka',
      params: {
        records: 50000,
        recordSize: 512,
        throughput: 5000,
        acks: 1,
        partitions: 6,
        cluster: 'staging',
      },
    });
    expect(COMMANDS.parse('bench kafka --throughput -1 --acks all')).toMatchObject({
      params: { throughput: -1, acks: -1 },
    });
    expect(COMMANDS.parse('bench history kafka')).toEqual({
      name: 'bench',
      action: 'history',
      target: 'kafka',
      limit: 10,
    });
  });

  it.each([
    ['bench kafka --records 0', /--records takes a whole number from 1 to 5,000,000/],
    ['bench kafka --records 5000001', /--records takes a whole number from 1 to 5,000,000/],
    ['bench kafka --record-size 2000000', /--record-size takes a whole number from 1 to 1,000,000/],
    ['bench kafka --records 5000000 --record-size 1000000', /4656\.6 GiB of records; a benchmark writes at most 4 GiB/],
    ['bench kafka --throughput 0', /--throughput/],
    ['bench kafka --acks 2', /--acks takes all, 1 or 0/],
    ['bench kafka --partitions 101', /--partitions/],
    ['bench kafka --brokers kafka-0.kafka:9092', /Unknown option `--brokers`\. Kafka targets are named, not typed/],
    ['bench kafka --cluster "prod;rm -rf /"', /is not a Kafka cluster name\. Kafka targets are named/],
    ['bench kafka --cluster prod --cluster staging', /`--cluster` is given more than once/],
    ['bench postgres', /Usage: `\/carbon bench kafka/],
    ['bench history', /bench history kafka/],
  ])('refuses %s', (text, message) => {
    expect(() => COMMANDS.parse(text)).toThrow(UsageError);
    expect(() => COMMANDS.parse(text)).toThrow(message);
  });
});

describe('bench kafka targets a configured cluster, by name', () => {
  const rules = { catalogue: new Catalogue([]), kafkaClusters: ['default', 'staging'] };
  const checked = (text: string) => usageErrorOf(() => COMMANDS.check(COMMANDS.parse(text, rules), rules));

  it('takes a configured name, and no name at all for the default cluster', () => {
    expect(() => COMMANDS.check(COMMANDS.parse('bench kafka --cluster staging', rules), rules)).not.toThrow();
    expect(() => COMMANDS.check(COMMANDS.parse('bench kafka', rules), rules)).not.toThrow();
  });

  it('refuses any other name or an address, listing the configured clusters', () => {
    for (const other of ['nosuch', '127.0.0.1:9092', '169.254.169.254:80', '[::1]:9092', 'metadata.google.internal']) {
      expect(checked(`bench kafka --cluster ${other}`)).toBe(
        `No Kafka cluster \`${other}\` is configured. Kafka targets are named, not typed: use \`--cluster NAME\` ` +
          'with a configured cluster: `default`, `staging`.',
      );
    }
  });

  it('says what replaced --brokers, with the configured names when it knows them', () => {
    expect(usageErrorOf(() => COMMANDS.parse('bench kafka --brokers=127.0.0.1:9092', rules))).toMatch(
      /^Unknown option `--brokers`\. Kafka targets are named, not typed: use `--cluster NAME` with a configured cluster \(`default`, `staging`\)\./,
    );
  });

  it('names the cluster in the audit line', () => {
    expect(COMMANDS.describe(COMMANDS.parse('bench kafka --cluster staging --records 10')).line).toBe(
      'bench kafka --records 10 --record-size 1024 --throughput -1 --acks all --partitions 3 --cluster staging',
    );
  });
});

describe('compare', () => {
  const reference = { recordsPerSec: 10_000, mbPerSec: 9.77, avgLatencyMs: 2, p95: 4 };

  it('flags a throughput drop or a p95 rise beyond the threshold, and only then', () => {
    expect(compare({ ...reference, recordsPerSec: 8_100 }, reference, 20, 'x').regression).toBe(false);
    expect(compare({ ...reference, recordsPerSec: 7_900 }, reference, 20, 'x')).toMatchObject({
      regression: true,
      reasons: ['throughput 21 % below'],
    });
    expect(compare({ ...reference, p95: 4.8 }, reference, 20, 'x').regression).toBe(false);
    expect(compare({ ...reference, p95: 5 }, reference, 20, 'x')).toMatchObject({
      regression: true,
      reasons: ['p95 latency 25 % above'],
    });
    expect(compare({ ...reference, recordsPerSec: 20_000, p95: 2 }, reference, 20, 'x')).toMatchObject({
      regression: false,
      throughputRatio: 2,
      p95Ratio: 0.5,
    });
  });

  it("judges latency only against a run of the same kind: an unthrottled run never against a throttled run's p95", () => {
    const baseline = { recordsPerSec: 7153, mbPerSec: 6.99, avgLatencyMs: 2.4, p95: 3.5 };
    const unthrottled = { recordsPerSec: 40_000, mbPerSec: 39, avgLatencyMs: 25, p95: 70 }; // 1900 % above
    const flaggedBefore = compare(unthrottled, baseline, 20, 'baseline');
    expect(flaggedBefore.reasons).toEqual(['p95 latency 1900 % above']); // without kinds: same parameters assumed
    expect(compare(unthrottled, baseline, 20, 'baseline', { run: -1, latency: 7153 })).toMatchObject({
      regression: false,
      latencyComparable: false,
      reasons: [],
      notes: ['p95 not comparable (measured throttled to 7,153/s, this run unthrottled)'],
    });
    // A throttled run at a similar rate is judged, both ways.
    const throttled = { recordsPerSec: 7000, mbPerSec: 6.8, avgLatencyMs: 3, p95: 5 };
    expect(compare(throttled, baseline, 20, 'baseline', { run: 7000, latency: 7153 })).toMatchObject({
      regression: true,
      latencyComparable: true,
      reasons: ['p95 latency 43 % above'],
    });
    expect(compare({ ...throttled, p95: 3.6 }, baseline, 20, 'b', { run: 6000, latency: 7153 }).regression).toBe(false);
    // Throttled at a rate far from the baseline's: not the same kind either.
    expect(compare(throttled, baseline, 20, 'b', { run: 1000, latency: 7153 }).latencyComparable).toBe(false);
    // A throughput drop is still flagged whatever the latency's kind.
    expect(
      compare({ ...unthrottled, recordsPerSec: 5000 }, baseline, 20, 'b', { run: -1, latency: 7153 }).reasons,
    ).toEqual(['throughput 30 % below']);
  });

  it('counts rates as similar within 25 % of the higher, and unthrottled only with unthrottled', () => {
    expect(sameKind(-1, -1)).toBe(true);
    expect(sameKind(-1, 7153)).toBe(false);
    expect(sameKind(7153, -1)).toBe(false);
    expect(sameKind(8000, 6000)).toBe(true);
    expect(sameKind(8000, 5999)).toBe(false);
  });

  it('takes the median of earlier runs, so one bad run does not move the reference', () => {
    const runs = [10, 11, 1, 12, 9].map((k) => ({ recordsPerSec: k * 1000, mbPerSec: k, avgLatencyMs: k, p95: k }));
    expect(medianFigures(runs)).toEqual({ recordsPerSec: 10_000, mbPerSec: 10, avgLatencyMs: 10, p95: 10 });
    expect(medianFigures([])).toBeUndefined();
  });

  it('keys runs by every parameter and the brokers, whatever their order', () => {
    const p = { records: 1, recordSize: 1024, throughput: -1, acks: -1 as const, partitions: 3 };
    expect(paramsKey(p, ['b:1', 'a:1'])).toBe(paramsKey(p, ['a:1', 'b:1']));
    expect(paramsKey(p, ['a:1'])).not.toBe(paramsKey({ ...p, acks: 1 }, ['a:1']));
  });
});

describe('bench reports', () => {
  it("shows ProducerPerformance's line, the comparison and the definitions, within Slack limits", () => {
    const comparison = compare(
      result,
      { recordsPerSec: 7153, mbPerSec: 6.99, avgLatencyMs: 2.4, p95: 3.5 },
      20,
      'baseline (Phase 4 report)',
    );
    const message = renderBenchResult({
      params,
      cluster: { name: 'default', brokers: ['127.0.0.1:9092'] },
      result,
      comparisons: [comparison],
      runId: '4',
      jobId: 'bench-1',
    });
    const raw = JSON.stringify(message.blocks);
    expect(raw).toContain(
      '1000 records sent, 5000.000000 records/sec (4.88 MB/sec), 3.20 ms avg latency, 40.00 ms max latency, 2 ms 50th, 9 ms 95th, 30 ms 99th, 40 ms 99.9th.',
    );
    expect(raw).toContain('regression: throughput 30 % below, p95 latency 157 % above');
    expect(raw).toContain('MB = 2^20 bytes');
    expect(message.text).toContain('regression');
    expect(checkMessage(message)).toBeUndefined();
  });

  it('says so when there is no history yet', () => {
    expect(renderBenchHistory([]).text).toContain('No Kafka benchmark has been run yet');
  });
});
