import { REGISTRY } from '../src/app/jobs.js';
import { COMMANDS } from '../src/app/commands.js';
/**
 * Slash-command ack latency under a steady load of correctly signed `/carbon health` requests: the real
 * bot beside a bare Bolt app that only acks, as the reference.
 *
 *   npx tsx bench/slack-ack.ts [--rate 50] [--seconds 20] [--warmup 2] [--repeat 3]
 *
 * Four processes on loopback, so that nothing measured shares an event loop with the measuring:
 * - this one, the load generator: open loop (request i is sent at start + i / rate whether or not the
 *   earlier ones were answered), each a signed form POST as Slack sends it (`sendSlashCommand`, a unique
 *   trigger_id each); latency = from the POST to the end of the response, as the sender sees it;
 * - the Slack stand-in (the Web API the bot posts its "queued" message to), in a child;
 * - the app under test, in a child (`node --import tsx`): either the bot as `carbon bot` builds it
 *   (startSlackApp in HTTP mode, the example policy, the catalogue, the Store on a temporary PostgreSQL
 *   database with its migrations, a CommandQueue on a real Redis under a random queue name, logs at
 *   info to /dev/null) or a bare Bolt App on the same HTTPReceiver whose `/carbon` handler only acks;
 * - Redis (REDIS_URL, default redis://127.0.0.1:6379) and PostgreSQL (postgresql://postgres@127.0.0.1:5432).
 * No worker runs: the bot's jobs wait in the queue, are counted, and the queue is obliterated (with the
 * bot's dedupe keys) at the end; the temporary database is dropped.
 * Warm-up requests (the first `--warmup` seconds) are sent but not counted. The two apps are alternated,
 * `--repeat` rounds, a fresh process each run; the figures are medians and ranges over the runs.
 * Targets (issue 12): at 200 req/s the bot's p99 ≤ 1.5× bare Bolt's; at 500 req/s ≤ 200 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { kafkaClusters, loadConfig } from '../src/config.js';
import { Closer, loadRules, openStore } from '../src/app/deps.js';
import { sendSlashCommand, startSlackStandin } from '../src/devstack/slack/index.js';
import { startSlackApp } from '../src/handlers/slack-app.js';
import { redisConnection, whenReady } from '../src/integrations/redis.js';
import { CommandQueue } from '../src/jobs/queue.js';
import { createLogger } from '../src/log.js';
import { withFreshDatabase } from '../test/support/postgres.js';
import { alternated, loadAverage, machine, median, medianAndRange } from './support/figures.js';

const SECRET = 'bench-signing-secret';
const BOT_TOKEN = 'xoxb-bench';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** A request not answered within this long counts as failed (Slack itself gives up after 3 s). */
const REQUEST_TIMEOUT_MS = 3_000;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    // The children's: which one, and what it connects to.
    serve: { type: 'string' },
    'api-url': { type: 'string', default: '' },
    'database-url': { type: 'string', default: '' },
  },
});

type Role = 'bot' | 'bare';

/** The app's own view of the measured requests: arrival to the last byte of the response, its event loop, its CPU. */
interface ServerSide {
  /** Milliseconds from a POST's arrival to its response's `finish`, in arrival order. */
  handledMs: number[];
  /** Event-loop delay (perf_hooks histogram, 10 ms resolution), milliseconds. */
  loopDelayP99: number;
  loopDelayMax: number;
  /** CPU (user + system) of the whole process while measuring, per request. */
  cpuMsPerRequest: number;
}
/** `expect`: how many jobs the bot should have queued; its work after the ack may still be finishing. */
type ToChild = { type: 'count' } | { type: 'measure' } | { type: 'finish'; expect?: number };
type FromChild =
  | { type: 'ready'; url: string }
  | { type: 'counted'; postMessages: number; calls: number }
  | { type: 'measuring' }
  | { type: 'finished'; jobs?: Record<string, number>; dedupeKeys?: number; server?: ServerSide }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// The children: the Slack stand-in, and the app under test.

const tell = (message: FromChild) => process.send?.(message);

