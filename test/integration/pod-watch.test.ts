// The failing-pod watch end to end, on real parts: two workers (buildWorker, as `carbon worker` runs them) on the
// real Redis and a fresh PostgreSQL database, the Kubernetes stand-in with the 254Carbon scenario (as the bot's
// ServiceAccount) and the Slack stand-in. The scenario starts with one failing pod of a critical service,
// dolphinscheduler-worker's (OOMKilled), and failing pods of non-critical ones (kafka-connect, lakefs, datahub-gms).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { buildWorker, type BuiltWorker } from '../../src/app/worker.js';
import { Store } from '../../src/app/store.js';
import { loadCatalogue, type Catalogue } from '../../src/catalogue.js';
import { LocalSession } from '../../src/cli/session.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { loadScenario, startKubeStandin, type KubeStandin, type Pod } from '../../src/devstack/kube/index.js';
import { podStatus, type PodStateSpec } from '../../src/devstack/kube/pod-status.js';
import { POST_INTERVAL_MS } from '../../src/features/incidents/pace.js';
import { startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import type { StoredMessage } from '../../src/devstack/slack/workspace.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import { slackChat } from '../../src/integrations/slack.js';
import { silentLogger } from '../../src/log.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { freshDatabase, type FreshDatabase } from '../support/postgres.js';
import { until } from '../support/until.js';

const CHANNEL = 'C0INCIDENT';

let kube: KubeStandin;
let slack: SlackStandin;
let db: FreshDatabase;
let store: Store;
let catalogue: Catalogue;
const workers: BuiltWorker[] = [];

/** A worker process as `carbon worker` builds it, on one shared queue; its pod watch leads or stands by. */
async function startWorker(config: Config): Promise<BuiltWorker> {
  const kubeConfig = kubeAccessFromYaml(kube.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  const built = await buildWorker(
    {
      config,
      log: silentLogger(),
      kube: new Kube(kubeConfig, { requestTimeoutMs: 30_000, pageSize: 100 }),
      cluster: { name: '254carbon-demo', simulated: true },
      store,
      catalogue,
      chat: slackChat(new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } })),
    },
    { statusSchedule: false, podWatch: { leaseMs: 3_000, backoffMs: { first: 200, max: 1_000 } } },
  );
  workers.push(built);
  return built;
}

const settings = (queue: string, env: Record<string, string> = {}): Config =>
  loadConfig({ QUEUE_NAME: queue, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.url, ...env });

/** The top-level posts of the incident channel (thread replies left out). */
const posts = (): StoredMessage[] => slack.messages(CHANNEL).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
const postsAbout = (pod: string): StoredMessage[] => posts().filter((m) => m.text.includes(pod));

/** The first pod whose name starts with `prefix` in `namespace` (the scenario's failing one first). */
function podOf(namespace: string, prefix: string): Pod {
  const found = [...kube.cluster.store.scan('pods', namespace)]
    .map(([, o]) => o as Pod)
    .filter((p) => p.metadata.name.startsWith(prefix));
  const pod = found.find((p) => p.status.containerStatuses?.some((c) => c.restartCount > 0)) ?? found[0];
  if (!pod) throw new Error(`no pod ${prefix}… in ${namespace}`);
  return pod;
}

/** What kubelet would report for the pod now (a crash loop, an image it cannot pull): a MODIFIED event. */
function setPodState(pod: Pod, spec: PodStateSpec): number {
  const live = kube.cluster.store.get('pods', pod.metadata.namespace, pod.metadata.name) as Pod;
  const status = podStatus(live, spec, {
    node: { name: live.spec.nodeName ?? '', ip: live.status.hostIP ?? '' },
    podIP: live.status.podIP ?? '10.0.0.1',
    startedAt: Date.parse(live.status.startTime ?? new Date().toISOString()),
    lastRestartAt: Date.now(),
  });
  return Number(kube.cluster.store.write('pods', { ...live, status }).metadata.resourceVersion);
}

/** The worker leading the watch once it has listed (and handled) every namespace it watches. */
const leaderSynced = (): Promise<BuiltWorker> =>
  until('a worker to lead the pod watch and list every namespace', () =>
    workers.find((w) => w.podWatch?.leading && w.podWatch.namespaces.every((ns) => w.podWatch!.handled(ns))),
  );

/** Waits until the leader has handled every change up to `rv` in `namespace` (events are handled in order). */
const handledUpTo = (namespace: string, rv: number): Promise<true> =>
  until(`the pod watch to handle ${namespace} up to ${rv}`, () => {
    const leader = workers.find((w) => w.podWatch?.leading);
    const handled = Number(leader?.podWatch?.handled(namespace) ?? 0);
    return handled >= rv ? true : undefined;
  });

