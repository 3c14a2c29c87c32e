/**
 * Redis commands per health job: a real `/carbon health` job on a generated cluster (10,000 pods in 100
 * namespaces by default, the Kubernetes stand-in as in bench/health-vs-kubectl.ts), queued and run through
 * BullMQ on a redis-server of this bench's own (no persistence, a Unix socket in a temporary folder), its
 * commands counted with MONITOR.
 *
 *   npx tsx bench/health-redis-commands.ts [--pods 10000] [--namespaces 100] [--runs 3]
 *
 * What a run counts: every command any client of ours sends (the bot's enqueue, the worker's fetch, lock,
 * progress writes and completion, on all three connections), from the enqueue to the worker's `completed`
 * event plus 200 ms, one job at a time; `executed` adds the commands BullMQ's Lua scripts run inside Redis
 * (MONITOR shows them as `lua`). The MONITOR connection's own commands are not counted. The worker is built
 * as buildWorker builds a terminal session's (a private queue: no approvals sweep, no status schedule, whose
 * periodic commands belong to no job); Slack is a counting stand-in for `Chat` (edits of the reply counted).
 * A progress write is an EVALSHA whose arguments carry the `{"text":…}` BullMQ stores as the job's progress.
 * One warm-up job, then `--runs` jobs; median and range of each figure.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWorker } from '../src/app/worker.js';
import { REGISTRY } from '../src/app/jobs.js';
import { Store } from '../src/app/store.js';
import { loadCatalogue } from '../src/catalogue.js';
import { loadConfig } from '../src/config.js';
import type { HealthCommand } from '../src/contracts/commands.js';
import type { JobData } from '../src/contracts/jobs.js';
import { generateScenario, startKubeStandin } from '../src/devstack/kube/index.js';
import { Kube } from '../src/integrations/kubernetes.js';
import { createPool } from '../src/integrations/postgres.js';
import { redisConnection } from '../src/integrations/redis.js';
import type { Chat } from '../src/integrations/slack.js';
import { CommandQueue } from '../src/jobs/queue.js';
import { silentLogger } from '../src/log.js';
import type { Message } from '../src/message.js';
import { withFreshDatabase } from '../test/support/postgres.js';
import { PrivateRedis } from '../test/support/private-redis.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    namespaces: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});

interface JobCount {
  sent: number;
  executed: number;
  progress: number;
  slackEdits: number;
  byCommand: Record<string, number>;
  ms: number;
}

/** Chat for the worker: each edit of the reply counted, the final report resolving `done`. */
class CountingChat implements Chat {
  edits = 0;
  private waiting: ((text: string) => void) | undefined;

  async post(): Promise<string> {
    return '1.0';
  }
  async findPosted(): Promise<string | undefined> {
    return undefined;
  }
  async update(_channel: string, _ts: string, message: Message): Promise<void> {
    this.edits++;
    if (!message.text.startsWith('⏳')) this.waiting?.(message.text);
  }
  async ephemeral(): Promise<void> {}
  async upload(): Promise<void> {}
  async channelName(): Promise<string | undefined> {
    return 'bench';
  }
  /** Resolves with the text of the next edit that is not a progress line. */
  result(): Promise<string> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

/** One line of MONITOR: the command's name, whether a Lua script ran it, the whole line. */
interface Seen {
  name: string;
  lua: boolean;
  line: string;
}

/** `redis-cli MONITOR` on the private server, each line it prints pushed onto `seen`; resolves once it is on. */
async function watch(socket: string, seen: Seen[]): Promise<ChildProcess> {
  const child = spawn('redis-cli', ['-s', socket, 'MONITOR'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'OK') return resolve();
      const match = /^\S+ \[\d+ ([^\]]+)\] "([^"]*)"/.exec(line);
      if (match) seen.push({ name: match[2]!.toLowerCase(), lua: match[1] === 'lua', line });
    });
  });
  return child;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const figure = (xs: number[]) => `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})`;

async function main(): Promise<void> {
  const [pods, namespaces, runs] = [values.pods, values.namespaces, values.runs].map(Number) as [
    number,
    number,
    number,
  ];
  const redis = await new PrivateRedis().start();
  const standin = await startKubeStandin({ scenario: generateScenario({ pods, namespaces }) });
  const work = await mkdtemp(join(tmpdir(), 'carbon-bench-redis-'));
  try {
    const kubeconfig = join(work, 'kubeconfig');
    await standin.writeBotKubeconfig(kubeconfig);
    console.log(
      `${pods.toLocaleString('en-US')} pods in ${namespaces} namespaces; machine: ${cpus().length} × ` +
        `${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ` +
        loadavg()
          .map((l) => l.toFixed(2))
          .join(' '),
    );
    await withFreshDatabase({ adminUrl: ADMIN_URL, prefix: 'carbon_bench' }, async (databaseUrl) => {
      const counts = await measure({ kubeconfig, databaseUrl, redisUrl: redis.url, runs });
      report(counts.slice(1), pods);
    });
  } finally {
    await standin.close();
    await redis.close();
    await rm(work, { recursive: true, force: true });
  }
}