/** Waits for the parent's `finish`, runs `close`, reports, and lets the process end by itself. */
function onFinish(
  close: (expect: number) => Promise<Omit<Extract<FromChild, { type: 'finished' }>, 'type'>>,
  count?: () => Omit<Extract<FromChild, { type: 'counted' }>, 'type'>,
  reset?: () => void,
): void {
  process.on('message', (message: ToChild) => {
    if (message.type === 'count' && count) {
      tell({ type: 'counted', ...count() });
      return;
    }
    if (message.type === 'measure') {
      reset?.();
      tell({ type: 'measuring' });
      return;
    }
    if (message.type !== 'finish') return;
    close(message.expect ?? 0).then(
      (result) => {
        tell({ type: 'finished', ...result });
        process.disconnect();
      },
      (error: unknown) => {
        tell({ type: 'error', message: (error as Error).stack ?? String(error) });
        process.disconnect();
      },
    );
  });
}

async function serveSlack(): Promise<void> {
  const slack = await startSlackStandin({ botToken: BOT_TOKEN });
  onFinish(
    async () => {
      await slack.close();
      return {};
    },
    () => ({
      postMessages: slack.calls.filter((c) => c.method === 'chat.postMessage' && c.error === undefined).length,
      calls: slack.calls.length,
    }),
  );
  tell({ type: 'ready', url: slack.url });
}

const listen = (server: Server) =>
  new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`),
    );
  });

/**
 * Watches the app's HTTP server without taking part: records each POST from arrival to `finish`, the
 * event-loop delay and the CPU used. `reset` starts the measured part (after the warm-up).
 */
function observe(server: Server): { reset(): void; report(): ServerSide } {
  let handledMs: number[] = [];
  let cpu = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') return;
    const arrived = performance.now();
    res.once('finish', () => handledMs.push(performance.now() - arrived));
  });
  return {
    reset() {
      handledMs = [];
      cpu = process.cpuUsage();
      loop.reset();
    },
    report() {
      const { user, system } = process.cpuUsage(cpu);
      loop.disable();
      return {
        handledMs,
        loopDelayP99: loop.percentile(99) / 1e6,
        loopDelayMax: loop.max / 1e6,
        cpuMsPerRequest: (user + system) / 1000 / Math.max(1, handledMs.length),
      };
    },
  };
}

/** The reference: Bolt on the same receiver, a `/carbon` handler that acks and does nothing else. */
async function serveBare(apiUrl: string): Promise<void> {
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
  const app = new App({
    token: BOT_TOKEN,
    receiver,
    clientOptions: { slackApiUrl: apiUrl },
    logLevel: LogLevel.ERROR,
    deferInitialization: true,
  });
  app.command('/carbon', async ({ ack }) => {
    await ack();
  });
  await app.init();
  const server = createServer(receiver.requestListener);
  const watch = observe(server);
  const url = await listen(server);
  onFinish(
    async () => {
      const observed = watch.report();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      return { server: observed };
    },
    undefined,
    watch.reset,
  );
  tell({ type: 'ready', url });
}

/** The bot, built as `carbon bot` builds it (without the daily status scheduler, which does nothing per request). */
async function serveBot(apiUrl: string, databaseUrl: string): Promise<void> {
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
  const log = createLogger(config.LOG_LEVEL, '/dev/null');
  const closer = new Closer();
  const { policy, catalogue } = await loadRules(config);
  const store = await openStore(config, log, closer);
  const redis = redisConnection(config.REDIS_URL, 'producer');
  await whenReady(redis);
  const queueName = `bench-ack-${randomBytes(4).toString('hex')}`;
  const queue = new CommandQueue(queueName, redis, REGISTRY);
  const slack = await startSlackApp({
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    apiUrl,
    port: 0,
    log,
    checks: { redis: () => queue.ping(), postgres: () => store.value.ping() },
    dispatch: {
      commands: COMMANDS,
      policy,
      catalogue,
      kafkaClusters: [...kafkaClusters(config).keys()],
      queue,
      store: store.value,
    },
  });
  const watch = observe(slack.server);
  onFinish(
    async (expect) => {
      // Closing waits for the work after the acks to end: the CPU reported includes all of it.
      await slack.close();
      const observed = watch.report();
      slack.server.closeAllConnections();
      // Each request's post-ack work (the "queued" post, the enqueue) may still be running: give it 5 s.
      const deadline = Date.now() + 5_000;
      while ((await queue.queue.getWaitingCount()) < expect && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const jobs = await queue.queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
      await queue.queue.obliterate({ force: true });
      // The request ids claimed by the replay guard live beside BullMQ's keys for 11 minutes: gone now, not then.
      let dedupeKeys = 0;
      for await (const keys of redis.scanStream({ match: `${queueName}:dedupe:*`, count: 500 }) as AsyncIterable<
        string[]
      >) {
        if (keys.length > 0) dedupeKeys += await redis.del(...keys);
      }
      await queue.close();
      await redis.quit();
      await closer.closeAll();
      return { jobs, dedupeKeys, server: observed };
    },
    undefined,
    watch.reset,
  );
  tell({ type: 'ready', url: `http://127.0.0.1:${(slack.server.address() as AddressInfo).port}/slack/events` });
}

