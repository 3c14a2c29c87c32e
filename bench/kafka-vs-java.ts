/**
 * carbon-ops' Kafka producer benchmark side by side with Kafka's own ProducerPerformance, same broker,
 * same parameters: acks=all, 1 KiB records, 200,000 records, unthrottled; then both throttled at half
 * of Java's unthrottled rate. Each pair runs `--repeat` times, alternating which goes first so that a
 * warming or busy machine favours neither; the medians are compared.
 *
 *   npx tsx bench/kafka-vs-java.ts [--records 200000] [--record-size 1024] [--partitions 1] [--repeat 3]
 *
 * Uses KAFKA_BROKERS when set, else starts (or reuses) the local broker with scripts/kafka.sh.
 * Targets: throughput ≥ 0.8 × Java unthrottled; p95 ≤ 1.5 × Java's at the throttled rate.
 * Java also runs with --warmup-records (a quarter of the records): its whole-run line, compared with
 * ours, is unchanged by that; the extra steady-state line (JIT warm, metadata fetched) is shown as a
 * stricter reference.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { runProducerBenchmark } from '../src/integrations/kafka-bench/producer-benchmark.js';
import { formatTotal } from '../src/integrations/kafka-bench/stats.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Figures {
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p50: number;
  p95: number;
  p99: number;
  line: string;
  /** Java only: the figures without the warm-up records. */
  steady?: Omit<Figures, 'steady'>;
}

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'record-size': { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '3' },
  },
});
const records = Number(values.records);
const recordSize = Number(values['record-size']);
const partitions = Number(values.partitions);
const repeat = Number(values.repeat);

async function brokers(): Promise<string[]> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
  const { stdout } = await run('bash', ['scripts/kafka.sh', 'start'], { cwd: ROOT, timeout: 300_000 });
  return (stdout.trim().split('\n').at(-1) ?? '').split(',');
}

const FIGURES = String.raw`([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, \d+ ms 99\.9th\.$`;
const WHOLE = new RegExp(String.raw`^\d+ records sent, ${FIGURES}`, 'm');
const STEADY = new RegExp(String.raw`^\d+ steady state records sent, ${FIGURES}`, 'm');

function parse(stdout: string, re: RegExp): Omit<Figures, 'steady'> {
  const m = re.exec(stdout);
  if (!m) throw new Error(`no ${re === STEADY ? 'steady-state' : 'final'} line from ProducerPerformance:\n${stdout}`);
  const [line, rps, mbps, avg, p50, p95, p99] = m;
  return {
    recordsPerSec: Number(rps),
    mbPerSec: Number(mbps),
    avgLatencyMs: Number(avg),
    p50: Number(p50),
    p95: Number(p95),
    p99: Number(p99),
    line,
  };
}

