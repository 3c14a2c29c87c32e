import type { Server } from 'node:http';
import { QueueEvents, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { keepApprovalsSwept } from '../approvals/sweep.js';
import { REGISTRY } from './jobs.js';
import { requireFor, type Config } from '../config.js';
import { Closer, loadRules, openCluster, openStore } from './deps.js';
import { metricsRoute, probeRoutes, serveProbes } from '../handlers/probes.js';
import { createSlackClient, slackChat } from '../integrations/slack.js';
import { onReady, redisConnection, watchRedisSetup, whenReady } from '../integrations/redis.js';
import { CommandQueue } from '../jobs/queue.js';
import { keepStatusScheduled } from '../features/status/scheduler.js';
import { STATUS_SCHEDULER_ID } from '../features/status/schedule.js';
import { startWorker } from '../jobs/runner.js';
import type { JobData } from '../contracts/jobs.js';
import type { JobDeps } from '../jobs/job.js';
import { redactUrl, type Logger } from '../log.js';
import { queueViewSettings, serveQueueView, type QueueViewSettings } from './queue-view.js';
import { PromMetrics } from '../integrations/metrics.js';
import { paceChannel } from '../features/incidents/pace.js';
import { startPodWatch, type PodWatch, type PodWatchOptions } from '../features/incidents/pod-watch.js';

/** The failing-pod watch's settings a caller may give; the rest come from the config. */
export type PodWatchSettings = Partial<
  Pick<PodWatchOptions, 'channel' | 'leaseMs' | 'backoffMs' | 'watchTimeoutSeconds'>
>;

/**
 * What a worker's jobs use, built by the caller and passed in: `carbon worker` from the settings
 * (openCluster, openStore, the Slack client), a terminal session with the terminal as its chat, a test
 * with its stand-ins. The queue is not among them: buildWorker makes it.
 */
export type WorkerDeps = Omit<JobDeps, 'queue' | 'metrics'> & {
  /** This process's metrics, served at /metrics with the probes; buildWorker makes its own when not given. */
  metrics?: PromMetrics;
};

export interface BuildWorkerOptions {
  /** The queue served: config.QUEUE_NAME unless given (a terminal session's private queue). */
  queueName?: string;
  /** config.WORKER_CONCURRENCY unless given. */
  concurrency?: number;
  /** Minimum time between two edits of the same chat message (the worker's default unless given). */
  progressIntervalMs?: number;
  /**
   * Register the daily status schedule, as every bot and worker does on start (the default). A private
   * queue does not: its jobs are one person's commands, and nothing else would serve the ticks.
   */
  statusSchedule?: boolean;
  /** Serve /healthz, /readyz and /metrics on this port (0: any free port). */
  probesPort?: number;
  /**
   * Fail with a clear message when Redis does not answer, instead of waiting it out: for a terminal
   * session, which has a person waiting, not for a long-running worker.
   */
  requireRedis?: boolean;
  /** Also open QueueEvents on the queue, to wait for a job's end (`job.waitUntilFinished`). */
  events?: boolean;
  /** The queue is this process's alone: close() deletes it from Redis. */
  privateQueue?: boolean;
  /** Serve the read-only queue view (Bull Board, basic auth): off unless given (queue-view.ts). */
  queueView?: QueueViewSettings;
  /**
   * The failing-pod watch (features/incidents/pod-watch.ts), posting to INCIDENT_CHANNEL unless a channel is
   * given: on by default for the shared queue when the channel is set, one worker leading; a private queue
   * (a terminal session) runs it only when given, with records of its own.
   */
  podWatch?: false | PodWatchSettings;
}

export interface BuiltWorker {
  worker: Worker<JobData>;
  /** The producer side of the same queue: follow-up jobs (a rollout after an approval, an expiry) go here. */
  queue: CommandQueue;
  /** When asked for (`events`). */
  events?: QueueEvents;
  /** The status schedule's registration, retried until it works; absent with `statusSchedule: false`. */
  schedule?: ReturnType<typeof keepStatusScheduled>;
  /** The probes' server (and /metrics), when asked for (`probesPort`). */
  probes?: Server;
  /** The queue view's server, when asked for (`queueView`). */
  queueView?: Server;
  /** The failing-pod watch, when it runs (`podWatch`, INCIDENT_CHANNEL). */
  podWatch?: PodWatch;
  /** This worker's metrics. */
  metrics: PromMetrics;
  /** Finishes the jobs in hand, then closes everything buildWorker opened, in reverse order. */
  close(): Promise<void>;
}

/**
 * One worker process's composition: its Redis connections (a blocking one for the worker, a fail-fast
 * producer for follow-up jobs), the queue, the BullMQ worker running the jobs with `deps`, the daily
 * status schedule and the probes. `carbon worker`, the terminal session and every test build it here.
 */
export async function buildWorker(deps: WorkerDeps, options: BuildWorkerOptions = {}): Promise<BuiltWorker> {
  const { config } = deps;
  const queueName = options.queueName ?? config.QUEUE_NAME;
  const closer = new Closer();
  try {
    const connection = redisConnection(config.REDIS_URL, 'worker');
    closer.add(async () => connection.disconnect());
    // Follow-up jobs (a rollout after an approval, an expiry) go on the same queue through a fail-fast producer.
    const producer = redisConnection(config.REDIS_URL, 'producer');
    closer.add(async () => producer.disconnect());
    if (options.requireRedis) {
      await whenReady(producer).catch(() => {
        throw new Error(
          `Redis at ${redactUrl(config.REDIS_URL)} does not answer. Start it (e.g. ` +
            '`redis-server --daemonize yes`) or set REDIS_URL.',
        );
      });
    }
    const setup = watchRedisSetup(producer, deps.log);
    closer.add(async () => setup.stop());
    const queue = new CommandQueue(queueName, producer, REGISTRY, options.privateQueue === true);
    closer.add(async () => {
      if (options.privateQueue) await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    });
    const metrics = deps.metrics ?? new PromMetrics();
    metrics.watchQueue(queueName, (...states) => queue.queue.getJobCounts(...states));
    metrics.watchStatusPost(STATUS_SCHEDULER_ID, async () => {
      const last = await deps.store.statusPosts.lastPosted(STATUS_SCHEDULER_ID);
      return last?.postedAt ?? last?.tickAt;
    });
    const worker = startWorker({ ...deps, queue, metrics }, REGISTRY, {
      queueName,
      connection,
      concurrency: options.concurrency ?? config.WORKER_CONCURRENCY,
      lockDurationMs: config.WORKER_LOCK_DURATION_MS,
      ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
    });
    closer.add(() => worker.close());
    const built: BuiltWorker = { worker, queue, metrics, close: () => closer.closeAll() };
    if (!options.privateQueue) keepSwept(queue, producer, deps.log, closer);
    built.podWatch = watchPods(deps, producer, queue, options, closer);
    if (options.events) {
      const eventsConnection = redisConnection(config.REDIS_URL, 'worker');
      closer.add(async () => eventsConnection.disconnect());
      const events = new QueueEvents(queueName, { connection: eventsConnection });
      closer.add(() => events.close());
      await events.waitUntilReady();
      built.events = events;
    }
    if (options.statusSchedule !== false) {
      // Every worker (and bot) registers the daily status schedule: one scheduler however many run.
      const schedule = keepStatusScheduled({ queue: queue.queue, store: deps.store, config, log: deps.log });
      closer.add(async () => schedule.stop());
      const reschedule = onReady(producer, schedule.again);
      closer.add(async () => reschedule());
      built.schedule = schedule;
    }
    if (options.probesPort !== undefined) {
      const routes = probeRoutes(
        { redis: async () => void (await connection.ping()), postgres: () => deps.store.ping() },
        setup.warnings,
      );
      const probes = await serveProbes([...routes, metricsRoute(() => metrics.exposition())], options.probesPort);
      closer.add(() => new Promise((resolve) => probes.close(resolve)));
      built.probes = probes;
    }
    if (options.queueView !== undefined) {
      const view = await serveQueueView(queue.queue, options.queueView, deps.log);
      closer.add(() => new Promise((resolve) => view.close(resolve)));
      built.queueView = view;
    }
    return built;
  } catch (error) {
    await closer.closeAll();
    throw error;
  }
}

/** The approvals sweep (expiry, lost follow-ups) runs as a scheduled job on the shared queue. */
function keepSwept(queue: CommandQueue, producer: Redis, log: Logger, closer: Closer): void {
  const sweep = keepApprovalsSwept(queue.queue, log);
  closer.add(async () => sweep.stop());
  const resweep = onReady(producer, sweep.again); // Redis may come back empty: register it again
  closer.add(async () => resweep());
}

/** The failing-pod watch, when its settings and a channel say so (BuildWorkerOptions.podWatch), stopped by `closer`. */
function watchPods(
  deps: WorkerDeps,
  redis: Redis,
  queue: CommandQueue,
  options: BuildWorkerOptions,
  closer: Closer,
): PodWatch | undefined {
  const { config } = deps;
  const settings =
    options.podWatch === false ? undefined : (options.podWatch ?? (options.privateQueue ? undefined : {}));
  const channel = settings?.channel ?? config.INCIDENT_CHANNEL;
  if (settings === undefined || channel === undefined) return undefined;
  const podWatch = startPodWatch(
    {
      kube: deps.kube,
      cluster: deps.cluster,
      catalogue: deps.catalogue,
      chat: deps.chat,
      redis,
      pace: (channel) => paceChannel(queue, channel),
      log: deps.log,
    },
    {
      ...settings,
      channel,
      scope: queue.name,
      cooldownMs: config.INCIDENT_POD_COOLDOWN_MIN * 60_000,
      pendingMs: config.INCIDENT_POD_PENDING_MIN * 60_000,
      pageSize: config.KUBE_PAGE_SIZE,
      private: options.privateQueue === true,
    },
  );
  closer.add(() => podWatch.stop());
  return podWatch;
}

/** `carbon worker`: runs queued jobs against the configured cluster until SIGTERM, then exits 0. */
export async function runWorker(config: Config, log: Logger): Promise<number> {
  // Every replica must share one database (approvals, the audit trail): no embedded fallback here.
  requireFor('worker', config, ['SLACK_BOT_TOKEN', 'DATABASE_URL']);
  return runUntilSignal('worker', log, async (closer) => {
    const { catalogue } = await loadRules(config);
    const metrics = new PromMetrics();
    const [cluster, store] = await Promise.all([
      openCluster(config, closer, undefined, metrics),
      openStore(config, log, closer, metrics),
    ]);
    const chat = slackChat(
      createSlackClient({
        token: config.SLACK_BOT_TOKEN!,
        ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
      }),
      metrics,
    );
    const built = await buildWorker(
      { config, log, ...cluster.value, store: store.value, catalogue, chat, metrics },
      { probesPort: config.PORT, ...withQueueView(config) },
    );
    closer.add(() => built.close());
    log.info({ cluster: cluster.description, store: store.description, queue: config.QUEUE_NAME }, 'worker started');
  });
}

/** `carbon worker`'s queue view option: present only when QUEUE_VIEW_PORT is set. */
export function withQueueView(config: Config): Pick<BuildWorkerOptions, 'queueView'> {
  const queueView = queueViewSettings(config);
  return queueView === undefined ? {} : { queueView };
}

/**
 * A long-running role (`carbon bot`, `carbon worker`): starts it, then waits for SIGTERM or SIGINT
 * (Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds), closes what it opened, and
 * returns 0. The signal is listened for from the start: one that comes while the role is still
 * starting (Slack or the cluster not answering yet) stops it too, instead of killing the process.
 */
export async function runUntilSignal(
  role: string,
  log: Logger,
  start: (closer: Closer) => Promise<void>,
): Promise<number> {
  const closer = new Closer();
  const signalled = untilSignal();
  try {
    const started = await Promise.race([start(closer).then(() => true), signalled.then(() => false)]);
    if (started) await signalled;
    log.info(`${role} stopping: finishing what is in hand`);
  } finally {
    await closer.closeAll();
  }
  log.info(`${role} stopped`);
  return 0;
}

/** Resolves on SIGTERM or SIGINT: Kubernetes sends SIGTERM and waits terminationGracePeriodSeconds. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}
