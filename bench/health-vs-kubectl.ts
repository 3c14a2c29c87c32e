import type { HealthCommand } from '../src/contracts/commands.js';
/**
 * The health report against `kubectl get pods -A -o json`, side by side in one run, on a generated
 * cluster (10,000 pods in 100 namespaces by default) served by the Kubernetes stand-in.
 *
 *   npx tsx bench/health-vs-kubectl.ts [--pods 10000] [--namespaces 100] [--runs 5]
 *
 * This process serves the stand-in and drives both sides; neither side runs in it:
 * - carbon: a child process that holds only what the health report needs, built as the worker builds
 *   it (loadConfig; a Kube with KUBE_PAGE_SIZE and KUBE_REQUEST_TIMEOUT_MS as openCluster makes it; the
 *   Store with its migrations; the catalogue), running the real job, `healthReport.run`: list pods in
 *   pages, list deployments and statefulsets, measure, read the previous snapshot, INSERT this one
 *   into PostgreSQL (a temporary database, dropped at the end), render the Block Kit message.
 *   Progress callbacks are counted, not sent (the worker forwards them, coalesced, to Redis and Slack).
 *   The child runs as the image runs it, compiled JavaScript on plain `node`: this file is bundled
 *   with esbuild (our sources only, packages stay in node_modules) into .cache/bench/. A second child
 *   runs the same code through tsx (`node --import tsx`, as `npx carbon worker` does in a checkout),
 *   to show what the TypeScript loader adds.
 * - kubectl: the real binary on PATH, with a kubeconfig the stand-in wrote (its default --chunk-size
 *   is 500 too); its JSON goes to /dev/null (it is parsed and checked once, in the warm-up).
 * One warm-up of each, then `--runs` rounds of carbon then kubectl; medians are compared.
 *
 * Memory: the child's peak resident set, `process.resourceUsage().maxRSS` (the kernel's ru_maxrss),
 * read after its last report; reported for the timed child (warm-up + runs), for fresh children that
 * make a single report (compiled, and under tsx), and for a third compiled child that makes the same
 * series of reports with V8's old space capped (--max-old-space-size=128), which shows what the reports
 * need as opposed to how far V8 lets the heap grow on a machine with 24 GB. kubectl's peak RSS and CPU
 * time come from GNU time (%M %U %S); the child's CPU time from process.cpuUsage(). List requests are
 * the stand-in's own counters (`stats.listRequests`, `stats.requests`), read before and after each run.
 * Targets: time ratio ≤ 1.0, peak memory ≤ 256 MB, pod list requests = ⌈pods / 500⌉.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
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

const MB = 1024 * 1024;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The old-space cap of the third carbon child (V8's default on this 24 GB machine is 4 GB). */
const CAPPED_OLD_SPACE_MB = 128;

/** compiled: plain node on the bundle (as in the image); tsx: the sources through tsx (as in a checkout); capped: compiled, old space capped. */
type How = 'compiled' | 'tsx' | 'capped';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    namespaces: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
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

interface KubectlRun {
  ms: number;
  /** User + system CPU time, from GNU time. */
  cpuMs: number | undefined;
  maxRssBytes: number | undefined;
  stdout?: string;
}

const GNU_TIME = '/usr/bin/time';

