// Conformance of the Kubernetes stand-in for lists, watches and workload controllers, checked with the
// real kubectl and @kubernetes/client-node: each case is one behaviour and the outcome a real API server
// (v1.31, kubectl v1.32) gives: paged lists read one snapshot; compacted continue tokens, list revisions
// and watch revisions answer 410 (a continue 410 with a fresh token); resourceVersionMatch is validated;
// bookmarks arrive; minReadySeconds delays availability; StatefulSet history and undo work through
// ControllerRevisions; Deployment undo returns to the old ReplicaSet.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type {
  Deployment,
  KubeObject,
  KubeStandin,
  Pod,
  ReplicaSet,
  StatefulSet,
} from '../../src/devstack/kube/index.js';
import { parseScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { kubectlFor } from '../support/kubectl.js';
import { statusOf } from '../support/kube-status.js';
import { until } from '../support/until.js';

const NS = 'conf';
const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

const scenario = parseScenario({
  name: 'conformance',
  nodes: [{ name: 'node-1', ip: '10.0.0.11' }],
  namespaces: [{ name: NS }, { name: 'quiet' }],
  workloads: [
    { kind: 'Deployment', name: 'slow', namespace: NS, image: 'nginx:1.27', replicas: 1, readyDelayMs: 10_000 },
    { kind: 'Deployment', name: 'fast', namespace: NS, image: 'nginx:1.27', replicas: 1 },
  ],
  configMaps: Array.from({ length: 12 }, (_, i) => ({
    namespace: 'quiet',
    name: `cm-${String(i).padStart(2, '0')}`,
    data: { n: String(i) },
  })),
});

let dir: string;
let standin: KubeStandin;
let kubeconfig: string;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

const kubectl = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).run(...args);
const kubectlFails = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).fails(...args);

async function apply(name: string, object: object): Promise<void> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, YAML.stringify(object));
  await kubectl('apply', '-f', path);
}

async function raw(path: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await standin.fetch(path);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

const names = (list: { items: { metadata?: { name?: string } }[] }): string[] =>
  list.items.map((i) => i.metadata?.name ?? '');

function podTemplate(app: string, image: string): object {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: app, image }] } };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-conformance-lists-'));
  standin = await startKubeStandin({
    scenario,
    cluster: { podReadyDelayMs: 50, podTerminationDelayMs: 20, bookmarkIntervalMs: 200 },
  });
  kubeconfig = join(dir, 'kubeconfig');
  await standin.writeKubeconfig(kubeconfig);
  kc = new k8s.KubeConfig();
  kc.loadFromString(standin.kubeconfigYaml());
  core = kc.makeApiClient(k8s.CoreV1Api);
});

