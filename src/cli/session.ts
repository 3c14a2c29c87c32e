import { COMMANDS } from '../app/commands.js';
import { randomBytes } from 'node:crypto';
import type { QueueEvents } from 'bullmq';
import { kafkaClusters, type Config } from '../config.js';
import { Closer, loadRules, openCluster, openStore, type StartDemo } from '../app/deps.js';
import type { Catalogue } from '../catalogue.js';
import { buildWorker, type PodWatchSettings, type WorkerDeps } from '../app/worker.js';
import { dispatch, type Outcome } from '../handlers/dispatch.js';
import type { CommandQueue } from '../jobs/queue.js';
import { redactUrl, type Logger } from '../log.js';
import type { Policy } from '../policy/policy.js';
import type { Store } from '../app/store.js';
import { DEMO_INCIDENT_CHANNEL, TerminalChat } from './terminal-chat.js';
import { EXIT } from './exit.js';

export interface Identity {
  user: string;
  channel: string;
}

export { EXIT };

/** What a session uses: a worker's deps with the terminal as the chat, and the policy that dispatch applies. */
export type SessionDeps = WorkerDeps & { chat: TerminalChat; policy: Policy };

export interface SessionOptions {
  /** Closed with the session: what the caller opened for its deps (the cluster, the store). */
  closer?: Closer;
  /** The banner's first and last lines: what the cluster and the store are. */
  describe?: { cluster: string; store: string };
  /** Minimum time between two edits of the same message (500 ms unless given). */
  progressIntervalMs?: number;
  /** Run the failing-pod watch in the session (its posts shown like any other), with records of its own. */
  podWatch?: PodWatchSettings;
}

/**
 * A terminal session: the same parse → policy → queue → worker → render path as Slack, with the
 * terminal as the chat. Its queue is private (a random name), so workers elsewhere never pick up
 * a terminal command and its worker never picks up theirs.
 */
export class LocalSession {
  private constructor(
    private readonly deps: SessionDeps,
    readonly queue: CommandQueue,
    readonly events: QueueEvents,
    private readonly closer: Closer,
    readonly banner: string[],
  ) {}

  get chat(): TerminalChat {
    return this.deps.chat;
  }

  /** The store the session's commands read and write (PostgreSQL). */
  get store(): Store {
    return this.deps.store;
  }

  /** Acting on a simulated cluster: only then may the terminal speak as another Slack user. */
  get simulated(): boolean {
    return this.deps.cluster.simulated;
  }

  /**
   * `startDemo`: how to start the demo cluster when no cluster is configured (or `forceDemo`). `chat` and `rules`:
   * the terminal and the rules a TerminalSession already holds (else a new chat printing with `print`, and loaded).
   */
  static async open(
    config: Config,
    log: Logger,
    options: {
      print: (text: string) => void;
      forceDemo?: boolean;
      startDemo?: StartDemo;
      chat?: TerminalChat;
      rules?: { catalogue: Catalogue; policy: Policy };
      /** Run the failing-pod watch (the demo shell: `npm start`, `carbon shell`), posting in #inc-demo. */
      watchPods?: boolean;
    },
  ): Promise<LocalSession> {
    const closer = new Closer();
    try {
      const chat = options.chat ?? new TerminalChat(options.print);
      const { catalogue, policy } = options.rules ?? (await loadRules(config));
      const clusterConfig = options.forceDemo ? { ...config, KUBECONFIG: undefined } : config;
      const [cluster, store] = await Promise.all([
        openCluster(clusterConfig, closer, options.startDemo),
        openStore(config, log, closer),
      ]);
      // The demo shows the failing-pod watch: its posts go to #inc-demo. Against a real cluster the workers run it.
      const podWatch =
        options.watchPods && cluster.value.cluster.simulated
          ? { podWatch: { channel: config.INCIDENT_CHANNEL ?? DEMO_INCIDENT_CHANNEL } }
          : {};
      return await LocalSession.start(
        { config, log, ...cluster.value, store: store.value, catalogue, policy, chat },
        { closer, describe: { cluster: cluster.description, store: store.description }, ...podWatch },
      );
    } catch (error) {
      await closer.closeAll();
      throw error;
    }
  }

  /** A session on deps the caller built: its private queue and worker (buildWorker), and QueueEvents to wait on. */
  static async start(deps: SessionDeps, options: SessionOptions = {}): Promise<LocalSession> {
    const closer = options.closer ?? new Closer();
    const queueName = `${deps.config.QUEUE_NAME}-cli-${randomBytes(4).toString('hex')}`;
    const built = await buildWorker(deps, {
      queueName,
      progressIntervalMs: options.progressIntervalMs ?? 500,
      statusSchedule: false,
      podWatch: options.podWatch ?? false,
      requireRedis: true,
      events: true,
      privateQueue: true,
    });
    closer.add(() => built.close());
    const redis = `Redis ${redactUrl(deps.config.REDIS_URL)} (private queue ${queueName})`;
    const banner = options.describe ? [options.describe.cluster, redis, options.describe.store] : [redis];
    return new LocalSession(deps, built.queue, built.events!, closer, banner);
  }

  /** Runs one command as `identity` and waits for its job, if any. Returns the exit code. */
  async execute(text: string, identity: Identity): Promise<number> {
    return (await this.run(text, identity)).code;
  }

  /** Runs one command as `identity` and waits for its job, if any: what dispatch decided, and the exit code. */
  async run(text: string, identity: Identity): Promise<{ outcome: Outcome; code: number }> {
    const actor = {
      user: identity.user,
      groups: [],
      channel: { id: identity.channel, name: await this.chat.channelName(identity.channel) },
    };
    const { policy, catalogue, store, chat, log, config } = this.deps;
    const outcome = await dispatch(
      { text, actor },
      {
        commands: COMMANDS,
        policy,
        catalogue,
        kafkaClusters: [...kafkaClusters(config).keys()],
        store,
        queue: this.queue,
        chat,
        log,
      },
    );
    return { outcome, code: await this.finish(outcome) };
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
