/**
 * Would several producers on worker threads (node:worker_threads) get carbon-ops' engine closer to
 * Java's records/s? Runs the engine once on the main thread, then as `--producers` engines at once, each on a
 * worker thread with its own producer and topic and records/N of the records; alternated, repeated.
 *
 *   npx tsx bench/kafka-producers.ts [--records 200000] [--producers 2] [--repeat 3]
 *
 * Settings as bench/kafka-vs-java.ts' `equal`: batch 128 KiB, linger 5 ms, 5 in flight, acks=all, 1 KiB
 * records, one partition per topic. Clock: for one producer the engine's own (first hand-over to the last
 * acknowledgement); for N producers, records of all of them ÷ the span from the earliest start of a
 * producer's clock to the latest end (each worker's clock converted to the shared one with timeOrigin).
 * Topic creation and deletion and the workers' start-up lie outside both clocks.
 */
import { performance } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { runProducerBenchmark } from '../src/integrations/kafka-bench/producer-benchmark.js';
import { alternated, loadAverage, machine, medianAndRange } from './support/figures.js';

interface Job {
  brokers: string[];
  records: number;
}
/** One engine's run on the shared clock (ms since the epoch, fractional). */
interface Span {
  records: number;
  startMs: number;
  endMs: number;
}

async function engine(job: Job): Promise<Span> {
  const r = await runProducerBenchmark({
    brokers: job.brokers,
    records: job.records,
    recordSize: 1_024,
    throughput: -1,
    acks: -1,
    partitions: 1,
    batchBytes: 131_072,
    lingerMs: 5,
    maxInFlight: 5,
    onWindow: undefined,
  });
  if (r.recordsInTopic !== r.records) throw new Error(`${r.records} reported, ${r.recordsInTopic} in the topic`);
  // The engine's clock ended at about now: its start was durationMs before.
  const endMs = performance.timeOrigin + performance.now();
  return { records: r.records, startMs: endMs - r.durationMs, endMs };
}

if (!isMainThread) {
  parentPort?.postMessage(await engine(workerData as Job));
} else {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '200000' },
      producers: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '3' },
    },
  });
  const records = Number(values.records);
  const producers = Number(values.producers);
  const repeat = Number(values.repeat);
  const ROOT = fileURLToPath(new URL('..', import.meta.url));
  const brokers = process.env.KAFKA_BROKERS
    ? process.env.KAFKA_BROKERS.split(',')
    : (
        (await promisify(execFile)('bash', ['scripts/kafka.sh', 'start'], { cwd: ROOT })).stdout
          .trim()
          .split('\n')
          .at(-1) ?? ''
      ).split(',');

  const inWorker = (job: Job): Promise<Span> =>
    new Promise((resolve, reject) => {
      // Node 20 will not start a worker on a .ts file: a small script registers tsx in the worker, then loads this file.
      const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
      const w = new Worker(boot, { eval: true, workerData: job });
      w.once('message', resolve);
      w.once('error', reject);
    });
  const rate = (spans: Span[]): number => {
    const n = spans.reduce((sum, s) => sum + s.records, 0);
    return (1000 * n) / (Math.max(...spans.map((s) => s.endMs)) - Math.min(...spans.map((s) => s.startMs)));
  };

  console.log(machine());
  console.log(
    `${records} records of 1 KiB, batch 128 KiB, linger 5 ms, 5 in flight, acks=all; ${repeat} alternated runs\n`,
  );
  console.log(
    'clock: one producer, its engine from the first hand-over to the last acknowledgement; N producers, all\n' +
      "  records over the earliest start to the latest end of the engines' clocks (worker start-up and topics outside)\n",
  );
  const loads: string[] = [];
  const results = await alternated(
    {
      one: async () => {
        const r = rate([await engine({ brokers, records })]);
        loads.push(loadAverage());
        console.log(`1 producer, main thread: ${r.toFixed(0)} records/s (load ${loadAverage()})`);
        return r;
      },
      several: async () => {
        const share = Math.floor(records / producers);
        const r = rate(
          await Promise.all(Array.from({ length: producers }, () => inWorker({ brokers, records: share }))),
        );
        loads.push(loadAverage());
        console.log(`${producers} producers on worker threads: ${r.toFixed(0)} records/s (load ${loadAverage()})`);
        return r;
      },
    },
    repeat,
  );
  const int = (x: number): string => x.toFixed(0);
  console.log(`\n1 producer:           ${medianAndRange(results.one ?? [], int)} records/s`);
  console.log(`${producers} producers, threads: ${medianAndRange(results.several ?? [], int)} records/s`);
  console.log(`load average after each run: ${loads.join(' | ')}`);
}
