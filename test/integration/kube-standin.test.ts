// The Kubernetes stand-in against the real clients: kubectl (Debian's or any on PATH) and
// @kubernetes/client-node, both through the kubeconfig the stand-in writes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { KubeStandin, Pod, Scenario } from '../../src/devstack/kube/index.js';
import { generateScenario, loadScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { kubectlFor } from '../support/kubectl.js';
import { statusOf } from '../support/kube-status.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/** kubectl's own wait (rollout status) for an event the test expects. */
const KUBECTL_WAIT = `--timeout=${EVENT_WAIT_MS / 1000}s`;

const ready = (p: k8s.V1Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

let dir: string;
let standin: KubeStandin;
let kubeconfig: string;
let kc: k8s.KubeConfig;
let scenario: Scenario;

const kubectl = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).run(...args);
/** kubectl's stderr when it is expected to fail. */
const kubectlFails = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).fails(...args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-standin-'));
  scenario = await loadScenario('254carbon');
  // 600 s progress deadlines become 3 s (a rollout that makes no progress for that long fails: far above a
  // loaded machine's stall between two 40 ms pod starts); watches resume across the last 200 changes.
  standin = await startKubeStandin({
    scenario,
    cluster: { podReadyDelayMs: 40, podTerminationDelayMs: 20, progressDeadlineScale: 0.005, watchHistory: 200 },
  });
  kubeconfig = join(dir, 'kubeconfig');
  await standin.writeKubeconfig(kubeconfig);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
});

