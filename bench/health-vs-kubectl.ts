import type { HealthCommand } from '../src/contracts/commands.js';
/**
 * The health report against `kubectl get pods -A -o json` on a generated cluster (10,000 pods in 100
 * namespaces by default) served by the Kubernetes stand-in in this process: CLI against CLI, and job
 * against kubectl.
 *
 *   npx tsx bench/health-vs-kubectl.ts [--pods 10000] [--namespaces 100] [--runs 3]
 *
 * Three sides, alternated (bench/support/figures.ts: the order reverses every round), `--runs` rounds
 * after one warm-up of each; each figure is printed as median (range), with the load average before and
 * after. What each side's clock includes:
 * - carbon CLI: `node bin/carbon.js run health`, timed from spawn to exit: Node's start, loading carbon
 *   (through tsx or compiled, whatever bin/carbon.js runs on this checkout), connecting to Redis and
 *   PostgreSQL, a private queue and worker, the job, printing the report, closing. Against the same
 *   stand-in (the bot's kubeconfig), the local Redis, a temporary PostgreSQL database (migrated
 *   beforehand, as a deployed CLI finds it). Peak RSS of the whole process from GNU time (%M). `npx carbon`
 *   adds npx's own start (about 0.6 s).
 * - carbon job: the real job, `healthReport.run`, in a child process that is already running and holds
 *   what a worker holds for it (settings, a Kube as openCluster makes it, the Store, the catalogue): list
 *   pods in pages, list deployments and statefulsets, measure, read the previous snapshot, INSERT this
 *   one, render. Its clock is the job alone, as a worker runs it; progress callbacks are counted, not sent.
 *   The child runs compiled JavaScript on plain `node` (this file bundled with esbuild into .cache/bench/,
 *   packages left in node_modules). Its peak RSS after all its reports back to back is what a worker
 *   making reports one after another reaches; a fresh child making one report is measured too.
 * - kubectl: the real binary, spawn to exit, with the same kubeconfig and a warm discovery cache, its JSON
 *   to /dev/null (checked once, in the warm-up); peak RSS and CPU from GNU time.
 * List requests are the stand-in's own counters, read before and after each run.
 * Targets (issue 12): carbon CLI ≤ 0.5× kubectl's wall time at 10,000 pods and ≤ 0.25× at 50,000; the
 * CLI's peak RSS ≤ 200 MB / ≤ 256 MB; a worker's reports back to back ≤ 256 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { loadCatalogue } from '../src/catalogue.js';
import { loadConfig } from '../src/config.js';
import type { KubeStandin } from '../src/devstack/kube/index.js';
import { Kube } from '../src/integrations/kubernetes.js';
import { createPool } from '../src/integrations/postgres.js';
import type { Chat } from '../src/integrations/slack.js';
import { healthReport } from '../src/features/health/health-report.js';
import type { JobDeps } from '../src/jobs/job.js';
import type { CommandQueue } from '../src/jobs/queue.js';
import { silentLogger } from '../src/log.js';
import { Store } from '../src/app/store.js';
import { withFreshDatabase } from '../test/support/postgres.js';
import { alternated, loadAverage, machine, median, medianAndRange } from './support/figures.js';

const MB = 1024 * 1024;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    namespaces: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    'carbon-side': { type: 'boolean', default: false },
  },
});

/** What the carbon child reports after one report. */
interface CarbonRun {
  ms: number;
  /** CPU time of the whole child process (all threads, GC included) during the report. */
  cpuMs: number;
  headline: string;
  podsTotal: number;
  blocks: number;
  progressCalls: number;
}

/** What the carbon child reports when told to finish. */
interface CarbonUsage {
  maxRssBytes: number;
  heapHighWaterBytes: number;
  runs: number;
}

type ToChild = { type: 'run' } | { type: 'finish' };
type FromChild =
  | { type: 'ready'; startRssBytes: number }
  | ({ type: 'ran' } & CarbonRun)
  | ({ type: 'usage' } & CarbonUsage)
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// The carbon side: a child process doing what the worker does for `/carbon health`, and no more.