beforeAll(async () => {
  kube = await startKubeStandin({
    scenario: await loadScenario('254carbon'),
    // A short compaction window: a watch that was away for 1.5 s resumes from a compacted resourceVersion.
    cluster: { podReadyDelayMs: 150, podTerminationDelayMs: 50, compactionAgeMs: 1_500 },
  });
  slack = await startSlackStandin({ botToken: 'xoxb-test', channels: { C0INCIDENT: { name: 'inc-demo' } } });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  catalogue = await loadCatalogue('catalogue/services.yaml');
});

afterAll(async () => {
  for (const w of workers) await w.close();
  await store?.close();
  await db?.drop();
  await slack?.close();
  await kube?.close();
  assertBotNeverRefused(kube);
});

describe('the failing-pod watch', () => {
  const queue = `test-pod-watch-${randomBytes(4).toString('hex')}`;

  it('does not run without INCIDENT_CHANNEL: no watch request, nothing posted', async () => {
    const worker = await startWorker(settings(`${queue}-off`));
    await worker.worker.waitUntilReady();
    expect(worker.podWatch).toBeUndefined();
    await worker.close();
    workers.splice(workers.indexOf(worker), 1);
    expect(kube.stats.watchRequests['pods']).toBeUndefined();
    expect(slack.messages(CHANNEL)).toEqual([]);
  });

  it('posts a failing pod of a critical service once, with the buttons, however many workers run', async () => {
    const config = settings(queue, { INCIDENT_CHANNEL: CHANNEL });
    await Promise.all([startWorker(config), startWorker(config)]);
    await leaderSynced();
    expect(workers.filter((w) => w.podWatch?.leading)).toHaveLength(1);
    const worker = podOf('data-platform', 'dolphinscheduler-worker-');
    const [post, ...more] = postsAbout(worker.metadata.name);
    expect(more).toEqual([]);
    expect(post?.text).toContain('OOMKilled');
    const actions = post?.blocks?.find((b) => (b as { type: string }).type === 'actions') as {
      elements: { action_id: string; value: string }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['incident-restart', 'incident-logs', 'incident-events']);
    expect(JSON.parse(actions.elements[0]!.value)).toEqual({
      target: { namespace: 'data-platform', kind: 'deployment', name: 'dolphinscheduler-worker' },
    });
    // Failing pods of services the catalogue does not call critical are not posted.
    for (const name of ['kafka-connect', 'lakefs', 'datahub-gms']) expect(postsAbout(name)).toEqual([]);
    expect(posts()).toHaveLength(1);
  });

  it('edits the post and replies in its thread once the pod is ready again', async () => {
    const worker = podOf('data-platform', 'dolphinscheduler-worker-');
    const [post] = postsAbout(worker.metadata.name);
    kube.cluster.setPodReady('data-platform', worker.metadata.name, true);
    const reply = await until('a reply in the thread', () =>
      slack.messages(CHANNEL).find((m) => m.thread_ts === post!.ts && m.ts !== post!.ts),
    );
    expect(reply.text).toContain(`${worker.metadata.name}\` is ready again`);
    const edited = slack.messages(CHANNEL).find((m) => m.ts === post!.ts)!;
    expect(edited.updates).toBe(1);
    expect(edited.text).toContain('Resolved');
    expect(edited.blocks?.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
  });

  it('does not post the same pod and reason again within the cool-down', async () => {
    const worker = podOf('data-platform', 'dolphinscheduler-worker-');
    setPodState(worker, { state: 'CrashLoopBackOff', restarts: 28, lastTerminated: 'OOMKilled' });
    // A change after it in the same namespace: once that is posted, the relapse has been handled too.
    const trino = podOf('data-platform', 'trino-coordinator-');
    setPodState(trino, { state: 'CrashLoopBackOff', restarts: 3, lastTerminated: 'Error' });
    await until('the trino post', () => postsAbout(trino.metadata.name)[0]);
    expect(postsAbout(worker.metadata.name)).toHaveLength(1);
    expect(postsAbout(trino.metadata.name)[0]?.text).toContain('CrashLoopBackOff');
  });

  it('resolves a post whose edit Slack refused once (a 5xx): tried again, edited and answered once', async () => {
    const trino = podOf('data-platform', 'trino-coordinator-');
    const [post] = postsAbout(trino.metadata.name);
    slack.failNext('chat.update', 'internal_error');
    kube.cluster.setPodReady('data-platform', trino.metadata.name, true);
    const reply = await until('a reply in the thread', () =>
      slack.messages(CHANNEL).find((m) => m.thread_ts === post!.ts && m.ts !== post!.ts),
    );
    expect(reply.text).toContain('is ready again');
    const edited = slack.messages(CHANNEL).find((m) => m.ts === post!.ts)!;
    expect(edited.text).toContain('Resolved');
    expect(slack.messages(CHANNEL).filter((m) => m.thread_ts === post!.ts && m.ts !== post!.ts)).toHaveLength(1);
  });

  it('posts a pod Pending for longer than the threshold (this one was created weeks ago)', async () => {
    const head = podOf('data-platform', 'ray-head-');
    setPodState(head, { state: 'Pending' });
    const post = await until('the ray-head post', () => postsAbout(head.metadata.name)[0]);
    expect(post.text).toContain('has been Pending too long (Pending)');
  });

  it('a standby takes over when the leader stops, and posts nothing twice', async () => {
    const leader = workers.find((w) => w.podWatch?.leading)!;
    await leader.close();
    workers.splice(workers.indexOf(leader), 1);
    await leaderSynced();
    const grafana = podOf('monitoring', 'grafana-');
    const rv = setPodState(grafana, { state: 'ImagePullBackOff' });
    await handledUpTo('monitoring', rv);
    expect(postsAbout(grafana.metadata.name)).toHaveLength(1);
    expect(postsAbout(podOf('data-platform', 'trino-coordinator-').metadata.name)).toHaveLength(1);
    expect(postsAbout(podOf('data-platform', 'dolphinscheduler-worker-').metadata.name)).toHaveLength(1);
    expect(postsAbout(podOf('data-platform', 'ray-head-').metadata.name)).toHaveLength(1);
  });

  it('paces its posts: two pods failing together are posted at least a turn apart (shared with the alert posts)', async () => {
    const api = podOf('data-platform', 'dolphinscheduler-api-');
    const master = podOf('data-platform', 'dolphinscheduler-master-');
    setPodState(api, { state: 'ImagePullBackOff' });
    setPodState(master, { state: 'ImagePullBackOff' });
    const [first, second] = await until('both posts', () => {
      const both = [postsAbout(api.metadata.name)[0], postsAbout(master.metadata.name)[0]];
      return both.every(Boolean) ? (both as StoredMessage[]) : undefined;
    });
    // Slack's ts is the stand-in's clock when it took the post: the second had to wait for the channel's turn.
    expect(Math.abs(Number(first!.ts) - Number(second!.ts)) * 1000).toBeGreaterThanOrEqual(POST_INTERVAL_MS - 100);
  });

  it('recovers from an API server restart and a watch from a compacted resourceVersion (410), and still posts', async () => {
    const leader = workers.find((w) => w.podWatch?.leading)!;
    const before = Number(leader.podWatch!.handled('registry'));
    const lists = kube.stats.listRequests['pods'] ?? 0;
    kube.faults.down = 'reset';
    kube.dropConnections();
    const harbor = podOf('registry', 'harbor-core-');
    const rv = setPodState(harbor, { state: 'CrashLoopBackOff', restarts: 5, lastTerminated: 'Error' });
    await until('the change to be compacted', () => (kube.cluster.store.compactedRv >= rv ? true : undefined));
    expect(Number(leader.podWatch!.handled('registry'))).toBe(before);
    kube.faults.down = false;
    const post = await until('the harbor post', () => postsAbout(harbor.metadata.name)[0]);
    expect(post.text).toContain('CrashLoopBackOff');
    // It came from a new list: the watch from the old resourceVersion was refused with 410.
    expect(kube.stats.listRequests['pods']).toBeGreaterThan(lists);
    expect(postsAbout(harbor.metadata.name)).toHaveLength(1);
  });

  it('a post Slack refuses during a new list is logged, and the namespace watches on (no list again)', async () => {
    const leader = workers.find((w) => w.podWatch?.leading)!;
    kube.faults.down = 'reset';
    kube.dropConnections();
    const superset = podOf('data-platform', 'superset-');
    const rv = setPodState(superset, { state: 'CrashLoopBackOff', restarts: 2, lastTerminated: 'Error' });
    await until('the change to be compacted', () => (kube.cluster.store.compactedRv >= rv ? true : undefined));
    const lists = kube.stats.listRequests['pods'] ?? 0;
    slack.failNext('chat.postMessage', 'not_in_channel'); // the superset post, made by data-platform's new list
    kube.faults.down = false;
    // One list per namespace: the refused post did not fail data-platform's list…
    for (const namespace of leader.podWatch!.namespaces) await handledUpTo(namespace, rv);
    expect(kube.stats.listRequests['pods']! - lists).toBe(leader.podWatch!.namespaces.length);
    // …and the namespace watches on: a later change in it is posted.
    const api = podOf('data-platform', 'dolphinscheduler-api-');
    setPodState(api, { state: 'ImagePullBackOff' });
    await until('the dolphinscheduler-api post', () => postsAbout(api.metadata.name)[0]);
    // The refused post is made at the pod's next change.
    setPodState(superset, { state: 'CrashLoopBackOff', restarts: 3, lastTerminated: 'Error' });
    await until('the superset post', () => postsAbout(superset.metadata.name)[0]);
    expect(postsAbout(superset.metadata.name)).toHaveLength(1);
  });

  it('answers a resolution whose reply Slack refused once after the edit: the reply tried again, once, the edit not redone', async () => {
    const harbor = podOf('registry', 'harbor-core-');
    const [post] = postsAbout(harbor.metadata.name);
    const thread = () => slack.messages(CHANNEL).filter((m) => m.thread_ts === post!.ts && m.ts !== post!.ts);
    slack.failNext('chat.postMessage', 'internal_error'); // the reply, after the edit went through
    kube.cluster.setPodReady('registry', harbor.metadata.name, true);
    const reply = await until('a reply in the thread', () => thread()[0]);
    expect(reply.text).toContain('is ready again');
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.error === 'internal_error')).toHaveLength(1);
    const edited = slack.messages(CHANNEL).find((m) => m.ts === post!.ts)!;
    expect(edited.text).toContain('Resolved');
    expect(edited.updates).toBe(1);
    expect(thread()).toHaveLength(1);
  });

  it('posts a failing pod once when Slack carried out the post but its answer was lost, and resolves that post', async () => {
    const ray = podOf('data-platform', 'ray-worker-');
    slack.loseAnswerNext('chat.postMessage');
    const rv = setPodState(ray, { state: 'CrashLoopBackOff', restarts: 2, lastTerminated: 'Error' });
    await handledUpTo('data-platform', rv);
    const [post, ...more] = postsAbout(ray.metadata.name);
    expect(more).toEqual([]);
    // The post's ts was recorded from the channel's history: the pod's recovery edits that very post.
    kube.cluster.setPodReady('data-platform', ray.metadata.name, true);
    const edited = await until('the lost-answer post to be resolved', () =>
      slack.messages(CHANNEL).find((m) => m.ts === post!.ts && m.text.includes('Resolved')),
    );
    expect(edited.updates).toBe(1);
    expect(postsAbout(ray.metadata.name)).toHaveLength(1);
  });
});