async function java(bootstrap: string[], throughput: number): Promise<Figures> {
  const kafka = new Kafka({ clientId: 'bench-kafka-vs-java', brokers: bootstrap, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `carbon-bench-java-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const replicationFactor = Math.min(3, (await admin.describeCluster()).brokers.length);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor }], waitForLeaders: true });
  try {
    const { stdout } = await run(
      'java',
      [
        '-Xmx512m',
        '-Dlog4j2.statusLoggerLevel=OFF',
        '-cp',
        `${ROOT}/.cache/kafka/libs/*`,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(records),
        '--warmup-records',
        String(Math.floor(records / 4)),
        '--record-size',
        String(recordSize),
        '--throughput',
        String(throughput),
        '--producer-props',
        `bootstrap.servers=${bootstrap.join(',')}`,
        'acks=all',
      ],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return { ...parse(stdout, WHOLE), steady: parse(stdout, STEADY) };
  } finally {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  }
}

async function carbon(bootstrap: string[], throughput: number): Promise<Figures> {
  const r = await runProducerBenchmark({ brokers: bootstrap, records, recordSize, throughput, acks: -1, partitions });
  if (r.recordsInTopic !== r.records)
    throw new Error(`${r.records} records reported but ${r.recordsInTopic} in the topic`);
  return { ...r, line: formatTotal(r) };
}

const median = (xs: Omit<Figures, 'steady'>[], key: keyof Omit<Figures, 'line' | 'steady'>): number => {
  const sorted = xs.map((x) => x[key]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function pairs(
  bootstrap: string[],
  throughput: number,
  label: string,
): Promise<{ java: Figures[]; carbon: Figures[] }> {
  const out = { java: [] as Figures[], carbon: [] as Figures[] };
  for (let i = 0; i < repeat; i++) {
    const order = i % 2 === 0 ? (['java', 'carbon'] as const) : (['carbon', 'java'] as const);
    for (const who of order) {
      const f = who === 'java' ? await java(bootstrap, throughput) : await carbon(bootstrap, throughput);
      out[who].push(f);
      console.log(`${label} #${i + 1} ${who.padEnd(6)} ${f.line}`);
      if (f.steady) console.log(`${label} #${i + 1} java   ${f.steady.line}`);
    }
  }
  return out;
}

const bootstrap = await brokers();
// Both tools share the machine with the broker: a busy machine moves every figure, so say how busy it was.
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `brokers ${bootstrap.join(',')}; ${records} records of ${recordSize} B, acks=all, ${partitions} partition(s), ${repeat} run(s) each; load ${load()}\n`,
);

const free = await pairs(bootstrap, -1, 'unthrottled');
const javaMax = median(free.java, 'recordsPerSec');
const rate = Math.round(javaMax / 2);
console.log(`\nthrottled at ${rate} records/sec (half of Java's median maximum)`);
const slow = await pairs(bootstrap, rate, 'throttled');

const throughputRatio = median(free.carbon, 'recordsPerSec') / javaMax;
const p95Ratio = median(slow.carbon, 'p95') / Math.max(1, median(slow.java, 'p95'));
const steady = (f: Figures[]): Omit<Figures, 'steady'>[] => f.flatMap((x) => (x.steady ? [x.steady] : []));
const row = (name: string, f: Omit<Figures, 'steady'>[]): string =>
  `${name.padEnd(26)} ${median(f, 'recordsPerSec').toFixed(0).padStart(8)} rec/s ${median(f, 'mbPerSec').toFixed(2).padStart(7)} MB/s  ` +
  `avg ${median(f, 'avgLatencyMs').toFixed(1).padStart(7)} ms  p50 ${median(f, 'p50')} ms  p95 ${median(f, 'p95')} ms  p99 ${median(f, 'p99')} ms`;
console.log(`\nmedians of ${repeat}; load ${load()}`);
console.log(row('Java unthrottled', free.java));
console.log(row('carbon-ops unthrottled', free.carbon));
console.log(row('Java unthrottled, steady', steady(free.java)));
console.log(row(`Java at ${rate}/s`, slow.java));
console.log(row(`carbon-ops at ${rate}/s`, slow.carbon));
console.log(row(`Java at ${rate}/s, steady`, steady(slow.java)));
console.log(
  `\nthroughput carbon-ops/Java = ${throughputRatio.toFixed(2)} (target ≥ 0.80: ${throughputRatio >= 0.8 ? 'met' : 'NOT met'})`,
);
console.log(
  `throttled p95 carbon-ops/Java = ${p95Ratio.toFixed(2)} (target ≤ 1.50: ${p95Ratio <= 1.5 ? 'met' : 'NOT met'})` +
    ' (a p95 under 1 ms counts as 1 ms)',
);
console.log(
  'stricter, against Java without its warm-up: ' +
    `throughput ${(median(free.carbon, 'recordsPerSec') / median(steady(free.java), 'recordsPerSec')).toFixed(2)}, ` +
    `throttled p95 ${(median(slow.carbon, 'p95') / Math.max(1, median(steady(slow.java), 'p95'))).toFixed(2)}`,
);
