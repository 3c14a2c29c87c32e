import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Catalogue } from '../../catalogue.js';
import type { ClusterInfo, Kube } from '../../integrations/kubernetes.js';
import type { Chat } from '../../integrations/slack.js';
import type { Logger } from '../../log.js';
import { isReady } from '../health/pod-state.js';
import { failingReason, pendingSince, serviceOfPod, type Failing } from './failing-pod.js';
import { holdLease, type Leadership } from './lease.js';
import { earlierPost } from './earlier-post.js';
import { PodIncidents, type PodIncident, type PodOutcome } from './pod-incidents.js';
import { renderFailingPod, renderPodRecovered, renderPodResolved } from './pod-render.js';
import { backoff, describeError, PodStream, type PodChange } from './pod-stream.js';
import type { Service } from '../../catalogue.js';

/** How often a resolution Slack refused is tried before it waits for the next list. */
const RESOLVE_ATTEMPTS = 5;

export interface PodWatchDeps {
  kube: Kube;
  cluster: ClusterInfo;
  catalogue: Catalogue;
  chat: Chat;
  /** A fail-fast connection: the lease and the posts' records. */
  redis: Redis;
  /** Waits for the channel's turn to post (paceChannel: one post a second per channel, shared with the alerts). */
  pace: (channel: string) => Promise<void>;
  log: Logger;
}

export interface PodWatchOptions {
  /** The incident channel. */
  channel: string;
  /** Redis keys start with it: workers on one queue share a leader and the records; a private queue its own. */
  scope: string;
  cooldownMs: number;
  pendingMs: number;
  pageSize: number;
  /** The lease's ttl: a dead leader is replaced within it (default 15 s). */
  leaseMs?: number;
  /** Reconnect delays (default 1 s doubling up to 30 s). */
  backoffMs?: { first: number; max: number };
  /** The server ends each watch after this long (default 300 s); the watch then resumes. */
  watchTimeoutSeconds?: number;
  /** A terminal session's watch: its records go when it stops. */
  private?: boolean;
}

export interface PodWatch {
  /** This process leads (runs the watches) now. */
  readonly leading: boolean;
  /** Per namespace watched, the newest resourceVersion handled (for tests and logs: how far the watch has come). */
  handled(namespace: string): string | undefined;
  /** The namespaces watched: those of the catalogue's critical services. */
  readonly namespaces: readonly string[];
  stop(): Promise<void>;
}

/**
 * The failing-pod watch: in every worker, and in `npm start`'s session; one at a time leads (a lease in
 * Redis) and watches the pods of the namespaces where the catalogue names critical services. A pod of a
 * critical service that crash-loops, is OOMKilled, cannot pull its image or stays Pending too long is
 * posted in the incident channel once per pod and reason (claimed in Redis, with a cool-down), with the
 * incident buttons; once the pod is ready again (or deleted) the post is edited and a reply says so.
 */
export function startPodWatch(deps: PodWatchDeps, options: PodWatchOptions): PodWatch {
  const namespaces = [...new Set(deps.catalogue.services.filter((s) => s.critical).map((s) => s.namespace))].sort();
  const incidents = new PodIncidents(deps.redis, `carbon:pod-watch:${options.scope}`, options.cooldownMs);
  const reactor = new PodReactor(deps, options, incidents);
  let streams: PodStream[] = [];
  const leaseMs = options.leaseMs ?? 15_000;
  const leadership: Leadership = holdLease(deps.redis, `carbon:pod-watch:${options.scope}:lease`, leaseMs, {
    log: deps.log,
    onLead: () => {
      reactor.stopped = false;
      streams = namespaces.map(
        (namespace) =>
          new PodStream(deps.kube, namespace, reactor, {
            pageSize: options.pageSize,
            timeoutSeconds: options.watchTimeoutSeconds ?? 300,
            backoffMs: options.backoffMs ?? { first: 1_000, max: 30_000 },
            log: deps.log,
          }),
      );
    },
    onLose: async () => {
      const stopping = streams;
      streams = [];
      // No new timer from a handler still running, and none left once the streams have stopped.
      reactor.stopped = true;
      reactor.clearTimers();
      await Promise.all(stopping.map((s) => s.stop()));
      reactor.clearTimers();
    },
  });
  return {
    get leading() {
      return leadership.leading;
    },
    namespaces,
    handled: (namespace) => streams.find((s) => s.namespace === namespace)?.resourceVersion,
    async stop() {
      await leadership.stop();
      if (options.private) await incidents.forget().catch(() => undefined);
    },
  };
}

/** What the leader does with each pod it sees. */
class PodReactor {
  /** Pods of critical services Pending but not yet for too long: looked at again when they will be. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Not leading: nothing is scheduled. */
  stopped = false;

  constructor(
    private readonly deps: PodWatchDeps,
    private readonly options: PodWatchOptions,
    private readonly incidents: PodIncidents,
  ) {}