// ---------------------------------------------------------------------------------------------
// The load generator.

/** A child process spoken to over IPC. */
class Child {
  private readonly child: ChildProcess;
  private readonly inbox: FromChild[] = [];
  private waiting: ((message: FromChild) => void) | undefined;
  private exited = false;
  private readonly exit: Promise<number | null>;

  constructor(args: string[]) {
    this.child = fork(fileURLToPath(import.meta.url), args, {
      // BENCH_CPU_PROF=DIR: a CPU profile of each child (start-up included).
      execArgv: [
        '--import',
        'tsx',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: FromChild) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(message);
      else this.inbox.push(message);
    });
    this.exit = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exited = true;
        this.waiting?.({ type: 'error', message: `child ${args.join(' ')} exited with code ${code}` });
        resolve(code);
      }),
    );
  }

  async receive<K extends FromChild['type']>(type: K): Promise<Extract<FromChild, { type: K }>> {
    const message =
      this.inbox.shift() ??
      (this.exited
        ? ({ type: 'error', message: 'the child has exited' } as const)
        : await new Promise<FromChild>((resolve) => (this.waiting = resolve)));
    if (message.type === 'error') throw new Error(message.message);
    if (message.type !== type) throw new Error(`expected ${type}, got ${message.type}`);
    return message as Extract<FromChild, { type: K }>;
  }

  send(message: ToChild): void {
    this.child.send(message);
  }

  /** Asks the child to clean up; resolves with what it reported and whether it then exited by itself. */
  async finish(
    expect?: number,
  ): Promise<{ result: Extract<FromChild, { type: 'finished' }>; exitedByItself: boolean }> {
    this.send({ type: 'finish', ...(expect !== undefined ? { expect } : {}) });
    const result = await this.receive('finished');
    let timer: NodeJS.Timeout | undefined;
    const exitedByItself = await Promise.race([
      this.exit.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 10_000))),
    ]);
    clearTimeout(timer);
    if (!exitedByItself) this.kill();
    return { result, exitedByItself };
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