async function measure(opts: { kubeconfig: string; databaseUrl: string; redisUrl: string; runs: number }) {
  const config = {
    ...loadConfig({ KUBECONFIG: opts.kubeconfig, DATABASE_URL: opts.databaseUrl, CLUSTER_NAME: 'bench' }),
    REDIS_URL: opts.redisUrl, // a socket path, which ioredis takes where it takes a URL
  };
  const log = silentLogger();
  const kube = Kube.fromOptions({
    kubeconfig: config.KUBECONFIG,
    requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS,
    pageSize: config.KUBE_PAGE_SIZE,
  });
  const store = new Store(createPool(opts.databaseUrl));
  const chat = new CountingChat();
  const catalogue = await loadCatalogue(config.CATALOGUE_FILE);
  const queueName = `bench-redis-${randomBytes(4).toString('hex')}`;
  const worker = await buildWorker(
    { config, log, kube, cluster: { name: 'bench', simulated: true }, store, catalogue, chat },
    { queueName, concurrency: 1, statusSchedule: false, privateQueue: true },
  );
  const producer = redisConnection(opts.redisUrl, 'producer');
  const bot = new CommandQueue(queueName, producer, REGISTRY);
  const seen: Seen[] = [];
  const monitor = await watch(opts.redisUrl, seen);
  const counts: JobCount[] = [];
  try {
    for (let run = 0; run <= opts.runs; run++) counts.push(await oneJob(bot, chat, worker.worker, seen));
  } finally {
    monitor.kill();
    await bot.close();
    producer.disconnect();
    await worker.close();
    await store.close();
  }
  return counts;
}

async function oneJob(
  bot: CommandQueue,
  chat: CountingChat,
  worker: Awaited<ReturnType<typeof buildWorker>>['worker'],
  seen: Seen[],
): Promise<JobCount> {
  const command: HealthCommand = { name: 'health' };
  const data: JobData = {
    job: 'health-report',
    command,
    requester: { user: 'U0BENCH', channel: 'C0BENCH' },
    reply: { channel: 'C0BENCH', ts: '1.0' },
  };
  await new Promise((resolve) => setTimeout(resolve, 200)); // the previous job's tail out of the window
  seen.length = 0;
  chat.edits = 0;
  const completed = new Promise((resolve) => worker.once('completed', resolve));
  const result = chat.result();
  const started = performance.now();
  await bot.enqueue(data);
  const text = await result;
  await completed;
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 200)); // MONITOR's lines arrive after the replies
  if (!text.startsWith('Platform health')) throw new Error(`unexpected result: ${text}`);
  const sent = seen.filter((c) => !c.lua);
  const byCommand: Record<string, number> = {};
  for (const c of sent) byCommand[c.name] = (byCommand[c.name] ?? 0) + 1;
  const progress = sent.filter((c) => c.name === 'evalsha' && c.line.includes('{\\"text\\":')).length;
  return { sent: sent.length, executed: seen.length, progress, slackEdits: chat.edits, byCommand, ms };
}

function report(counts: JobCount[], pods: number): void {
  console.log(
    `\n| per health job, ${pods.toLocaleString('en-US')} pods, median (range) of ${counts.length} | figure |`,
  );
  console.log('|---|---|');
  console.log(`| Redis commands sent by our clients | ${figure(counts.map((c) => c.sent))} |`);
  console.log(`| of which progress writes | ${figure(counts.map((c) => c.progress))} |`);
  console.log(`| commands executed (with those BullMQ's scripts run) | ${figure(counts.map((c) => c.executed))} |`);
  console.log(`| Slack edits of the reply (progress + the report) | ${figure(counts.map((c) => c.slackEdits))} |`);
  console.log(`| job time, enqueue to completed | ${figure(counts.map((c) => Math.round(c.ms)))} ms |`);
  const names = [...new Set(counts.flatMap((c) => Object.keys(c.byCommand)))].sort();
  console.log(
    `commands sent, by name (median): ${names.map((n) => `${n} ${median(counts.map((c) => c.byCommand[n] ?? 0))}`).join(', ')}`,
  );
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
