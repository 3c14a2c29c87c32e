import type { Redis } from 'ioredis';
import type { FailingReason } from './failing-pod.js';

/** How a pod's incident ended: ready again, or the pod gone (deleted, replaced by its workload). */
export interface PodOutcome {
  how: 'ready' | 'deleted';
  at: Date;
}

/** A failing pod's post: where it is, and what it said (the resolution re-renders it). */
export interface PodIncident {
  channel: string;
  ts: string;
  namespace: string;
  pod: string;
  reason: FailingReason;
  detail?: string;
  restarts: number;
  service: string;
  workload: string;
  kind: 'deployment' | 'statefulset';
  /** When it was posted (ms). */
  postedAt: number;
  /**
   * Set once the post is edited to say it resolved: a reply that failed after the edit is tried again on its own,
   * looked for first by its key (it may have reached Slack).
   */
  resolution?: { how: PodOutcome['how']; at: number; replyKey: string };
}

/** An open post outlives no pod for long; a week bounds what a lost resolution leaves in Redis. */
const OPEN_TTL_MS = 7 * 24 * 3600_000;

/**
 * The pod watch's memory, in Redis so every worker sees it (a new leader after a failover does not post
 * again what the last one posted): per pod, its open posts by reason (a hash), and per pod and reason a
 * cool-down key claimed with SET NX before a post, so two workers that both think they lead still post once.
 */
export class PodIncidents {
  constructor(
    private readonly redis: Redis,
    /** Keys start with it: the shared queue's name, or a terminal session's private one. */
    private readonly prefix: string,
    private readonly cooldownMs: number,
  ) {}

  private openKey(namespace: string, pod: string): string {
    return `${this.prefix}:open:${namespace}/${pod}`;
  }

  private cooldownKey(namespace: string, pod: string, reason: FailingReason): string {
    return `${this.prefix}:cooldown:${namespace}/${pod}/${reason}`;
  }

  /**
   * True when this caller may post the pod's failure for `reason`: no post of it is open and none was made
   * within the cool-down (claimed now). A caller that then fails to post gives the claim back (`release`).
   */
  async claim(namespace: string, pod: string, reason: FailingReason): Promise<boolean> {
    if ((await this.redis.hexists(this.openKey(namespace, pod), reason)) === 1) return false;
    const set = await this.redis.set(this.cooldownKey(namespace, pod, reason), '1', 'PX', this.cooldownMs, 'NX');
    return set === 'OK';
  }

  async release(namespace: string, pod: string, reason: FailingReason): Promise<void> {
    await this.redis.del(this.cooldownKey(namespace, pod, reason));
  }

  /** Records a post as open until the pod is ready again. */
  async opened(incident: PodIncident): Promise<void> {
    const key = this.openKey(incident.namespace, incident.pod);
    await this.redis.multi().hset(key, incident.reason, JSON.stringify(incident)).pexpire(key, OPEN_TTL_MS).exec();
  }

  /**
   * The pod's open posts, each taken by this caller alone (HDEL returns 1 to one caller): the resolution is
   * posted once however many workers see the pod ready.
   */
  async close(namespace: string, pod: string): Promise<PodIncident[]> {
    const key = this.openKey(namespace, pod);
    const open = await this.redis.hgetall(key);
    const taken: PodIncident[] = [];
    for (const [reason, json] of Object.entries(open))
      if ((await this.redis.hdel(key, reason)) === 1) taken.push(JSON.parse(json) as PodIncident);
    return taken;
  }

  /** The pods of `namespace` with an open post. */
  async openPods(namespace: string): Promise<string[]> {
    const prefix = `${this.prefix}:open:${namespace}/`;
    const pods: string[] = [];
    for await (const keys of this.redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>)
      pods.push(...keys.map((k) => k.slice(prefix.length)));
    return [...new Set(pods)];
  }

  /** A private (terminal) watch's keys go with it. */
  async forget(): Promise<void> {
    for await (const keys of this.redis.scanStream({ match: `${this.prefix}:*`, count: 500 }) as AsyncIterable<
      string[]
    >)
      if (keys.length > 0) await this.redis.del(...keys);
  }
}