  clearTimers(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  async synced(namespace: string, pods: Pod[]): Promise<void> {
    const present = new Set(pods.map((p) => p.metadata?.name));
    // Pending pods deleted while the watch was down: their timers go.
    for (const key of [...this.pending.keys()])
      if (key.startsWith(`${namespace}/`) && !present.has(key.slice(namespace.length + 1)))
        this.unschedule(namespace, key.slice(namespace.length + 1));
    // One pod's failure (Slack refusing, Redis slow) is logged, not thrown: a throw would fail the whole
    // list, and the namespace would list again and again instead of watching.
    for (const pod of pods) await this.look(pod).catch((error: unknown) => this.notHandled(error, pod.metadata?.name));
    // Posts of pods deleted while nobody watched: their pods are gone.
    for (const name of await this.incidents.openPods(namespace))
      if (!present.has(name))
        await this.resolve(namespace, name, 'deleted').catch((error: unknown) => this.notHandled(error, name));
  }

  private notHandled(error: unknown, pod: string | undefined): void {
    this.deps.log.warn({ err: describeError(error), pod }, 'pod watch: pod not handled');
  }

  async changed(type: PodChange, pod: Pod): Promise<void> {
    if (type !== 'DELETED') return this.look(pod);
    const { namespace, name } = pod.metadata ?? {};
    if (namespace && name && this.criticalService(pod)) {
      this.unschedule(namespace, name);
      await this.resolve(namespace, name, 'deleted');
    }
  }

  private criticalService(pod: Pod): Service | undefined {
    const service = serviceOfPod(pod, this.deps.catalogue);
    return service?.critical ? service : undefined;
  }

  private async look(pod: Pod): Promise<void> {
    const service = this.criticalService(pod);
    const { namespace, name } = pod.metadata ?? {};
    if (!service || !namespace || !name) return;
    this.unschedule(namespace, name);
    if (isReady(pod)) return this.resolve(namespace, name, 'ready');
    const failing = failingReason(pod, Date.now(), this.options.pendingMs);
    if (failing) return this.post(pod, service, failing);
    if (pod.status?.phase === 'Pending' && !this.stopped) {
      const due = pendingSince(pod, this.options.pendingMs) - Date.now();
      const timer = setTimeout(
        () => {
          this.pending.delete(`${namespace}/${name}`);
          void this.look(pod).catch((error: unknown) =>
            this.deps.log.warn({ err: error, pod: name }, 'pod watch: pending pod not looked at'),
          );
        },
        Math.max(0, due) + 100,
      );
      this.pending.set(`${namespace}/${name}`, timer);
    }
  }

  private unschedule(namespace: string, name: string): void {
    clearTimeout(this.pending.get(`${namespace}/${name}`));
    this.pending.delete(`${namespace}/${name}`);
  }

  private async post(pod: Pod, service: Service, failing: Failing): Promise<void> {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    if (!(await this.incidents.claim(namespace, name, failing.reason))) return;
    const view = {
      namespace,
      pod: name,
      ...failing,
      service: service.name,
      workload: service.workload,
      kind: service.kind,
      postedAt: Date.now(),
    };
    const { channel } = this.options;
    try {
      await this.deps.pace(channel);
      // Keyed: a post whose answer was lost is looked for before it is sent again (posted once, its ts recorded).
      const ts = await this.deps.chat.post(channel, renderFailingPod(view, this.deps.cluster), undefined, randomUUID());
      await this.incidents.opened({ ...view, channel, ts });
      this.deps.log.info({ namespace, pod: name, reason: failing.reason }, 'pod watch: failing pod posted');
    } catch (error) {
      await this.incidents.release(namespace, name, failing.reason);
      throw error;
    }
  }

  /**
   * Edits the pod's open posts and replies. A post Slack would not edit (429, 5xx, a timeout) still shows 🚨
   * and its buttons, and a reply that failed after the edit was never seen: either is recorded open again and
   * tried again a few times with backoff (then at the next list).
   */
  private async resolve(namespace: string, name: string, how: PodOutcome['how'], attempt = 1): Promise<void> {
    let failed: unknown;
    for (const incident of await this.incidents.close(namespace, name))
      await this.resolveOne(incident, how).catch((error: unknown) => (failed ??= error));
    if (failed === undefined) return;
    if (attempt < RESOLVE_ATTEMPTS && !this.stopped) {
      const key = `${namespace}/${name}`;
      const retry = setTimeout(
        () => {
          this.pending.delete(key);
          void this.resolve(namespace, name, how, attempt + 1).catch((error: unknown) => this.notHandled(error, name));
        },
        backoff(this.options.backoffMs ?? { first: 1_000, max: 30_000 }, attempt),
      );
      clearTimeout(this.pending.get(key));
      this.pending.set(key, retry);
    }
    throw failed;
  }

  /** One post edited (once) and answered in its thread (once: a retried reply is looked for first). */
  private async resolveOne(incident: PodIncident, how: PodOutcome['how']): Promise<void> {
    const { channel, ts } = incident;
    const resolution = incident.resolution ?? { how, at: Date.now(), replyKey: randomUUID() };
    const outcome = { how: resolution.how, at: new Date(resolution.at) };
    if (incident.resolution === undefined) {
      try {
        await this.deps.pace(channel);
        await this.deps.chat.update(channel, ts, renderPodResolved(incident, outcome, this.deps.cluster));
      } catch (error) {
        await this.incidents.opened(incident);
        throw error;
      }
    }
    try {
      const key = resolution.replyKey;
      const earlier =
        incident.resolution &&
        (await earlierPost(this.deps.chat, { channel, key, since: outcome.at, threadTs: ts }, this.deps.log));
      if (earlier === undefined) {
        await this.deps.pace(channel);
        await this.deps.chat.post(channel, renderPodRecovered(incident, outcome), ts, key);
      }
    } catch (error) {
      await this.incidents.opened({ ...incident, resolution });
      throw error;
    }
    this.deps.log.info(
      { namespace: incident.namespace, pod: incident.pod, reason: incident.reason, how: resolution.how },
      'pod watch: incident resolved',
    );
  }
}