/** Dependencies the health report never touches: a use would be a bug in this benchmark, so it is loud. */
function unused<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`the health report used ${what}.${String(property)}, which this benchmark does not provide`);
    },
  });
}

async function carbonSide(): Promise<void> {
  const send = (message: FromChild) => process.send?.(message);
  const config = loadConfig(process.env);
  const log = silentLogger();
  // As openCluster and openStore build them, without the Vault client those modules also bring in.
  const kube = Kube.fromOptions({
    kubeconfig: config.KUBECONFIG,
    requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS,
    pageSize: config.KUBE_PAGE_SIZE,
  });
  const store = new Store(createPool(config.DATABASE_URL ?? ''));
  const catalogue = await loadCatalogue(config.CATALOGUE_FILE);
  const cluster = { name: config.CLUSTER_NAME ?? kube.context, simulated: true };
  const deps: JobDeps = {
    config,
    log,
    kube,
    cluster,
    store,
    catalogue,
    chat: unused<Chat>('chat'),
    queue: unused<CommandQueue>('queue'),
  };
  const command: HealthCommand = { name: 'health' };

  let heapHighWater = 0;
  const sampleHeap = () => {
    heapHighWater = Math.max(heapHighWater, getHeapStatistics().used_heap_size);
  };
  let runs = 0;

  const runOnce = async (): Promise<CarbonRun> => {
    let progressCalls = 0;
    const progress = async () => {
      progressCalls++;
      sampleHeap();
    };
    const jobId = `bench-${randomBytes(4).toString('hex')}`;
    const data = {
      job: 'health-report' as const,
      command,
      requester: { user: 'U0BENCH', channel: 'C0BENCH' },
      reply: { channel: 'C0BENCH', ts: '0' },
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    const message = await healthReport.run({ jobId, data, deps, log, progress });
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    sampleHeap();
    runs++;
    const podsTotal = Number(/(\d+) pods in all/.exec(JSON.stringify(message.blocks))?.[1] ?? NaN);
    return {
      ms,
      cpuMs: (user + system) / 1000,
      headline: message.text.split('\n')[0] ?? '',
      podsTotal,
      blocks: message.blocks?.length ?? 0,
      progressCalls,
    };
  };

  process.on('message', (message: ToChild) => {
    if (message.type === 'run') {
      runOnce().then(
        (result) => send({ type: 'ran', ...result }),
        (error: unknown) => send({ type: 'error', message: (error as Error).stack ?? String(error) }),
      );
      return;
    }
    sampleHeap();
    const usage: CarbonUsage = {
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      heapHighWaterBytes: heapHighWater,
      runs,
    };
    void store.close().finally(() => {
      send({ type: 'usage', ...usage });
      process.disconnect();
    });
  });
  send({ type: 'ready', startRssBytes: process.memoryUsage.rss() });
}

// ---------------------------------------------------------------------------------------------
// The driver: the stand-in, both sides, the figures.

/** A carbon child, spoken to over IPC: one message out, one answer back. */
class CarbonChild {
  private readonly child: ChildProcess;
  private waiting: ((message: FromChild) => void) | undefined;
  private readonly early: FromChild[] = [];
  private exited = false;

  constructor(argv: string[], env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(process.execPath, [...argv, '--carbon-side'], {
      cwd,
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: FromChild) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(message);
      else this.early.push(message);
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      this.waiting?.({ type: 'error', message: `the carbon child exited with code ${code}` });
    });
  }

  private next(): Promise<FromChild> {
    const queued = this.early.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.reject(new Error('the carbon child has exited'));
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private async expect<K extends FromChild['type']>(type: K): Promise<Extract<FromChild, { type: K }>> {
    const message = await this.next();
    if (message.type === 'error') throw new Error(`carbon side failed:\n${message.message}`);
    if (message.type !== type) throw new Error(`carbon side: expected ${type}, got ${message.type}`);
    return message as Extract<FromChild, { type: K }>;
  }

  async ready(): Promise<number> {
    return (await this.expect('ready')).startRssBytes;
  }

  run(): Promise<CarbonRun> {
    this.child.send({ type: 'run' } satisfies ToChild);
    return this.expect('ran');
  }

  async finish(): Promise<CarbonUsage> {
    this.child.send({ type: 'finish' } satisfies ToChild);
    const usage = await this.expect('usage');
    await new Promise((resolve) => (this.exited ? resolve(undefined) : this.child.once('exit', resolve)));
    return usage;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** A process timed from spawn to exit, with its peak RSS and CPU time through GNU time when present. */
interface Timed {
  ms: number;
  /** User + system CPU time, from GNU time. */
  cpuMs: number | undefined;
  maxRssBytes: number | undefined;
  stdout?: string;
}

const GNU_TIME = '/usr/bin/time';

async function timed(
  command: string,
  args: string[],
  opts: { work: string; capture?: boolean; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<Timed> {
  const timeFile = join(opts.work, `${randomBytes(4).toString('hex')}.time`);
  const withTime = existsSync(GNU_TIME);
  const [file, argv] = withTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]] : [command, args];
  const chunks: Buffer[] = [];
  let stderr = '';
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(file, argv, {
      stdio: ['ignore', opts.capture ? 'pipe' : 'ignore', 'pipe'],
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`);
  const [kib = NaN, user = NaN, system = NaN] = withTime
    ? ((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1) ?? '').split(' ').map(Number)
    : [];
  const cpuMs = (user + system) * 1000;
  return {
    ms,
    cpuMs: Number.isFinite(cpuMs) ? cpuMs : undefined,
    maxRssBytes: Number.isFinite(kib) ? kib * 1024 : undefined,
    ...(opts.capture ? { stdout: Buffer.concat(chunks).toString('utf8') } : {}),
  };
}

const fmtMs = (ms: number) => `${Math.round(ms).toLocaleString('en-US')} ms`;
const fmtMb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`);
const fmtRatio = (x: number) => x.toFixed(2);
const defined = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

/** This file as compiled JavaScript, our sources bundled in and packages left in node_modules, under .cache/bench/. */
async function compileCarbonSide(root: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(root, '.cache', 'bench', 'health-vs-kubectl.mjs');
  await mkdir(join(root, '.cache', 'bench'), { recursive: true });
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

/** The list requests (by resource) one action made, from the stand-in's counters. */
async function counting<T>(
  standin: KubeStandin,
  action: () => Promise<T>,
): Promise<{ result: T; lists: Record<string, number>; requests: number }> {
  const before = { ...standin.stats.listRequests };
  const requestsBefore = standin.stats.requests;
  const result = await action();
  const requests = standin.stats.requests - requestsBefore;
  const lists: Record<string, number> = {};
  for (const [resource, count] of Object.entries(standin.stats.listRequests)) {
    const made = count - (before[resource] ?? 0);
    if (made > 0) lists[resource] = made;
  }
  return { result, lists, requests };
}

async function main(): Promise<void> {
  const pods = Number(values.pods);
  const namespaces = Number(values.namespaces);
  const runs = Number(values.runs);
  if (![pods, namespaces, runs].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error('--pods, --namespaces and --runs must be positive integers');
  const root = fileURLToPath(new URL('..', import.meta.url));

  // Imported here, not at the top, so that the carbon child (the same file, bundled) never evaluates the stand-in.
  const { generateScenario, startKubeStandin } = await import('../src/devstack/kube/index.js');
  const compiled = await compileCarbonSide(root);
  const loadStarted = performance.now();
  const standin = await startKubeStandin({ scenario: generateScenario({ pods, namespaces }) });
  const work = await mkdtemp(join(tmpdir(), 'carbon-bench-'));
  const children: CarbonChild[] = [];
  try {
    const kubeconfig = join(work, 'kubeconfig');
    await standin.writeBotKubeconfig(kubeconfig); // carbon and kubectl both read as the bot's ServiceAccount
    console.log(
      `stand-in at ${standin.url}: ${pods.toLocaleString('en-US')} pods in ${namespaces} namespaces, loaded in ${fmtMs(performance.now() - loadStarted)}`,
    );
    console.log(machine());

    await withFreshDatabase({ adminUrl: ADMIN_URL, prefix: 'carbon_bench' }, async (databaseUrl) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        KUBECONFIG: kubeconfig,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'silent',
        CLUSTER_NAME: 'bench',
        CARBON_DATA_DIR: join(work, 'carbon'),
      };
      delete env.DATABASE_MIGRATION_URL;
      const child = () => {
        const made = new CarbonChild([compiled], env, root);
        children.push(made);
        return made;
      };
      await compare(standin, child, { pods, runs, kubeconfig, work, root, env });
    });
  } finally {
    for (const child of children) child.kill();
    await standin.close();
    await rm(work, { recursive: true, force: true });
  }
}

interface Side<T> {
  result: T;
  lists: Record<string, number>;
}

async function compare(
  standin: KubeStandin,
  child: () => CarbonChild,
  opts: { pods: number; runs: number; kubeconfig: string; work: string; root: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  const { pods, runs, kubeconfig, work, root, env } = opts;
  const expectedPages = Math.ceil(pods / 500);
  const cacheDir = join(work, 'kube-cache');
  const kubectlArgs = ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, 'get', 'pods', '-A', '-o', 'json'];
  const cliArgs = [join(root, 'bin', 'carbon.js'), 'run', 'health'];
  const job = child();
  await job.ready();

  const sides = {
    cli: (capture = false) =>
      counting(standin, () => timed(process.execPath, cliArgs, { work, env, cwd: root, capture })),
    job: () => counting(standin, () => job.run()),
    kubectl: (capture = false) => counting(standin, () => timed('kubectl', kubectlArgs, { work, capture })),
  };

  // Warm-up: JIT, connections, kubectl's discovery cache, the OS's file cache; and a check that every side sees every pod.
  const warm = { job: await sides.job(), kubectl: await sides.kubectl(true), cli: await sides.cli(true) };
  const kubectlItems = (JSON.parse(warm.kubectl.result.stdout ?? '{}') as { items?: unknown[] }).items?.length;
  const cliPods = Number(/(\d+) pods in all/.exec(warm.cli.result.stdout ?? '')?.[1] ?? NaN);
  console.log(
    `warm-up: job ${fmtMs(warm.job.result.ms)} ("${warm.job.result.headline}", ${warm.job.result.podsTotal} pods, ` +
      `${warm.job.result.progressCalls} progress calls); CLI ${fmtMs(warm.cli.result.ms)} (${cliPods} pods); ` +
      `kubectl ${fmtMs(warm.kubectl.result.ms)} (${kubectlItems} items, ${(Buffer.byteLength(warm.kubectl.result.stdout ?? '') / MB).toFixed(1)} MB of JSON)`,
  );
  if (warm.job.result.podsTotal !== pods || kubectlItems !== pods || cliPods !== pods)
    throw new Error(`expected ${pods} pods on every side`);

  const loadBefore = loadAverage();
  let round = 0;
  const results = (await alternated<Side<Timed> | Side<CarbonRun>>(
    {
      cli: () => sides.cli(),
      job: () => sides.job(),
      kubectl: async () => {
        const k = await sides.kubectl();
        console.log(`round ${++round} done, load average ${loadAverage()}`);
        return k;
      },
    },
    runs,
  )) as { cli: Side<Timed>[]; job: Side<CarbonRun>[]; kubectl: Side<Timed>[] };
  const loadAfter = loadAverage();
  const worker = await job.finish();

  // A fresh process making exactly one report: what one report costs from a cold start.
  const fresh = child();
  const spawned = performance.now();
  const freshStart = await fresh.ready();
  const freshStartMs = performance.now() - spawned;
  const freshRun = await fresh.run();
  const freshUsage = await fresh.finish();

  const ms = (side: { result: { ms: number } }[]) => side.map((r) => r.result.ms);
  const cli = ms(results.cli);
  const jobMs = ms(results.job);
  const kubectlMs = ms(results.kubectl);
  // Ratios per round (each side's run of the same round, minutes apart at most), and of the medians.
  const perRound = (xs: number[]) => xs.map((x, i) => x / kubectlMs[i]!);
  const cliRss = defined(results.cli.map((r) => r.result.maxRssBytes));
  const kubectlRss = defined(results.kubectl.map((r) => r.result.maxRssBytes));
  const listsOf = (lists: Record<string, number>) =>
    Object.entries(lists)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  const large = pods >= 50_000;
  const [timeTarget, rssTarget] = large ? [0.25, 256] : [0.5, 200];

  console.log('');
  console.log(
    `| ${pods.toLocaleString('en-US')} pods, median (range) of ${runs} alternated rounds | carbon CLI | carbon job | kubectl get pods -A -o json |`,
  );
  console.log('|---|---:|---:|---:|');
  console.log(
    `| wall time | ${medianAndRange(cli, fmtMs)} | ${medianAndRange(jobMs, fmtMs)} | ${medianAndRange(kubectlMs, fmtMs)} |`,
  );
  console.log(
    `| CPU time (user + system) | ${medianAndRange(defined(results.cli.map((r) => r.result.cpuMs)), fmtMs)} | ` +
      `${medianAndRange(
        results.job.map((r) => r.result.cpuMs),
        fmtMs,
      )} | ${medianAndRange(defined(results.kubectl.map((r) => r.result.cpuMs)), fmtMs)} |`,
  );
  console.log(
    `| peak RSS | ${medianAndRange(cliRss, fmtMb)} (whole process) | ${fmtMb(worker.maxRssBytes)} (${worker.runs} reports back to back); ` +
      `${fmtMb(freshUsage.maxRssBytes)} (fresh process, 1 report) | ${medianAndRange(kubectlRss, fmtMb)} |`,
  );
  console.log(
    `| requests per run | ${listsOf(results.cli[0]?.lists ?? {})} | ${listsOf(results.job[0]?.lists ?? {})} | ${listsOf(results.kubectl[0]?.lists ?? {})} |`,
  );
  console.log('');
  console.log(`load average: ${loadBefore} before the rounds, ${loadAfter} after`);
  console.log(
    `carbon job child (compiled): RSS ${fmtMb(freshStart)} when ready (modules, clients, catalogue); a fresh one started in ` +
      `${fmtMs(freshStartMs)} and made its report in ${fmtMs(freshRun.ms)}; heap used high-water ${fmtMb(worker.heapHighWaterBytes)}.`,
  );
  console.log('');
  const cliRatio = median(cli) / median(kubectlMs);
  const jobRatio = median(jobMs) / median(kubectlMs);
  console.log(
    `CLI vs CLI, wall time carbon / kubectl: ${fmtRatio(cliRatio)} (per round ${medianAndRange(perRound(cli), fmtRatio)}; ` +
      `target ≤ ${timeTarget}: ${verdict(cliRatio <= timeTarget)})`,
  );
  console.log(
    `job vs kubectl, wall time: ${fmtRatio(jobRatio)} (per round ${medianAndRange(perRound(jobMs), fmtRatio)}; ` +
      `target ≤ ${timeTarget}: ${verdict(jobRatio <= timeTarget)})`,
  );
  const cliPeak = cliRss.length ? Math.max(...cliRss) : undefined;
  console.log(
    `peak RSS of carbon run health: ${fmtMb(cliPeak)} at most (target ≤ ${rssTarget} MB: ${verdict(cliPeak !== undefined && cliPeak <= rssTarget * MB)})`,
  );
  console.log(
    `peak RSS of a worker's reports back to back: ${fmtMb(worker.maxRssBytes)} (target ≤ 256 MB: ${verdict(worker.maxRssBytes <= 256 * MB)})`,
  );
  const podLists = results.job.map((r) => r.lists.pods ?? 0);
  console.log(
    `pod list requests per report: ${[...new Set(podLists)].join('/')} (⌈${pods}/500⌉ = ${expectedPages}: ${verdict(podLists.every((n) => n === expectedPages))})`,
  );
}

if (values['carbon-side']) {
  await carbonSide();
} else {
  await main();
}