interface Sample {
  ms: number;
  status: number | 'timeout' | 'error';
  /** How late the generator sent it, against its schedule. */
  lateMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `count` signed `/carbon health` requests at `rate` per second, open loop; resolves when all are answered. */
async function load(url: string, rate: number, count: number, label: string): Promise<Sample[]> {
  const samples: Promise<Sample>[] = [];
  const start = performance.now() + 20;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const lateMs = Math.max(0, performance.now() - due);
    const fields = {
      text: 'health',
      user_id: 'U0VIEWER',
      channel_id: 'C0GENERAL',
      channel_name: 'general',
      trigger_id: `${label}.${i}.${randomBytes(6).toString('hex')}`,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Sample>(
      (resolve) =>
        (timer = setTimeout(() => resolve({ ms: REQUEST_TIMEOUT_MS, status: 'timeout', lateMs }), REQUEST_TIMEOUT_MS)),
    );
    const sent = sendSlashCommand(url, SECRET, fields).then(
      (delivery): Sample => ({ ms: delivery.elapsedMs, status: delivery.status, lateMs }),
      (): Sample => ({ ms: NaN, status: 'error', lateMs }),
    );
    samples.push(Promise.race([sent, timeout]).finally(() => clearTimeout(timer)));
  }
  return Promise.all(samples);
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

interface Spread {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

function spread(ms: number[]): Spread {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

interface Figures extends Spread {
  count: number;
  ok: number;
  /** How late the generator sent requests against its schedule: p99 and worst. */
  lateP99: number;
  lateMax: number;
}

function figures(samples: Sample[]): Figures {
  const ok = samples.filter((s) => s.status === 200);
  const late = spread(samples.map((s) => s.lateMs));
  // A request not answered in time counts at the timeout (a tail of unanswered requests is a tail too, not a gap).
  const timed = samples.filter((s) => s.status === 200 || s.status === 'timeout').map((s) => s.ms);
  return { count: samples.length, ok: ok.length, ...spread(timed), lateP99: late.p99, lateMax: late.max };
}

interface RoleRun {
  figures: Figures;
  finished: Extract<FromChild, { type: 'finished' }>;
  exitedByItself: boolean;
  postMessages: number;
  seconds: number;
}

async function main(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const repeat = Number(values.repeat);
  if (!(rate > 0 && rate <= 500 && seconds > 0 && seconds <= 120 && warmup >= 0 && warmup <= 30 && repeat >= 1)) {
    throw new Error('--rate 1-500, --seconds 1-120, --warmup 0-30, --repeat 1 or more');
  }
  const measured = Math.round(rate * seconds);
  const warm = Math.round(rate * warmup);
  console.log(machine());
  console.log(
    `load: ${rate} signed /carbon health requests a second for ${seconds} s (${measured} measured, after ${warm} warm-up requests), ` +
      `open loop, loopback; ${repeat} alternated rounds of bare Bolt and the bot, each a fresh process`,
  );
  console.log(
    'clocks: "sender" = from the POST to the end of the response, as the load generator sees it; "in the app" = from ' +
      "the request's arrival to its response's finish, inside the app's process; CPU = the app process's user + system " +
      'while measured, per request (for the bot: the ack and the work after it)',
  );

  const children: Child[] = [];
  const spawnChild = (args: string[]) => {
    const child = new Child(args);
    children.push(child);
    return child;
  };
  try {
    await withFreshDatabase({ adminUrl: ADMIN_URL, prefix: 'carbon_bench' }, async (databaseUrl) => {
      const slack = spawnChild(['--serve', 'slack']);
      const apiUrl = (await slack.receive('ready')).url;
      // n/a: no request of the run was answered (a machine too loaded to serve any in time).
      const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(1)} ms`);
      const oneRun = async (role: Role): Promise<RoleRun> => {
        const app = spawnChild(['--serve', role, '--api-url', apiUrl, '--database-url', databaseUrl]);
        const url = (await app.receive('ready')).url;
        slack.send({ type: 'count' });
        const postsBefore = (await slack.receive('counted')).postMessages;
        await load(url, rate, warm, `${role}-warmup`);
        app.send({ type: 'measure' });
        await app.receive('measuring');
        const started = performance.now();
        const samples = await load(url, rate, measured, role);
        const elapsed = (performance.now() - started) / 1000;
        const { result, exitedByItself } = await app.finish(role === 'bot' ? warm + measured : 0);
        slack.send({ type: 'count' });
        const postsAfter = (await slack.receive('counted')).postMessages;
        const f = figures(samples);
        const server = result.server;
        console.log(
          `  ${role.padEnd(4)} ${f.ok}/${f.count} answered 200 in ${elapsed.toFixed(1)} s; sender p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, max ${ms(f.max)}` +
            (server
              ? `; in the app p99 ${ms(spread(server.handledMs).p99)}; loop delay p99 ${ms(server.loopDelayP99)}; CPU ${ms(server.cpuMsPerRequest)} a request`
              : '') +
            `; generator late p99 ${ms(f.lateP99)}  (load ${loadAverage()})`,
        );
        return {
          figures: f,
          finished: result,
          exitedByItself,
          postMessages: postsAfter - postsBefore,
          seconds: elapsed,
        };
      };
      const results = await alternated({ bare: () => oneRun('bare'), bot: () => oneRun('bot') }, repeat);
      const slackDone = await slack.finish();
      const bare = results['bare'] ?? [];
      const bot = results['bot'] ?? [];

      const total = warm + measured;
      console.log('');
      const of = (runs: RoleRun[], pick: (r: RoleRun) => number | undefined) =>
        runs.map(pick).filter((x): x is number => x !== undefined);
      for (const [name, runs] of [
        ['bare Bolt, ack only', bare],
        ['carbon-ops bot', bot],
      ] as const) {
        console.log(
          `${name}: sender p50 ${medianAndRange(
            of(runs, (r) => r.figures.p50),
            ms,
          )}; sender p99 ${medianAndRange(
            of(runs, (r) => r.figures.p99),
            ms,
          )}; ` +
            `in the app p99 ${medianAndRange(
              of(runs, (r) => r.finished.server && spread(r.finished.server.handledMs).p99),
              ms,
            )}; CPU a request ${medianAndRange(
              of(runs, (r) => r.finished.server?.cpuMsPerRequest),
              ms,
            )}; answered ${runs.reduce((n, r) => n + r.figures.ok, 0)}/${runs.reduce((n, r) => n + r.figures.count, 0)}`,
        );
      }
      const p99Ratio = bot.map((b, i) => b.figures.p99 / bare[i]!.figures.p99);
      const cpuRatio = bot.map(
        (b, i) => (b.finished.server?.cpuMsPerRequest ?? NaN) / (bare[i]!.finished.server?.cpuMsPerRequest ?? NaN),
      );
      console.log(
        `bot / bare in the same round: sender p99 ${medianAndRange(p99Ratio)}×, CPU a request ${medianAndRange(cpuRatio)}×`,
      );
      const botP99 = median(bot.map((b) => b.figures.p99));
      console.log(
        `targets (issue 12): at 200 req/s bot p99 ≤ 1.5× bare's: ${median(p99Ratio) <= 1.5 ? 'met' : 'NOT MET'} here (${median(p99Ratio).toFixed(2)}×); ` +
          `at 500 req/s ≤ 200 ms: ${botP99 <= 200 ? 'met' : 'NOT MET'} here (${ms(botP99)}) [rate of this run: ${rate} req/s]`,
      );
      for (const b of bot) {
        const jobs = b.finished.jobs ?? {};
        if (b.postMessages !== total || (jobs.waiting ?? 0) !== total)
          console.log(
            `WARNING: a bot run did not queue every request once: ${b.postMessages} "queued" posts, jobs ${JSON.stringify(jobs)}, expected ${total}`,
          );
      }
      console.log(
        `bot side effects checked: each run ${total} "queued" messages and ${total} waiting jobs expected (warm-up included); ` +
          `queues obliterated, ${bot.reduce((n, b) => n + (b.finished.dedupeKeys ?? 0), 0)} dedupe keys deleted`,
      );
      console.log(`load average at the end: ${loadAverage()}`);
      const all = [...bare, ...bot];
      console.log(
        `children exited by themselves: ${all.every((r) => r.exitedByItself) && slackDone.exitedByItself ? 'all' : 'NOT all'}`,
      );
    });
  } finally {
    for (const child of children) child.kill();
  }
}

switch (values.serve) {
  case undefined:
    await main();
    break;
  case 'slack':
    await serveSlack();
    break;
  case 'bare':
    await serveBare(values['api-url']);
    break;
  case 'bot':
    await serveBot(values['api-url'], values['database-url']);
    break;
  default:
    throw new Error(`--serve slack|bare|bot, not ${values.serve}`);
}