/** `kubectl get pods -A -o json`, timed from spawn to exit; its peak RSS through GNU time when present. */
async function kubectl(kubeconfig: string, cacheDir: string, work: string, capture: boolean): Promise<KubectlRun> {
  const args = ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, 'get', 'pods', '-A', '-o', 'json'];
  const timeFile = join(work, 'kubectl.time');
  const withTime = existsSync(GNU_TIME);
  const [command, argv] = withTime
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, 'kubectl', ...args]]
    : ['kubectl', args];
  const chunks: Buffer[] = [];
  let stderr = '';
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`kubectl exited with ${code}: ${stderr}`);
  const [kib = NaN, user = NaN, system = NaN] = withTime
    ? ((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1) ?? '').split(' ').map(Number)
    : [];
  const cpuMs = (user + system) * 1000;
  return {
    ms,
    cpuMs: Number.isFinite(cpuMs) ? cpuMs : undefined,
    maxRssBytes: Number.isFinite(kib) ? kib * 1024 : undefined,
    ...(capture ? { stdout: Buffer.concat(chunks).toString('utf8') } : {}),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmtMs = (ms: number) => `${Math.round(ms).toLocaleString('en-US')} ms`;
const fmtMb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(0)} MB`);

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
    const cacheDir = join(work, 'kube-cache');
    console.log(
      `stand-in at ${standin.url}: ${pods.toLocaleString('en-US')} pods in ${namespaces} namespaces, loaded in ${fmtMs(performance.now() - loadStarted)}`,
    );
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    await withFreshDatabase({ adminUrl: ADMIN_URL, prefix: 'carbon_bench' }, async (databaseUrl) => {
      const env = {
        ...process.env,
        KUBECONFIG: kubeconfig,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'silent',
        CLUSTER_NAME: 'bench',
      };
      const child = (how: How) => {
        const argv =
          how === 'tsx'
            ? ['--import', 'tsx', fileURLToPath(import.meta.url)]
            : how === 'capped'
              ? [`--max-old-space-size=${CAPPED_OLD_SPACE_MB}`, compiled]
              : [compiled];
        const made = new CarbonChild(argv, env, root);
        children.push(made);
        return made;
      };
      await compare(standin, child, { pods, runs, kubeconfig, cacheDir, work });
    });
  } finally {
    for (const child of children) child.kill();
    await standin.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function compare(
  standin: KubeStandin,
  child: (how: How) => CarbonChild,
  opts: { pods: number; runs: number; kubeconfig: string; cacheDir: string; work: string },
): Promise<void> {
  const { pods, runs, kubeconfig, cacheDir, work } = opts;
  const expectedPages = Math.ceil(pods / 500);

  const carbon = child('compiled');
  const startRss = await carbon.ready();

  // Warm-up: JIT, connections, kubectl's discovery cache; and a check that both sides see every pod.
  const warmCarbon = await counting(standin, () => carbon.run());
  const warmKubectl = await counting(standin, () => kubectl(kubeconfig, cacheDir, work, true));
  const kubectlItems = (JSON.parse(warmKubectl.result.stdout ?? '{}') as { items?: unknown[] }).items?.length;
  console.log(
    `warm-up: carbon ${fmtMs(warmCarbon.result.ms)} ("${warmCarbon.result.headline}", ${warmCarbon.result.podsTotal} pods, ${warmCarbon.result.blocks} blocks, ` +
      `${warmCarbon.result.progressCalls} progress calls); kubectl ${fmtMs(warmKubectl.result.ms)} (${kubectlItems} items, ` +
      `${(Buffer.byteLength(warmKubectl.result.stdout ?? '') / MB).toFixed(1)} MB of JSON)`,
  );
  if (warmCarbon.result.podsTotal !== pods || kubectlItems !== pods)
    throw new Error(`expected ${pods} pods on both sides`);

  const carbonRuns: { ms: number; cpuMs: number; lists: Record<string, number>; requests: number }[] = [];
  const kubectlRuns: {
    ms: number;
    cpuMs: number | undefined;
    rss: number | undefined;
    lists: Record<string, number>;
    requests: number;
  }[] = [];
  for (let i = 0; i < runs; i++) {
    const c = await counting(standin, () => carbon.run());
    carbonRuns.push({ ms: c.result.ms, cpuMs: c.result.cpuMs, lists: c.lists, requests: c.requests });
    const k = await counting(standin, () => kubectl(kubeconfig, cacheDir, work, false));
    kubectlRuns.push({
      ms: k.result.ms,
      cpuMs: k.result.cpuMs,
      rss: k.result.maxRssBytes,
      lists: k.lists,
      requests: k.requests,
    });
    console.log(
      `run ${i + 1}: carbon ${fmtMs(c.result.ms)} ${JSON.stringify(c.lists)}   kubectl ${fmtMs(k.result.ms)} ${JSON.stringify(k.lists)}`,
    );
  }
  const usage = await carbon.finish();

  // Peak memory of processes that make exactly one report from a cold start: compiled, then under tsx.
  const single = async (how: How) => {
    const spawned = performance.now();
    const c = child(how);
    const start = await c.ready();
    const startUpMs = performance.now() - spawned;
    const run = await c.run();
    return { start, startUpMs, run, usage: await c.finish() };
  };
  const fresh = await single('compiled');
  const freshTsx = await single('tsx');

  // The same series of reports back to back with V8's old space capped: what the reports need, rather
  // than what V8 lets the heap grow to on a machine with plenty of memory.
  const capped = child('capped');
  await capped.ready();
  const cappedRuns: CarbonRun[] = [];
  for (let i = 0; i <= runs; i++) cappedRuns.push(await capped.run());
  const cappedUsage = await capped.finish();

  const carbonMs = median(carbonRuns.map((r) => r.ms));
  const kubectlMs = median(kubectlRuns.map((r) => r.ms));
  const ratio = carbonMs / kubectlMs;
  const podLists = carbonRuns.map((r) => r.lists.pods ?? 0);
  const peak = Math.max(usage.maxRssBytes, fresh.usage.maxRssBytes);
  const kubectlRss = kubectlRuns.map((r) => r.rss).filter((r): r is number => r !== undefined);
  const listsOf = (lists: Record<string, number>) =>
    Object.entries(lists)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

  console.log('');
  console.log(`| ${pods.toLocaleString('en-US')} pods | carbon health report | kubectl get pods -A -o json |`);
  console.log('|---|---:|---:|');
  console.log(`| wall time, median of ${runs} | ${fmtMs(carbonMs)} | ${fmtMs(kubectlMs)} |`);
  const kubectlCpu = kubectlRuns.map((r) => r.cpuMs).filter((c): c is number => c !== undefined);
  console.log(
    `| CPU time (user + system), median | ${fmtMs(median(carbonRuns.map((r) => r.cpuMs)))} | ${kubectlCpu.length ? fmtMs(median(kubectlCpu)) : 'n/a'} |`,
  );
  console.log(
    `| each run (ms) | ${carbonRuns.map((r) => Math.round(r.ms)).join(', ')} | ${kubectlRuns.map((r) => Math.round(r.ms)).join(', ')} |`,
  );
  console.log(
    `| peak RSS | ${fmtMb(usage.maxRssBytes)} (${usage.runs} reports in one process) | ${kubectlRss.length ? fmtMb(Math.max(...kubectlRss)) : 'n/a'} |`,
  );
  console.log(
    `| peak RSS, fresh process, 1 report | ${fmtMb(fresh.usage.maxRssBytes)} (${fmtMb(freshTsx.usage.maxRssBytes)} under tsx) | |`,
  );
  console.log(
    `| peak RSS, ${runs + 1} reports, --max-old-space-size=${CAPPED_OLD_SPACE_MB} | ${fmtMb(cappedUsage.maxRssBytes)} (median ${fmtMs(median(cappedRuns.slice(1).map((r) => r.ms)))}, CPU ${fmtMs(median(cappedRuns.slice(1).map((r) => r.cpuMs)))} a report) | |`,
  );
  console.log(
    `| list requests per run | ${listsOf(carbonRuns[0]?.lists ?? {})} (${carbonRuns[0]?.requests} requests in all) | ` +
      `${listsOf(kubectlRuns[0]?.lists ?? {})} (${kubectlRuns[0]?.requests} requests in all) |`,
  );
  console.log('');
  console.log(
    `carbon child, compiled: RSS ${fmtMb(startRss)} when ready (modules, clients, migrations), V8 heap used high-water ${fmtMb(usage.heapHighWaterBytes)} ` +
      `(sampled at each page and after each report); a fresh process took ${fmtMs(fresh.startUpMs)} to start (node, modules, ` +
      `migrations) and ${fmtMs(fresh.run.ms)} for its one report.`,
  );
  console.log(
    `carbon child under tsx: RSS ${fmtMb(freshTsx.start)} when ready, ${fmtMb(freshTsx.usage.maxRssBytes)} peak after one report (${fmtMs(freshTsx.run.ms)}).`,
  );
  console.log('');
  console.log(
    `time ratio carbon / kubectl: ${ratio.toFixed(2)} (target ≤ 1.0: ${verdict(ratio <= 1)})` +
      (kubectlCpu.length
        ? `; CPU time ratio ${(median(carbonRuns.map((r) => r.cpuMs)) / median(kubectlCpu)).toFixed(2)}`
        : ''),
  );
  console.log(`peak memory, carbon side (compiled): ${fmtMb(peak)} (target ≤ 256 MB: ${verdict(peak <= 256 * MB)})`);
  console.log(
    `pod list requests per report: ${[...new Set(podLists)].join('/')} (target exactly ⌈${pods}/500⌉ = ${expectedPages}: ${verdict(podLists.every((n) => n === expectedPages))}); ` +
      `kubectl made ${[...new Set(kubectlRuns.map((r) => r.lists.pods ?? 0))].join('/')}`,
  );
}

if (values['carbon-side']) {
  await carbonSide();
} else {
  await main();
}