describe('the demo session (npm start, carbon shell; not carbon run)', () => {
  /** A terminal session as main.ts opens it, on the in-process demo cluster, its output kept. */
  async function openDemo(watchPods: boolean) {
    const printed: string[] = [];
    let demo: DemoCluster | undefined;
    const config = loadConfig({ DATABASE_URL: db.url, QUEUE_NAME: `test-pod-watch-${randomBytes(4).toString('hex')}` });
    const session = await LocalSession.open(config, silentLogger(), {
      print: (text) => printed.push(text),
      forceDemo: true,
      startDemo: async (options) => (demo = await startDemoCluster(options)),
      watchPods,
    });
    return { session, printed, demo: demo! };
  }

  it('runs the watch and prints its post in #inc-demo', async () => {
    const { session, printed } = await openDemo(true);
    try {
      const call = await until('the incident post', () =>
        session.chat.calls.find((c) => c.method === 'chat.postMessage' && c.payload['channel'] === CHANNEL),
      );
      expect(String(call.payload['text'])).toContain('dolphinscheduler');
      expect(printed.join('\n')).toContain('🚨 dolphinscheduler: OOMKilled');
    } finally {
      await session.close();
    }
  });

  it('a one-shot command runs no watch', async () => {
    const { session, demo } = await openDemo(false);
    try {
      expect(await session.execute('help', { user: 'U0VIEWER', channel: CHANNEL })).toBe(0);
      expect(demo.kube.stats.watchRequests['pods']).toBeUndefined();
      expect(
        session.chat.calls.filter((c) => c.payload['channel'] === CHANNEL && c.method === 'chat.postMessage'),
      ).toEqual([]);
    } finally {
      await session.close();
    }
  });
});
