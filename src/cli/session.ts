import { scheduleApprovalsSweep } from '../approvals/sweep.js';
import { REGISTRY } from '../app/jobs.js';
import { COMMANDS } from '../app/commands.js';
import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import type { Config } from '../config.js';
import { Closer, loadRules, openCluster, openStore, type StartDemo } from '../app/deps.js';
import { dispatch, type Outcome } from '../handlers/dispatch.js';
import { CommandQueue } from '../jobs/queue.js';
import { startWorker } from '../jobs/runner.js';
import { redisConnection, whenReady } from '../integrations/redis.js';
import { redactUrl, type Logger } from '../log.js';
import type { Catalogue } from '../catalogue.js';
import type { Policy } from '../policy/policy.js';
import type { Store } from '../app/store.js';
import { TerminalChat } from './terminal-chat.js';

export interface Identity {
  user: string;
  channel: string;
}

/** Exit codes of `carbon run`: 0 done, 1 failed or refused, 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * A terminal session: the same parse → policy → queue → worker → render path as Slack, with the
 * terminal as the chat. Its queue is private (a random name), so workers elsewhere never pick up
 * a terminal command and its worker never picks up theirs.
 */
export class LocalSession {
  private constructor(
    readonly chat: TerminalChat,
    private readonly policy: Policy,
    private readonly catalogue: Catalogue,
    private readonly store: Store,
    private readonly queue: CommandQueue,
    private readonly events: QueueEvents,
    private readonly log: Logger,
    private readonly closer: Closer,
    readonly banner: string[],
    /** Acting on a simulated cluster: only then may the terminal speak as another Slack user. */
    readonly simulated: boolean,
  ) {}

  /** `startDemo`: how to start the demo cluster when no cluster is configured (or `forceDemo`). */
  static async open(
    config: Config,
    log: Logger,
    options: { print: (text: string) => void; forceDemo?: boolean; startDemo?: StartDemo },
  ): Promise<LocalSession> {
    const closer = new Closer();
    try {
      const chat = new TerminalChat(options.print);
      const { catalogue, policy } = await loadRules(config);
      const clusterConfig = options.forceDemo ? { ...config, KUBECONFIG: undefined } : config;
      const [cluster, store] = await Promise.all([
        openCluster(clusterConfig, closer, options.startDemo),
        openStore(config, log, closer),
      ]);

      const producer = redisConnection(config.REDIS_URL, 'producer');
      const workerConnection = redisConnection(config.REDIS_URL, 'worker');
      closer.add(async () => workerConnection.disconnect());
      closer.add(async () => producer.disconnect());
      await whenReady(producer).catch(() => {
        throw new Error(
          `Redis at ${redactUrl(config.REDIS_URL)} does not answer. Start it (e.g. ` +
            '`redis-server --daemonize yes`) or set REDIS_URL.',
        );
      });

      const queueName = `${config.QUEUE_NAME}-cli-${randomBytes(4).toString('hex')}`;
      const queue = new CommandQueue(queueName, producer, REGISTRY);
      closer.add(async () => {
        await queue.queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      });
      const worker = startWorker(
        { config, log, ...cluster.value, store: store.value, catalogue, chat, queue },
        REGISTRY,
        {
          queueName,
          connection: workerConnection,
          concurrency: config.WORKER_CONCURRENCY,
          progressIntervalMs: 500,
          lockDurationMs: config.WORKER_LOCK_DURATION_MS,
        },
      );
      closer.add(() => worker.close());
      await scheduleApprovalsSweep(queue.queue, log);
      const eventsConnection = redisConnection(config.REDIS_URL, 'worker');
      closer.add(async () => eventsConnection.disconnect());
      const events = new QueueEvents(queueName, { connection: eventsConnection });
      closer.add(() => events.close());
      await events.waitUntilReady();

      const banner = [
        cluster.description,
        `Redis ${redactUrl(config.REDIS_URL)} (private queue ${queueName})`,
        store.description,
      ];
      return new LocalSession(
        chat,
        policy,
        catalogue,
        store.value,
        queue,
        events,
        log,
        closer,
        banner,
        cluster.value.cluster.simulated,
      );
    } catch (error) {
      await closer.closeAll();
      throw error;
    }
  }

  /** Runs one command as `identity` and waits for its job, if any. Returns the exit code. */
  async execute(text: string, identity: Identity): Promise<number> {
    const actor = {
      user: identity.user,
      groups: [],
      channel: { id: identity.channel, name: await this.chat.channelName(identity.channel) },
    };
    const outcome = await dispatch(
      { text, actor },
      {
        commands: COMMANDS,
        policy: this.policy,
        catalogue: this.catalogue,
        store: this.store,
        queue: this.queue,
        chat: this.chat,
        log: this.log,
      },
    );
    return this.finish(outcome);
  }

  private async finish(outcome: Outcome): Promise<number> {
    switch (outcome.kind) {
      case 'usage':
        return EXIT.usage;
      case 'answered':
        return EXIT.ok;
      case 'queued': {
        const job = await this.queue.queue.getJob(outcome.jobId);
        if (job === undefined) return EXIT.failed;
        try {
          await job.waitUntilFinished(this.events);
          return EXIT.ok;
        } catch {
          return EXIT.failed; // the worker has already shown why
        }
      }
      default:
        return EXIT.failed;
    }
  }

  close(): Promise<void> {
    return this.closer.closeAll();
  }
}