afterAll(async () => {
  await standin?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('paged lists read one snapshot', () => {
  it('pages after the first read the first page`s revision: changed and deleted objects as they were, new ones absent', async () => {
    const first = await core.listNamespacedConfigMap({ namespace: 'quiet', limit: 5 });
    expect(names(first)).toEqual(['cm-00', 'cm-01', 'cm-02', 'cm-03', 'cm-04']);
    // cm-05 to cm-11 and the namespace's kube-root-ca.crt.
    expect(first.metadata?.remainingItemCount).toBe(8);
    await core.patchNamespacedConfigMap(
      { namespace: 'quiet', name: 'cm-06', body: { data: { n: 'changed' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ namespace: 'quiet', name: 'cm-07' });
    await core.createNamespacedConfigMap({
      namespace: 'quiet',
      body: { metadata: { name: 'cm-06a' }, data: { n: 'new' } },
    });

    const second = await core.listNamespacedConfigMap({
      namespace: 'quiet',
      limit: 5,
      _continue: first.metadata?._continue as string,
    });
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(names(second)).toEqual(['cm-05', 'cm-06', 'cm-07', 'cm-08', 'cm-09']);
    expect(second.items[1]?.data).toEqual({ n: '6' });
    expect(second.metadata?.remainingItemCount).toBe(3);
    const third = await core.listNamespacedConfigMap({
      namespace: 'quiet',
      limit: 5,
      _continue: second.metadata?._continue as string,
    });
    expect(names(third)).toEqual(['cm-10', 'cm-11', 'kube-root-ca.crt']);
    expect(third.metadata?._continue).toBeUndefined();

    // A new list sees the changes.
    const now = await core.listNamespacedConfigMap({ namespace: 'quiet' });
    expect(names(now)).toEqual([
      'cm-00',
      'cm-01',
      'cm-02',
      'cm-03',
      'cm-04',
      'cm-05',
      'cm-06',
      'cm-06a',
      'cm-08',
      'cm-09',
      'cm-10',
      'cm-11',
      'kube-root-ca.crt',
    ]);
  });

  it('resourceVersionMatch=Exact reads that revision; resourceVersion=0 ignores limit; NotOlderThan reads the latest', async () => {
    const before = await core.listNamespacedConfigMap({ namespace: 'quiet' });
    const rv = before.metadata?.resourceVersion as string;
    await core.patchNamespacedConfigMap(
      { namespace: 'quiet', name: 'cm-00', body: { data: { n: 'exact' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const exact = await core.listNamespacedConfigMap({
      namespace: 'quiet',
      resourceVersion: rv,
      resourceVersionMatch: 'Exact',
    });
    expect(exact.metadata?.resourceVersion).toBe(rv);
    expect(exact.items[0]?.data).toEqual({ n: '0' });
    // The legacy form: a resourceVersion with a limit is an exact read too.
    const legacy = await core.listNamespacedConfigMap({ namespace: 'quiet', resourceVersion: rv, limit: 2 });
    expect(legacy.items[0]?.data).toEqual({ n: '0' });
    const notOlder = await core.listNamespacedConfigMap({
      namespace: 'quiet',
      resourceVersion: rv,
      resourceVersionMatch: 'NotOlderThan',
    });
    expect(notOlder.items[0]?.data).toEqual({ n: 'exact' });
    const any = await core.listNamespacedConfigMap({ namespace: 'quiet', resourceVersion: '0', limit: 2 });
    expect(any.items).toHaveLength(13);
    expect(any.metadata?._continue).toBeUndefined();
  });

  it('refuses invalid combinations of resourceVersion, resourceVersionMatch and continue with the real messages', async () => {
    expect(
      await kubectlFails('get', '--raw', `/api/v1/namespaces/quiet/configmaps?resourceVersionMatch=Exact`),
    ).toContain(
      // kubectl words an Invalid Status by its details' kind.
      'The ListOptions "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    const unsupported = await raw('/api/v1/namespaces/quiet/configmaps?resourceVersion=5&resourceVersionMatch=Newest');
    expect(unsupported).toMatchObject({
      code: 422,
      body: {
        reason: 'Invalid',
        message:
          'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
        details: {
          group: 'meta.k8s.io',
          kind: 'ListOptions',
          causes: [{ reason: 'FieldValueNotSupported', field: 'resourceVersionMatch' }],
        },
      },
    });
    expect(
      (await raw('/api/v1/namespaces/quiet/configmaps?resourceVersion=0&resourceVersionMatch=Exact')).body['message'],
    ).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
    const page = await core.listNamespacedConfigMap({ namespace: 'quiet', limit: 2 });
    const token = encodeURIComponent(page.metadata?._continue as string);
    expect(await raw(`/api/v1/namespaces/quiet/configmaps?limit=2&continue=${token}&resourceVersion=3`)).toMatchObject({
      code: 400,
      body: { reason: 'BadRequest', message: 'specifying resource version is not allowed when using continue' },
    });
    expect(
      (await raw(`/api/v1/namespaces/quiet/configmaps?continue=${token}&resourceVersion=3&resourceVersionMatch=Exact`))
        .body['message'],
    ).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    );
    expect(
      (await raw('/api/v1/namespaces/quiet/configmaps?watch=true&resourceVersionMatch=NotOlderThan')).body['message'],
    ).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    );
  });
});

describe('compaction', () => {
  let compacting: KubeStandin;
  let compactingCore: k8s.CoreV1Api;

  beforeAll(async () => {
    compacting = await startKubeStandin({ scenario, cluster: { podReadyDelayMs: 50, compactionAgeMs: 1_000 } });
    const config = new k8s.KubeConfig();
    config.loadFromString(compacting.kubeconfigYaml());
    compactingCore = config.makeApiClient(k8s.CoreV1Api);
  });
  afterAll(() => compacting?.close());

  /** Changes a ConfigMap and waits until that change has been compacted away. */
  async function compactPast(rv: string): Promise<void> {
    await compactingCore.patchNamespacedConfigMap(
      { namespace: 'quiet', name: 'cm-11', body: { data: { n: `after-${rv}` } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until('the change to be compacted', () =>
      compacting.cluster.store.compactedRv > Number(rv) ? true : undefined,
    );
  }

  it('answers an old continue token with 410 Expired and a fresh continue token that lists the rest, inconsistently', async () => {
    const first = await compactingCore.listNamespacedConfigMap({ namespace: 'quiet', limit: 10 });
    await compactPast(first.metadata?.resourceVersion as string);
    const gone = await statusOf(
      compactingCore.listNamespacedConfigMap({
        namespace: 'quiet',
        limit: 10,
        _continue: first.metadata?._continue as string,
      }),
    );
    expect(gone.code).toBe(410);
    expect(gone.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
      message: CONTINUE_EXPIRED,
    });
    const fresh = (gone.status['metadata'] as { continue?: string }).continue;
    expect(fresh).toEqual(expect.any(String));
    const rest = await compactingCore.listNamespacedConfigMap({
      namespace: 'quiet',
      limit: 10,
      _continue: fresh as string,
    });
    expect(names(rest)).toEqual(['cm-10', 'cm-11', 'kube-root-ca.crt']);
    expect(rest.items[1]?.data?.['n']).toMatch(/^after-/);
    expect(Number(rest.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
  });

  it('the bot`s paged listing restarts from the top when its continue token is compacted mid-way', async () => {
    const kube = new Kube(kubeAccessFromYaml(compacting.kubeconfigYaml()), { requestTimeoutMs: 30_000, pageSize: 1 });
    compacting.stats.listRequests = {};
    let compacted = false;
    const pods = await kube.listPods({
      namespace: NS,
      onPage: async (_items, page) => {
        if (page !== 1 || compacted) return;
        compacted = true;
        await compactPast(String(compacting.cluster.resourceVersion));
      },
    });
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(
      compacting.cluster
        .list('pods', { namespace: NS })
        .map((p) => p.metadata.name)
        .sort(),
    );
    expect(pods).toHaveLength(2);
    // The first page, the 410, then the two pages of the fresh listing.
    expect(compacting.stats.listRequests['pods']).toBe(4);
  });

  it('kubectl sees the 410 of a list at a compacted revision', async () => {
    const { metadata } = await compactingCore.listNamespacedConfigMap({ namespace: 'quiet' });
    await compactPast(metadata?.resourceVersion as string);
    const path = join(dir, 'compacting-kubeconfig');
    await compacting.writeKubeconfig(path);
    const failed = await kubectlFor(path, join(dir, 'cache')).fails(
      'get',
      '--raw',
      `/api/v1/namespaces/quiet/configmaps?resourceVersion=${metadata?.resourceVersion}&resourceVersionMatch=Exact`,
    );
    expect(failed).toContain('Error from server (Expired): The resourceVersion for the provided list is too old.');
  });

  it('a watch from a compacted resourceVersion gets an ERROR event with 410 Expired, and the stream ends', async () => {
    const { metadata } = await compactingCore.listNamespacedConfigMap({ namespace: 'quiet' });
    const rv = metadata?.resourceVersion as string;
    await compactPast(rv);
    const events: { type: string; object: Record<string, unknown> }[] = [];
    const ended = await new Promise<unknown>((resolve) => {
      const config = new k8s.KubeConfig();
      config.loadFromString(compacting.kubeconfigYaml());
      void new k8s.Watch(config).watch(
        '/api/v1/namespaces/quiet/configmaps',
        { resourceVersion: rv },
        (type, object: Record<string, unknown>) => events.push({ type, object }),
        resolve,
      );
    });
    expect(ended).toBeNull();
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('ERROR');
    expect(events[0]?.object).toMatchObject({
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: `too old resource version: ${rv} (${compacting.cluster.store.compactedRv})`,
    });
  });
});

describe('watches', () => {
  it('kubectl get pods -w prints the pods, then the changes as they happen', async () => {
    const child = spawn('kubectl', [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      join(dir, 'cache'),
      'get',
      'pods',
      '-n',
      NS,
      '-w',
    ]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await until('the initial listing', () => (/^fast-\S+\s+1\/1\s+Running/m.test(out) ? true : undefined));
      await kubectl('scale', 'deployment/fast', '-n', NS, '--replicas=2');
      const pods = await until('a second fast pod, running', () => {
        const running = new Set([...out.matchAll(/^(fast-\S+)\s+1\/1\s+Running/gm)].map((m) => m[1]));
        return running.size >= 2 ? running : undefined;
      });
      expect(pods.size).toBe(2);
    } finally {
      child.kill();
    }
    await kubectl('scale', 'deployment/fast', '-n', NS, '--replicas=1');
  });

  it('client-node`s informer lists, then follows changes', async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/quiet/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: 'quiet' }),
    );
    const updated: string[] = [];
    informer.on('update', (cm: k8s.V1ConfigMap) => updated.push(`${cm.metadata?.name}=${cm.data?.['n']}`));
    await informer.start();
    try {
      expect(informer.list().length).toBeGreaterThanOrEqual(13);
      await core.patchNamespacedConfigMap(
        { namespace: 'quiet', name: 'cm-01', body: { data: { n: 'informed' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await until('the informer to see the change', () => (updated.includes('cm-01=informed') ? true : undefined));
    } finally {
      await informer.stop();
    }
  });

  it('allowWatchBookmarks=true sends BOOKMARK events that carry only the resourceVersion', async () => {
    const body = await standin
      .fetch(
        `/api/v1/namespaces/quiet/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${standin.cluster.resourceVersion}&timeoutSeconds=1`,
      )
      .then((r) => r.text());
    const events = body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: KubeObject });
    const bookmarks = events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(1);
    expect(bookmarks[0]?.object).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
    const without = await standin
      .fetch(
        `/api/v1/namespaces/quiet/configmaps?watch=true&resourceVersion=${standin.cluster.resourceVersion}&timeoutSeconds=1`,
      )
      .then((r) => r.text());
    expect(without).not.toContain('BOOKMARK');
  });

  it('sendInitialEvents streams the current objects, then the initial-events-end bookmark', async () => {
    const body = await standin
      .fetch(
        `/api/v1/namespaces/quiet/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1`,
      )
      .then((r) => r.text());
    const events = body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: KubeObject });
    const end = events.findIndex(
      (e) => e.type === 'BOOKMARK' && e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true',
    );
    expect(end).toBeGreaterThanOrEqual(13);
    expect(events.slice(0, end).every((e) => e.type === 'ADDED')).toBe(true);
  });
  it('an API server restart ends open watches; a watch from the last resourceVersion then gets what changed meanwhile', async () => {
    const { metadata } = await core.listNamespacedConfigMap({ namespace: 'quiet' });
    const watches = standin.stats.watchRequests['configmaps'] ?? 0;
    const seen: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void new k8s.Watch(kc).watch(
        '/api/v1/namespaces/quiet/configmaps',
        { resourceVersion: metadata?.resourceVersion },
        (type, object: KubeObject) => seen.push(`${type} ${object.metadata.name}`),
        resolve,
      );
    });
    await until('the watch to be open', () =>
      (standin.stats.watchRequests['configmaps'] ?? 0) > watches ? true : undefined,
    );
    standin.faults.down = 'reset';
    standin.dropConnections();
    await ended; // the stream ended (cleanly or cut off), as when the API server goes away
    standin.faults.down = false;
    await core.createNamespacedConfigMap({
      namespace: 'quiet',
      body: { metadata: { name: 'after-restart' }, data: { n: 'x' } },
    });
    const resumed = await standin
      .fetch(
        `/api/v1/namespaces/quiet/configmaps?watch=true&resourceVersion=${metadata?.resourceVersion}&timeoutSeconds=1`,
      )
      .then((r) => r.text());
    expect(resumed).toContain('"name":"after-restart"');
    expect(seen).toEqual([]);
    await core.deleteNamespacedConfigMap({ namespace: 'quiet', name: 'after-restart' });
  });
});

describe('workloads', () => {
  it('availableReplicas counts pods ready for minReadySeconds', async () => {
    // Every status the Deployment is stored with, as it is written: no poll can miss the in-between one.
    const statuses: { at: number; status: NonNullable<Deployment['status']> }[] = [];
    const stop = standin.cluster.store.subscribe(({ resource, object }) => {
      const d = object as Deployment;
      if (resource === 'deployments' && d.metadata.namespace === NS && d.metadata.name === 'patient' && d.status)
        statuses.push({ at: Date.now(), status: d.status });
    });
    try {
      await apply('patient', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'patient', namespace: NS },
        spec: {
          replicas: 2,
          minReadySeconds: 4,
          selector: { matchLabels: { app: 'patient' } },
          template: podTemplate('patient', 'nginx:1.27'),
        },
      });
      await kubectl('rollout', 'status', 'deployment/patient', '-n', NS, '--timeout=60s');
    } finally {
      stop();
    }
    const ready = statuses.find(({ status }) => status.readyReplicas === 2);
    expect(ready?.status.availableReplicas ?? 0).toBeLessThan(2);
    expect(ready?.status.conditions?.find((c) => c.type === 'Available')?.status).toBe('False');
    const available = statuses.find(({ status }) => status.availableReplicas === 2);
    expect(available).toBeDefined();
    const availableAt = available?.at ?? 0;
    expect(standin.cluster.get<Deployment>('deployments', NS, 'patient')?.status?.availableReplicas).toBe(2);
    const readySince = standin.cluster
      .list<Pod>('pods', { namespace: NS, labelSelector: 'app=patient' })
      .map((p) => Date.parse(p.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? ''));
    expect(availableAt).toBeGreaterThanOrEqual(Math.max(...readySince) + 4_000);
  });

  it('a workload`s own ready delay holds its new pods back while others start at once', async () => {
    const newPod = (app: string): Pod | undefined =>
      standin.cluster
        .list<Pod>('pods', { namespace: NS, labelSelector: `app=${app}` })
        .find((p) => p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] !== undefined);
    const ready = (pod: Pod | undefined): boolean =>
      pod?.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    // When each restarted pod was created and when it turned ready, as the store writes them (not as a
    // poll happens to see them): a stalled poll on a loaded machine cannot blur the two delays.
    const created = new Map<string, number>();
    const readyAfter = new Map<string, number>();
    const readyOrder: string[] = [];
    const stop = standin.cluster.store.subscribe(({ type, resource, object }) => {
      const pod = object as Pod;
      const app = pod.metadata.labels?.['app'];
      if (resource !== 'pods' || pod.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] === undefined || !app)
        return;
      if (type === 'ADDED') created.set(app, Date.now());
      if (ready(pod) && !readyAfter.has(app)) {
        readyOrder.push(app);
        readyAfter.set(app, Date.now() - (created.get(app) ?? Number.NaN));
      }
    });
    try {
      await kubectl('rollout', 'restart', 'deployment/slow', 'deployment/fast', '-n', NS);
      await kubectl('rollout', 'status', 'deployment/fast', '-n', NS, '--timeout=60s');
      await kubectl('rollout', 'status', 'deployment/slow', '-n', NS, '--timeout=60s');
    } finally {
      stop();
    }
    expect(ready(newPod('slow'))).toBe(true);
    // slow's delay is 10 s: load can only lengthen it (timers may fire a millisecond early). fast (the
    // cluster's 50 ms) was restarted by the same command: it turned ready first, whatever the load.
    expect(readyAfter.get('slow')).toBeGreaterThan(9_900);
    expect(readyOrder).toEqual(['fast', 'slow']);
  });

  it('kubectl rollout history and undo work for a StatefulSet, through ControllerRevisions', async () => {
    await apply('db', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: podTemplate('db', 'postgres:16'),
      },
    });
    await kubectl('rollout', 'status', 'statefulset/db', '-n', NS, '--timeout=60s');
    await kubectl('set', 'image', 'statefulset/db', 'db=postgres:17', '-n', NS);
    await kubectl('rollout', 'status', 'statefulset/db', '-n', NS, '--timeout=60s');

    const revisions = (await kubectl('get', 'controllerrevisions', '-n', NS, '-l', 'app=db', '-o', 'json')) as string;
    const items = (JSON.parse(revisions) as { items: (KubeObject & { revision: number })[] }).items;
    expect(items.map((r) => r.revision).sort()).toEqual([1, 2]);
    expect((await kubectl('rollout', 'history', 'statefulset/db', '-n', NS)).trim().split('\n')).toEqual([
      'statefulset.apps/db ',
      expect.stringMatching(/^REVISION\s+CHANGE-CAUSE$/),
      expect.stringMatching(/^1\s+<none>$/),
      expect.stringMatching(/^2\s+<none>$/),
    ]);
    expect(await kubectl('rollout', 'history', 'statefulset/db', '-n', NS, '--revision=1')).toMatch(
      /Image:\s+postgres:16/,
    );
    expect(await kubectl('get', 'controllerrevisions', '-n', NS, '-l', 'app=db', '--sort-by=.revision')).toMatch(
      /^NAME\s+CONTROLLER\s+REVISION\s+AGE\ndb-\w+\s+statefulset\.apps\/db\s+1\s+\d+s\ndb-\w+\s+statefulset\.apps\/db\s+2\s+\d+s\n$/,
    );

    expect(await kubectl('rollout', 'undo', 'statefulset/db', '-n', NS)).toBe('statefulset.apps/db rolled back\n');
    await kubectl('rollout', 'status', 'statefulset/db', '-n', NS, '--timeout=60s');
    const sts = standin.cluster.get<StatefulSet>('statefulsets', NS, 'db') as StatefulSet;
    expect(sts.spec.template.spec.containers[0]?.image).toBe('postgres:16');
    const first = items.find((r) => r.revision === 1)?.metadata.name;
    expect(sts.status?.updateRevision).toBe(first);
    expect(sts.status?.currentRevision).toBe(first);
    // The old revision was reused and renumbered, not copied.
    const history = (await kubectl('rollout', 'history', 'statefulset/db', '-n', NS)).trim().split('\n').slice(2);
    expect(history.map((l) => l.split(/\s+/)[0])).toEqual(['2', '3']);
    // kubectl compares its own encoding of the template with the revision's data byte for byte.
    expect(await kubectl('rollout', 'undo', 'statefulset/db', '-n', NS, '--to-revision=3')).toBe(
      'statefulset.apps/db skipped rollback (current template already matches revision 3)\n',
    );
    for (const pod of standin.cluster.list('pods', { namespace: NS, labelSelector: 'app=db' }))
      expect(pod.metadata.labels?.['controller-revision-hash']).toBe(first);
  });

  it('kubectl rollout history and undo work for a DaemonSet too', async () => {
    await apply('agent', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent', 'fluent-bit:3.1') },
    });
    await kubectl('rollout', 'status', 'daemonset/agent', '-n', NS, '--timeout=60s');
    await kubectl('set', 'image', 'daemonset/agent', 'agent=fluent-bit:3.2', '-n', NS);
    await kubectl('rollout', 'status', 'daemonset/agent', '-n', NS, '--timeout=60s');
    expect(
      (await kubectl('rollout', 'history', 'daemonset/agent', '-n', NS))
        .trim()
        .split('\n')
        .slice(2)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['1', '2']);
    expect(await kubectl('rollout', 'undo', 'daemonset/agent', '-n', NS)).toBe('daemonset.apps/agent rolled back\n');
    await kubectl('rollout', 'status', 'daemonset/agent', '-n', NS, '--timeout=60s');
    const pods = await until('the agent pod to run the old image again', () => {
      const running = standin.cluster
        .list<Pod>('pods', { namespace: NS, labelSelector: 'app=agent' })
        .filter((p) => !p.metadata.deletionTimestamp);
      return running.length === 1 && running[0]?.spec.containers[0]?.image === 'fluent-bit:3.1' ? running : undefined;
    });
    expect(pods).toHaveLength(1);
    expect(
      (await kubectl('rollout', 'history', 'daemonset/agent', '-n', NS))
        .trim()
        .split('\n')
        .slice(2)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['2', '3']);
  });

  it('kubectl rollout undo of a Deployment scales its old ReplicaSet back up instead of making a new one', async () => {
    await apply('api', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: podTemplate('api', 'nginx:1.26') },
    });
    await kubectl('rollout', 'status', 'deployment/api', '-n', NS, '--timeout=60s');
    const original = standin.cluster.list<ReplicaSet>('replicasets', { namespace: NS, labelSelector: 'app=api' });
    expect(original).toHaveLength(1);
    await kubectl('set', 'image', 'deployment/api', 'api=nginx:1.27', '-n', NS);
    await kubectl('rollout', 'status', 'deployment/api', '-n', NS, '--timeout=60s');

    expect(await kubectl('rollout', 'undo', 'deployment/api', '-n', NS)).toBe('deployment.apps/api rolled back\n');
    await kubectl('rollout', 'status', 'deployment/api', '-n', NS, '--timeout=60s');
    const after = standin.cluster.list<ReplicaSet>('replicasets', { namespace: NS, labelSelector: 'app=api' });
    expect(after).toHaveLength(2);
    const back = after.find((rs) => rs.metadata.name === original[0]?.metadata.name) as ReplicaSet;
    expect(back.spec.replicas).toBe(2);
    expect(back.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(after.find((rs) => rs !== back)?.spec.replicas).toBe(0);
    expect(await kubectl('rollout', 'history', 'deployment/api', '-n', NS, '--revision=3')).toMatch(
      /Image:\s+nginx:1\.26/,
    );
    expect(
      (await kubectl('rollout', 'history', 'deployment/api', '-n', NS))
        .trim()
        .split('\n')
        .slice(2)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['2', '3']);
    // Undoing again is the same dance the other way round, still with two ReplicaSets.
    await kubectl('rollout', 'undo', 'deployment/api', '-n', NS);
    await kubectl('rollout', 'status', 'deployment/api', '-n', NS, '--timeout=60s');
    expect(standin.cluster.list('replicasets', { namespace: NS, labelSelector: 'app=api' })).toHaveLength(2);
  });
});