afterAll(async () => {
  await standin?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the 254Carbon scenario through kubectl', () => {
  it('lists the namespaces', async () => {
    const out = await kubectl('get', 'ns');
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    for (const ns of [
      'data-platform',
      'kafka',
      'monitoring',
      'registry',
      'cloudflare-tunnel',
      'ingress-nginx',
      'cert-manager',
      'kube-system',
    ])
      expect(out).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\d+d$`, 'm'));
  });

  it('lists every pod with the usual columns, 158 of them', async () => {
    const lines = (await kubectl('get', 'pods', '-A')).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines).toHaveLength(1 + 158);
    const text = lines.join('\n');
    expect(text).toMatch(/^data-platform\s+vault-d4c9c888b-cdsgz\s+1\/1\s+Running\s+0\s+16d$/m);
    expect(text).toMatch(
      /^data-platform\s+dolphinscheduler-worker-\S+\s+0\/1\s+CrashLoopBackOff\s+27 \(4m\d*s? ago\)\s+18d$/m,
    );
    for (const status of ['ImagePullBackOff', 'ErrImagePull', 'Pending', 'OOMKilled', 'Error', 'Completed'])
      expect(text).toContain(` ${status} `);
  });

  it('selects pods by label', async () => {
    const lines = (await kubectl('get', 'pods', '-n', 'data-platform', '-l', 'app=trino'))
      .trimEnd()
      .split('\n')
      .slice(1);
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => /^trino-coordinator-\S+\s+1\/1\s+Running/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^trino-worker-\S+\s+0\/1\s+Pending/.test(l))).toHaveLength(1);
  });

  it('serves JSON whose numbers make platform health 118/154 = 76.6 %', async () => {
    const list = JSON.parse(await kubectl('get', 'pods', '-A', '-o', 'json')) as { items: Pod[] };
    expect(list.items).toHaveLength(158);
    const counted = list.items.filter((p) => p.status.phase !== 'Succeeded');
    const readyCount = counted.filter((p) =>
      p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    expect([readyCount, counted.length]).toEqual([118, 154]);
    expect(((100 * readyCount) / counted.length).toFixed(1)).toBe('76.6');
    const oom = list.items.find(
      (p) =>
        p.metadata.name.startsWith('dolphinscheduler-worker-') && p.status.containerStatuses?.[0]?.restartCount === 27,
    );
    expect(oom?.status.containerStatuses?.[0]?.lastState.terminated?.reason).toBe('OOMKilled');
    expect(oom?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', controller: true });
    expect(oom?.spec.nodeName).toBe('carbon-node-1');
  });

  it('has every catalogue workload, and prints deployments like kubectl does', async () => {
    const out = await kubectl('get', 'deploy', '-A');
    expect(out.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(out).toMatch(/^data-platform\s+dolphinscheduler-worker\s+5\/6\s+6\s+5\s+18d$/m);
    expect(out).toMatch(/^cloudflare-tunnel\s+cloudflared\s+2\/2\s+2\s+2\s+33d$/m);
    const catalogue = await import('yaml').then(async (YAML) =>
      YAML.parse(
        await import('node:fs/promises').then((fs) =>
          fs.readFile(new URL('../../catalogue/services.yaml', import.meta.url), 'utf8'),
        ),
      ),
    );
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    for (const { namespace, workload } of catalogue.services as { namespace: string; workload: string }[]) {
      const [kind, name] = workload.split('/') as [string, string];
      const found =
        kind === 'deployment'
          ? await apps.readNamespacedDeployment({ name, namespace })
          : await apps.readNamespacedStatefulSet({ name, namespace });
      expect(found.metadata?.name).toBe(name);
    }
    expect((await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: 'kafka' })).status?.readyReplicas).toBe(3);
    expect(await kubectl('get', 'deploy', 'vault', '-n', 'data-platform')).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nvault\s+1\/1\s+1\s+1\s+16d\n$/,
    );
  });

  it('has the events failing pods keep producing', async () => {
    const out = await kubectl(
      'get',
      'events',
      '-n',
      'data-platform',
      '--field-selector',
      'involvedObject.kind=Pod,type=Warning',
    );
    expect(out.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(out).toMatch(/Warning\s+BackOff\s+pod\/lakefs-\S+\s+Back-off restarting failed container lakefs/);
    expect(out).toMatch(/Warning\s+Failed\s+pod\/datahub-gms-\S+\s+Error: ImagePullBackOff/);
    expect(out).toMatch(
      /Warning\s+FailedScheduling\s+pod\/elasticsearch-master-1\s+0\/1 nodes are available: 1 Insufficient cpu/,
    );
  });
});

describe('rollouts', () => {
  it('kubectl rollout restart changes only the restartedAt annotation, and rollout status follows it to the end', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const before = await apps.readNamespacedDeployment({ name: 'superset-worker', namespace: 'data-platform' });
    expect(await kubectl('rollout', 'restart', 'deploy/superset-worker', '-n', 'data-platform')).toContain(
      'deployment.apps/superset-worker restarted',
    );
    const after = await apps.readNamespacedDeployment({ name: 'superset-worker', namespace: 'data-platform' });
    const annotations = after.spec?.template.metadata?.annotations ?? {};
    expect(Object.keys(annotations)).toEqual(['kubectl.kubernetes.io/restartedAt']);
    const { annotations: _dropped, ...templateMeta } = after.spec?.template.metadata ?? {};
    expect({ ...after.spec, template: { ...after.spec?.template, metadata: templateMeta } }).toEqual(before.spec);
    expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    const raw = JSON.parse(
      await kubectl('get', 'deploy', 'superset-worker', '-n', 'data-platform', '-o', 'json', '--show-managed-fields'),
    ) as {
      metadata: { managedFields: { manager: string; fieldsV1: object }[] };
    };
    expect(raw.metadata.managedFields.find((m) => m.manager === 'kubectl-rollout')?.fieldsV1).toEqual({
      'f:spec': { 'f:template': { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/restartedAt': {} } } } },
    });

    const status = await kubectl('rollout', 'status', 'deploy/superset-worker', '-n', 'data-platform', KUBECTL_WAIT);
    expect(status).toContain('deployment "superset-worker" successfully rolled out');
    const done = await apps.readNamespacedDeployment({ name: 'superset-worker', namespace: 'data-platform' });
    expect(done.status).toMatchObject({
      observedGeneration: done.metadata?.generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(done.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    const pods = await kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedPod({ namespace: 'data-platform', labelSelector: 'app=superset,component=worker' });
    const hash = (
      await apps.listNamespacedReplicaSet({
        namespace: 'data-platform',
        labelSelector: 'app=superset,component=worker',
      })
    ).items.find((rs) => rs.spec?.replicas === 3)?.metadata?.labels?.['pod-template-hash'];
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(
      pods.items.map(() => expect.stringMatching(new RegExp(`^superset-worker-${hash}-[a-z0-9]{5}$`))),
    );
    expect(
      pods.items.every(
        (p) =>
          p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ===
          annotations['kubectl.kubernetes.io/restartedAt'],
      ),
    ).toBe(true);
    const events = await kubectl(
      'get',
      'events',
      '-n',
      'data-platform',
      '--field-selector',
      'involvedObject.name=superset-worker',
    );
    expect(events).toMatch(
      /ScalingReplicaSet\s+deployment\/superset-worker\s+Scaled up replica set superset-worker-\S+ from 0 to 1/,
    );
  });

  it('kubectl refuses to restart a paused deployment, and nothing changes', async () => {
    const before = await kubectl(
      'get',
      'deploy',
      'seatunnel',
      '-n',
      'data-platform',
      '-o',
      'jsonpath={.metadata.generation}',
    );
    expect(await kubectlFails('rollout', 'restart', 'deploy/seatunnel', '-n', 'data-platform')).toContain(
      "can't restart paused deployment (run rollout resume first)",
    );
    expect(
      await kubectl('get', 'deploy', 'seatunnel', '-n', 'data-platform', '-o', 'jsonpath={.metadata.generation}'),
    ).toBe(before);
  });

  it('a workload that never becomes ready ends its rollout in ProgressDeadlineExceeded', async () => {
    await kubectl('rollout', 'restart', 'deploy/datahub-gms', '-n', 'data-platform');
    const stderr = await kubectlFails('rollout', 'status', 'deploy/datahub-gms', '-n', 'data-platform', KUBECTL_WAIT);
    expect(stderr).toContain('deployment "datahub-gms" exceeded its progress deadline');
    const d = await kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedDeployment({ name: 'datahub-gms', namespace: 'data-platform' });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    // maxUnavailable rounds down to 0 of 1, so the old pod stays while the new one cannot pull its image.
    const pods = (
      await kc
        .makeApiClient(k8s.CoreV1Api)
        .listNamespacedPod({ namespace: 'data-platform', labelSelector: 'app=datahub,component=gms' })
    ).items;
    expect(pods.map((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason).sort()).toEqual([
      'ImagePullBackOff',
      'ImagePullBackOff',
    ]);
  });

  it('a StatefulSet rolls one pod at a time, highest ordinal first', async () => {
    const deleted: string[] = [];
    const watch = await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/kafka/pods',
      { labelSelector: 'app=kafka', resourceVersion: String(standin.cluster.resourceVersion) },
      (type, pod: k8s.V1Pod) => {
        if (type === 'DELETED') deleted.push(pod.metadata?.name ?? '');
      },
      () => undefined,
    );
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await apps.patchNamespacedStatefulSet(
      {
        name: 'kafka',
        namespace: 'kafka',
        fieldManager: 'carbon-ops',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } },
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const out = await kubectl('rollout', 'status', 'sts/kafka', '-n', 'kafka', KUBECTL_WAIT);
    expect(out).toContain('partitioned roll out complete: 3 new pods have been updated');
    watch.abort();
    expect(deleted).toEqual(['kafka-2', 'kafka-1', 'kafka-0']);
    const sts = await apps.readNamespacedStatefulSet({ name: 'kafka', namespace: 'kafka' });
    expect(sts.status?.currentRevision).toBe(sts.status?.updateRevision);
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 });
  });

  it('PodDisruptionBudgets report their headroom from the pods they select', async () => {
    const policy = kc.makeApiClient(k8s.PolicyV1Api);
    await policy.createNamespacedPodDisruptionBudget({
      namespace: 'data-platform',
      body: {
        metadata: { name: 'dolphinscheduler-worker' },
        spec: { minAvailable: 4, selector: { matchLabels: { app: 'dolphinscheduler', component: 'worker' } } },
      },
    });
    const manifest = join(dir, 'pdb.yaml');
    await writeFile(
      manifest,
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: trino-worker, namespace: data-platform}\nspec: {maxUnavailable: 25%, selector: {matchLabels: {app: trino, component: worker}}}\n',
    );
    expect(await kubectl('apply', '-f', manifest)).toContain('poddisruptionbudget.policy/trino-worker created');
    const status = (name: string): Promise<k8s.V1PodDisruptionBudgetStatus> =>
      until(
        `${name} status`,
        async () => (await policy.readNamespacedPodDisruptionBudget({ name, namespace: 'data-platform' })).status,
      );
    expect(await status('dolphinscheduler-worker')).toMatchObject({
      currentHealthy: 5,
      desiredHealthy: 4,
      disruptionsAllowed: 1,
      expectedPods: 6,
    });
    expect(await status('trino-worker')).toMatchObject({
      currentHealthy: 6,
      desiredHealthy: 5,
      disruptionsAllowed: 1,
      expectedPods: 7,
    });
    expect(await kubectl('get', 'pdb', '-n', 'data-platform')).toMatch(/^trino-worker\s+N\/A\s+25%\s+1\s+\d+s$/m);
  });
  it('replaces a deleted pod, as its ReplicaSet does', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const names = async (): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace: 'cloudflare-tunnel' })).items.map((p) => p.metadata?.name ?? '');
    const [victim, survivor] = await names();
    expect(await kubectl('delete', 'pod', victim as string, '-n', 'cloudflare-tunnel')).toContain(
      `pod "${victim}" deleted`,
    );
    const after = await until('a replacement', async () => {
      const pods = (await core.listNamespacedPod({ namespace: 'cloudflare-tunnel' })).items;
      return pods.length === 2 && pods.every(ready) && !pods.some((p) => p.metadata?.name === victim)
        ? pods
        : undefined;
    });
    expect(after.map((p) => p.metadata?.name)).toContain(survivor);
  });
});

describe('API semantics through @kubernetes/client-node', () => {
  it('answers unknown namespaces and pods with NotFound Status objects', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const ns = await statusOf(core.readNamespace({ name: 'nope' }));
    expect(ns.code).toBe(404);
    expect(ns.status).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'namespaces "nope" not found',
      details: { name: 'nope', kind: 'namespaces' },
    });
    expect((await statusOf(core.readNamespacedPod({ name: 'nope', namespace: 'data-platform' }))).status).toMatchObject(
      {
        code: 404,
        reason: 'NotFound',
        details: { name: 'nope', kind: 'pods' },
      },
    );
    expect(
      (
        await statusOf(
          kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: 'nope', namespace: 'data-platform' }),
        )
      ).status,
    ).toMatchObject({
      message: 'deployments.apps "nope" not found',
      details: { group: 'apps', kind: 'deployments' },
    });
    expect((await statusOf(core.listPodForAllNamespaces({ labelSelector: 'app in (a' }))).code).toBe(400);
    expect((await statusOf(core.createNamespace({ body: { metadata: { name: 'kafka' } } }))).status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
    // Like the real server, listing in a namespace that does not exist is an empty list, not an error.
    expect((await core.listNamespacedPod({ namespace: 'nope' })).items).toEqual([]);
  });

  it('watches a pod list: the events a rollout produces, in order', async () => {
    const seen: string[] = [];
    const watch = await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/data-platform/pods',
      { labelSelector: 'app=vault', resourceVersion: String(standin.cluster.resourceVersion) },
      (type, pod: k8s.V1Pod) =>
        seen.push(
          `${type} ${pod.metadata?.name} ${pod.metadata?.deletionTimestamp ? 'terminating' : ready(pod) ? 'ready' : 'not-ready'}`,
        ),
      () => undefined,
    );
    await kubectl('rollout', 'restart', 'deploy/vault', '-n', 'data-platform');
    await until('the old vault pod to go', () =>
      seen.some((s) => s.startsWith('DELETED vault-d4c9c888b-cdsgz')) ? true : undefined,
    );
    watch.abort();
    const added = seen.find((s) => s.startsWith('ADDED'));
    expect(added).toMatch(/^ADDED vault-\w+-\w{5} not-ready$/);
    const newPod = added?.split(' ')[1] as string;
    expect(seen.indexOf(`MODIFIED ${newPod} ready`)).toBeGreaterThan(seen.indexOf(added as string));
    expect(seen.indexOf('MODIFIED vault-d4c9c888b-cdsgz terminating')).toBeGreaterThan(
      seen.indexOf(`MODIFIED ${newPod} ready`),
    );
  });

  it('replays a watch from a resourceVersion, and says 410 when it is too old to replay', async () => {
    const rv = standin.cluster.resourceVersion;
    const worker = standin.cluster.list('pods', {
      namespace: 'data-platform',
      labelSelector: 'app=ray,component=worker',
    })[0];
    standin.cluster.setPodReady('data-platform', worker?.metadata.name ?? '', false);
    const body = await standin
      .fetch(`/api/v1/namespaces/data-platform/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1`)
      .then((r) => r.text());
    const events = body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: Pod });
    expect(events[0]?.type).toBe('MODIFIED');
    expect(events[0]?.object.metadata.name).toBe(worker?.metadata.name);
    expect(events[0]?.object.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    const old = await standin.fetch(`/api/v1/pods?watch=1&resourceVersion=1&timeoutSeconds=1`).then((r) => r.text());
    expect(JSON.parse(old.trim())).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });
});

describe('a generated 2,000-pod cluster', () => {
  let big: KubeStandin;
  let bigKc: k8s.KubeConfig;

  beforeAll(async () => {
    big = await startKubeStandin({ scenario: generateScenario({ pods: 2000, namespaces: 20, seed: 7 }) });
    bigKc = new k8s.KubeConfig();
    bigKc.loadFromString(big.kubeconfigYaml());
  });
  afterAll(() => big?.close());

  async function listAll(core: k8s.CoreV1Api): Promise<k8s.V1Pod[]> {
    const pods: k8s.V1Pod[] = [];
    let token: string | undefined;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 500, ...(token ? { _continue: token } : {}) });
      pods.push(...page.items);
      token = page.metadata?._continue;
      if (token) expect(page.metadata?.remainingItemCount).toBe(2000 - pods.length);
    } while (token);
    return pods;
  }

  it('is deterministic and has a realistic mix', () => {
    const a = generateScenario({ pods: 2000, namespaces: 20, seed: 7 });
    expect(generateScenario({ pods: 2000, namespaces: 20, seed: 7 })).toEqual(a);
    expect(a.namespaces).toHaveLength(20);
    const pods = big.cluster.list<Pod>('pods');
    expect(pods).toHaveLength(2000);
    const share =
      pods.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length / 2000;
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(0.98);
  });

  it('pages with limit/continue in exactly ceil(pods/500) list requests', async () => {
    big.stats.listRequests = {};
    const pods = await listAll(bigKc.makeApiClient(k8s.CoreV1Api));
    expect(pods).toHaveLength(2000);
    expect(new Set(pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).size).toBe(2000);
    expect(big.stats.listRequests['pods']).toBe(4);
  });

  it('expires continue tokens with 410 Gone, and a fresh listing then succeeds', async () => {
    const core = bigKc.makeApiClient(k8s.CoreV1Api);
    const first = await core.listPodForAllNamespaces({ limit: 500 });
    big.faults.expireContinueAfter = 1;
    const gone = await statusOf(
      core.listPodForAllNamespaces({ limit: 500, _continue: first.metadata?._continue as string }),
    );
    expect(gone.code).toBe(410);
    expect(gone.status).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(await listAll(core)).toHaveLength(2000);
  });

  it('kubectl pages through it too, 500 at a time', async () => {
    await big.writeKubeconfig(join(dir, 'big-kubeconfig'));
    big.stats.listRequests = {};
    const stdout = await kubectlFor(join(dir, 'big-kubeconfig'), join(dir, 'cache')).run(
      'get',
      'pods',
      '-A',
      '--no-headers',
    );
    expect(stdout.trimEnd().split('\n')).toHaveLength(2000);
    expect(big.stats.listRequests['pods']).toBe(4);
  });
});

describe('faults', () => {
  it('adds latency, goes down with 503 or dropped connections, and hangs', async () => {
    const url = `/api/v1/namespaces/kube-system/pods`;
    standin.faults.latencyMs = 150;
    let start = Date.now();
    expect((await standin.fetch(url)).status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    standin.faults.latencyMs = 0;

    standin.faults.down = 'unavailable';
    const down = await standin.fetch(url);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    standin.faults.down = 'reset';
    await expect(standin.fetch(url)).rejects.toThrow();
    standin.faults.down = false;

    standin.faults.hang = true;
    start = Date.now();
    await expect(standin.fetch(url, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    standin.faults.hang = false;
    expect((await standin.fetch(url)).status).toBe(200);
  });
});
