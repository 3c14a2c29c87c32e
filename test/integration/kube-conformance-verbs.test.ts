// Conformance of the Kubernetes stand-in's verbs with a real API server, checked with a real kubectl:
// dry runs of deletes (DeleteOptions in the body, as kubectl sends them), pods/eviction under
// PodDisruptionBudgets, `kubectl drain`, LimitRange and ResourceQuota admission (and the controllers'
// FailedCreate when a pod is refused), and namespaces that terminate before they go.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import type { KubeObject, KubeStandin, Pod, PodDisruptionBudget } from '../../src/devstack/kube/index.js';
import { parseScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { kubectlFor } from '../support/kubectl.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/** kubectl's own wait (drain, rollout status, wait) for an event the test expects. */
const KUBECTL_WAIT = `--timeout=${EVENT_WAIT_MS / 1000}s`;
const NS = 'shop';

let dir: string;
let standin: KubeStandin;
let kubeconfig: string;

/** kubectl's exit code, stdout and stderr, whatever the exit code. */
/** kubectl's exit code, stdout and stderr, whatever the exit code. */
const kubectl = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).result(...args);

async function apply(...docs: object[]): Promise<void> {
  const file = join(dir, `manifest-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, docs.map((d) => YAML.stringify(d)).join('---\n'));
  const result = await kubectl('apply', '-f', file);
  expect(result.stderr).toBe('');
}

async function http(
  method: string,
  path: string,
  body?: object,
): Promise<{ code: number; body: Record<string, unknown> }> {
  const res = await standin.fetch(path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
}

let barriers = 0;

/** Store events (watch events) for objects of `namespace` while `action` runs, events excluded, up to a
 * barrier: a sentinel ConfigMap written through the API once the action is done. Controllers react to a
 * store event on the next tick, so a reaction to anything the action wrote is stored before the
 * sentinel, however slow the machine. */
async function changesDuring(namespace: string, action: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const sentinel = `barrier-${++barriers}`;
  const stop = standin.cluster.store.subscribe((e) => {
    const ns = e.resource === 'namespaces' ? e.object.metadata.name : e.object.metadata.namespace;
    if (ns === namespace && e.resource !== 'events') seen.push(`${e.type} ${e.resource}/${e.object.metadata.name}`);
  });
  try {
    await action();
    const written = await http('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: sentinel },
    });
    expect(written.code).toBe(201);
    await until(
      `the ${sentinel} event`,
      () => (seen.includes(`ADDED configmaps/${sentinel}`) ? true : undefined),
      EVENT_WAIT_MS,
    );
  } finally {
    stop();
  }
  await http('DELETE', `/api/v1/namespaces/${namespace}/configmaps/${sentinel}`);
  return seen.slice(0, seen.indexOf(`ADDED configmaps/${sentinel}`));
}

const pods = (namespace: string, selector = ''): Pod[] =>
  standin.cluster.list<Pod>('pods', { namespace, labelSelector: selector });
const running = (namespace: string, selector: string): Pod[] =>
  pods(namespace, selector).filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);

function pdb(name: string, namespace: string, app: string, minAvailable: number): object {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace },
    spec: { minAvailable, selector: { matchLabels: { app } } },
  };
}

/** A PDB whose status the disruption controller has caught up with. */
const settledPdb = (namespace: string, name: string): Promise<PodDisruptionBudget> =>
  until(
    `PDB ${name} status`,
    () => {
      const p = standin.cluster.get<PodDisruptionBudget>('poddisruptionbudgets', namespace, name);
      return p?.status?.observedGeneration === p?.metadata.generation ? p : undefined;
    },
    EVENT_WAIT_MS,
  );

function eviction(namespace: string, name: string, extra: object = {}): object {
  return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, ...extra };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-verbs-'));
  const scenario = parseScenario({
    name: 'verbs',
    nodes: [
      { name: 'node-a', ip: '10.0.0.1' },
      { name: 'node-b', ip: '10.0.0.2' },
    ],
    namespaces: [{ name: 'default' }, { name: 'kube-system' }, { name: NS }, { name: 'drain' }],
    workloads: [
      { kind: 'Deployment', name: 'web', namespace: NS, image: 'nginx:1.27', replicas: 2 },
      { kind: 'Deployment', name: 'api', namespace: NS, image: 'nginx:1.27', replicas: 1 },
      { kind: 'Deployment', name: 'worker', namespace: 'drain', image: 'nginx:1.27', replicas: 4 },
      { kind: 'DaemonSet', name: 'agent', namespace: 'kube-system', image: 'fluent-bit:3.0' },
    ],
  });
  standin = await startKubeStandin({
    scenario,
    cluster: { podReadyDelayMs: 30, podTerminationDelayMs: 50, namespaceTerminationDelayMs: 1_500 },
  });
  kubeconfig = join(dir, 'kubeconfig');
  await standin.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await standin?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dry runs of deletes (DeleteOptions in the body)', () => {
  it('kubectl delete deployment --dry-run=server deletes nothing: no change, no watch event, same resourceVersion', async () => {
    const before = standin.cluster.get('deployments', NS, 'web');
    const rv = standin.cluster.resourceVersion;
    let out = '';
    const changes = await changesDuring(NS, async () => {
      const result = await kubectl('delete', 'deployment', 'web', '-n', NS, '--dry-run=server');
      expect(result.code).toBe(0);
      expect(standin.cluster.resourceVersion).toBe(rv);
      out = result.stdout;
    });
    expect(out).toBe('deployment.apps "web" deleted (server dry run)\n');
    expect(changes).toEqual([]);
    expect(standin.cluster.get('deployments', NS, 'web')).toEqual(before);
    expect((await kubectl('get', 'deployment', 'web', '-n', NS, '-o', 'name')).stdout).toBe('deployment.apps/web\n');
  });

  it('kubectl delete ns --dry-run=server leaves the namespace Active and its contents alone', async () => {
    const changes = await changesDuring(NS, async () => {
      const result = await kubectl('delete', 'ns', NS, '--dry-run=server');
      expect(result.stdout).toBe(`namespace "${NS}" deleted (server dry run)\n`);
    });
    expect(changes).toEqual([]);
    expect((await kubectl('get', 'ns', NS, '-o', 'jsonpath={.status.phase}')).stdout).toBe('Active');
  });

  it('a dry-run delete of a pod answers the pod as the delete leaves it (deletionTimestamp) and stores nothing', async () => {
    const pod = pods(NS, 'app=api')[0] as Pod;
    const path = `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`;
    const reply = await http('DELETE', path, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 30,
      dryRun: ['All'],
    });
    expect(reply.code).toBe(200);
    const answered = reply.body as unknown as Pod;
    expect(answered.metadata.deletionTimestamp).toBeDefined();
    expect(answered.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(standin.cluster.get('pods', NS, pod.metadata.name)).toEqual(pod);
  });

  it('DeleteOptions come from the body when there is one, else from the query (never both)', async () => {
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'opts', namespace: NS }, data: { a: 'b' } });
    const path = `/api/v1/namespaces/${NS}/configmaps/opts`;
    expect((await http('DELETE', `${path}?dryRun=All`)).code).toBe(200);
    expect(standin.cluster.get('configmaps', NS, 'opts')).toBeDefined();
    // A body without dryRun is a real delete, whatever the query says: the API server reads one or the other.
    expect(
      (await http('DELETE', `${path}?dryRun=All`, { kind: 'DeleteOptions', apiVersion: 'v1' })).body,
    ).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(standin.cluster.get('configmaps', NS, 'opts')).toBeUndefined();
  });

  it('preconditions in the DeleteOptions body are checked: 409 Conflict with the registry message', async () => {
    const pod = pods(NS, 'app=api')[0] as Pod;
    const reply = await http('DELETE', `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { uid: 'not-the-uid' },
    });
    expect(reply.code).toBe(409);
    expect(reply.body).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on pods "${pod.metadata.name}": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${pod.metadata.uid}`,
    });
    expect(standin.cluster.get('pods', NS, pod.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('an object with finalizers is only marked for deletion (also in a dry run) until its last finalizer goes', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: NS, finalizers: ['example.com/hold'] },
      data: { a: 'b' },
    });
    const path = `/api/v1/namespaces/${NS}/configmaps/held`;
    const dry = await http('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] });
    expect((dry.body as unknown as KubeObject).metadata.deletionTimestamp).toBeDefined();
    expect(standin.cluster.get('configmaps', NS, 'held')?.metadata.deletionTimestamp).toBeUndefined();
    expect((await kubectl('delete', 'configmap', 'held', '-n', NS, '--wait=false')).code).toBe(0);
    expect(standin.cluster.get('configmaps', NS, 'held')?.metadata.deletionTimestamp).toBeDefined();
    expect(
      (await kubectl('patch', 'configmap', 'held', '-n', NS, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'))
        .code,
    ).toBe(0);
    expect((await kubectl('get', 'configmap', 'held', '-n', NS)).stderr).toBe(
      'Error from server (NotFound): configmaps "held" not found\n',
    );
  });

  it('--cascade=foreground: the Deployment is held by foregroundDeletion until its ReplicaSets and pods are gone', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fg', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'fg' } },
        template: { metadata: { labels: { app: 'fg' } }, spec: { containers: [{ name: 'fg', image: 'nginx:1.27' }] } },
      },
    });
    await until('fg pods running', () => (running(NS, 'app=fg').length === 2 ? true : undefined));
    const dry = await kubectl('delete', 'deployment', 'fg', '-n', NS, '--cascade=foreground', '--dry-run=server');
    expect(dry.stdout).toBe('deployment.apps "fg" deleted (server dry run)\n');
    expect(standin.cluster.get('deployments', NS, 'fg')?.metadata.deletionTimestamp).toBeUndefined();

    expect((await kubectl('delete', 'deployment', 'fg', '-n', NS, '--cascade=foreground', '--wait=false')).code).toBe(
      0,
    );
    const held = standin.cluster.get('deployments', NS, 'fg');
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata['finalizers']).toEqual(['foregroundDeletion']);
    expect((await kubectl('wait', '--for=delete', 'deployment/fg', '-n', NS, KUBECTL_WAIT)).code).toBe(0);
    expect(pods(NS, 'app=fg')).toEqual([]);
    expect(standin.cluster.list('replicasets', { namespace: NS, labelSelector: 'app=fg' })).toEqual([]);
  });

  it('a dry-run deletecollection lists what it would delete and deletes nothing', async () => {
    const before = pods(NS, 'app=web')
      .map((p) => p.metadata.name)
      .sort();
    const reply = await http('DELETE', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dweb`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      dryRun: ['All'],
    });
    expect(reply.code).toBe(200);
    expect((reply.body['items'] as KubeObject[]).map((p) => p.metadata.name).sort()).toEqual(before);
    expect(
      running(NS, 'app=web')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(before);
  });
});

describe('pods/eviction and PodDisruptionBudgets', () => {
  it('is refused with 429 TooManyRequests while the PDB allows no disruption', async () => {
    await apply(pdb('web-all', NS, 'web', 2));
    const budget = await settledPdb(NS, 'web-all');
    expect(budget.status?.disruptionsAllowed).toBe(0);
    const pod = running(NS, 'app=web')[0] as Pod;
    const reply = await http(
      'POST',
      `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/eviction`,
      eviction(NS, pod.metadata.name),
    );
    expect(reply.code).toBe(429);
    expect(reply.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web-all needs 2 healthy pods and has 2 currently',
          },
        ],
      },
      code: 429,
    });
    expect(standin.cluster.get<Pod>('pods', NS, pod.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('answers a Failure Status with code 500 when more than one PDB covers the pod (written with HTTP 201, as the real create handler does)', async () => {
    await apply(pdb('web-other', NS, 'web', 1));
    await settledPdb(NS, 'web-other');
    const pod = running(NS, 'app=web')[0] as Pod;
    const reply = await http(
      'POST',
      `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/eviction`,
      eviction(NS, pod.metadata.name),
    );
    expect(reply.code).toBe(201);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    expect(standin.cluster.get<Pod>('pods', NS, pod.metadata.name)?.metadata.deletionTimestamp).toBeUndefined();
    expect((await kubectl('delete', 'pdb', 'web-all', 'web-other', '-n', NS)).code).toBe(0);
  });

  it('with dryRun checks the budget and changes nothing; for real evicts and takes one disruption', async () => {
    await apply(pdb('web-one', NS, 'web', 1));
    expect((await settledPdb(NS, 'web-one')).status?.disruptionsAllowed).toBe(1);
    const pod = running(NS, 'app=web')[0] as Pod;
    const path = `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/eviction`;
    const changes = await changesDuring(NS, async () => {
      const dry = await http('POST', `${path}?dryRun=All`, eviction(NS, pod.metadata.name));
      expect(dry.code).toBe(201);
      const dryInBody = await http(
        'POST',
        path,
        eviction(NS, pod.metadata.name, { deleteOptions: { dryRun: ['All'] } }),
      );
      expect(dryInBody.code).toBe(201);
    });
    expect(changes).toEqual([]);

    const reply = await http('POST', path, { ...eviction(NS, pod.metadata.name), apiVersion: 'policy/v1beta1' });
    expect(reply.code).toBe(201);
    expect(reply.body).toMatchObject({ kind: 'Status', status: 'Success' });
    // The eviction took the one allowed disruption; the pod terminates and the ReplicaSet replaces it.
    await until(
      'evicted pod gone',
      () => (standin.cluster.get('pods', NS, pod.metadata.name) ? undefined : true),
      EVENT_WAIT_MS,
    );
    await until('replacement running', () => (running(NS, 'app=web').length === 2 ? true : undefined));
    expect((await kubectl('delete', 'pdb', 'web-one', '-n', NS)).code).toBe(0);
  });
});

describe('kubectl drain', () => {
  const onNode = (node: string): Pod[] => pods('drain').filter((p) => p.spec.nodeName === node);

  it('--dry-run=server ends, cordons nothing and deletes nothing', async () => {
    const before = onNode('node-b').map((p) => p.metadata.name);
    expect(before.length).toBeGreaterThan(0);
    const result = await kubectl(
      'drain',
      'node-b',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--dry-run=server',
      KUBECTL_WAIT,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('node/node-b drained (server dry run)');
    for (const name of before) expect(result.stdout).toContain(`evicting pod drain/${name} (server dry run)`);
    expect(onNode('node-b').map((p) => p.metadata.name)).toEqual(before);
    expect(onNode('node-b').every((p) => !p.metadata.deletionTimestamp)).toBe(true);
    expect(standin.cluster.get('nodes', undefined, 'node-b')?.['spec']).not.toMatchObject({ unschedulable: true });
  });

  it('evicts the pods, waits for them to go, and leaves the node cordoned; replacements land on the other node', async () => {
    const result = await kubectl('drain', 'node-b', '--ignore-daemonsets', '--delete-emptydir-data', KUBECTL_WAIT);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('node/node-b cordoned');
    expect(result.stdout).toContain('node/node-b drained');
    expect(onNode('node-b')).toEqual([]);
    expect(standin.cluster.get('nodes', undefined, 'node-b')?.['spec']).toMatchObject({ unschedulable: true });
    await until(
      'replacements on node-a',
      () => (running('drain', 'app=worker').length === 4 ? true : undefined),
      EVENT_WAIT_MS,
    );
    expect(running('drain', 'app=worker').every((p) => p.spec.nodeName === 'node-a')).toBe(true);
    expect((await kubectl('uncordon', 'node-b')).code).toBe(0);
  });

  it('under a PodDisruptionBudget it evicts one pod at a time, retrying on 429 until the replacements are ready', async () => {
    await apply(pdb('workers', 'drain', 'worker', 3));
    expect((await settledPdb('drain', 'workers')).status?.disruptionsAllowed).toBe(1);
    const result = await kubectl('drain', 'node-a', '--ignore-daemonsets', '--delete-emptydir-data', KUBECTL_WAIT);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.",
    );
    expect(result.stdout).toContain('node/node-a drained');
    await until(
      'workers back on node-b',
      () => (running('drain', 'app=worker').length === 4 ? true : undefined),
      EVENT_WAIT_MS,
    );
    expect(running('drain', 'app=worker').every((p) => p.spec.nodeName === 'node-b')).toBe(true);
    expect((await kubectl('uncordon', 'node-a')).code).toBe(0);
  });
});

describe('admission: LimitRange and ResourceQuota', () => {
  const QNS = 'quota';
  const quota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'compute', namespace: QNS },
    spec: { hard: { 'limits.cpu': '4', 'limits.memory': '4Gi' } },
  };

  beforeAll(async () => {
    expect((await kubectl('create', 'namespace', QNS)).code).toBe(0);
    await apply(quota);
  });

  it('refuses a pod without limits in a namespace whose quota constrains limits: 403 failed quota', async () => {
    const result = await kubectl('run', 'bare', '-n', QNS, '--image=nginx:1.27');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(
      'Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: bare; limits.memory for: bare\n',
    );
  });

  it('refuses a pod beyond what the quota leaves: 403 exceeded quota, with requested, used and limited', async () => {
    const sized = (name: string, cpu: string): string =>
      JSON.stringify({
        spec: { containers: [{ name, image: 'nginx:1.27', resources: { limits: { cpu, memory: '1Gi' } } }] },
      });
    expect(
      (await kubectl('run', 'big', '-n', QNS, '--image=nginx:1.27', `--overrides=${sized('big', '3')}`)).code,
    ).toBe(0);
    await until(
      'quota used',
      () =>
        (
          standin.cluster.get('resourcequotas', QNS, 'compute')?.['status'] as
            { used?: Record<string, string> } | undefined
        )?.used?.['limits.cpu'] === '3' || undefined,
      EVENT_WAIT_MS,
    );
    const result = await kubectl('run', 'more', '-n', QNS, '--image=nginx:1.27', `--overrides=${sized('more', '2')}`);
    expect(result.stderr).toBe(
      'Error from server (Forbidden): pods "more" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=3, limited: limits.cpu=4\n',
    );
    expect((await kubectl('delete', 'pod', 'big', '-n', QNS, '--wait=true')).code).toBe(0);
  });

  it('a Deployment rollout there stalls: FailedCreate on the ReplicaSet, ReplicaFailure, no pods', async () => {
    expect((await kubectl('create', 'deployment', 'web', '-n', QNS, '--image=nginx:1.27', '--replicas=2')).code).toBe(
      0,
    );
    const events = await until(
      'FailedCreate',
      async () => {
        const out = (await kubectl('get', 'events', '-n', QNS, '--field-selector', 'reason=FailedCreate', '-o', 'json'))
          .stdout;
        const items = (JSON.parse(out) as { items: KubeObject[] }).items;
        return items.length > 0 ? items : undefined;
      },
      EVENT_WAIT_MS,
    );
    expect(events[0]?.['involvedObject']).toMatchObject({ kind: 'ReplicaSet' });
    expect(events[0]?.['type']).toBe('Warning');
    expect(String(events[0]?.['message'])).toMatch(
      /^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: failed quota: compute: must specify limits\.cpu for: nginx; limits\.memory for: nginx$/,
    );
    const rs = standin.cluster.list('replicasets', { namespace: QNS })[0] as KubeObject;
    expect((rs['status'] as { conditions?: object[] }).conditions).toEqual([
      expect.objectContaining({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }),
    ]);
    expect(pods(QNS, 'app=web')).toEqual([]);
    const rollout = await kubectl('rollout', 'status', 'deployment/web', '-n', QNS, '--timeout=2s');
    expect(rollout.code).not.toBe(0);
    expect(rollout.stdout).toContain(
      'Waiting for deployment "web" rollout to finish: 0 out of 2 new replicas have been updated...',
    );
  });

  it('a StatefulSet there records the StatefulSet controller FailedCreate and creates no pod', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: QNS },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
      },
    });
    const message = await until(
      'FailedCreate on the StatefulSet',
      () =>
        standin.cluster
          .list('events', { namespace: QNS, fieldSelector: 'reason=FailedCreate,involvedObject.kind=StatefulSet' })
          .map((e) => String(e['message']))
          .find(Boolean),
      EVENT_WAIT_MS,
    );
    expect(message).toBe(
      'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: failed quota: compute: must specify limits.cpu for: db; limits.memory for: db',
    );
    expect(standin.cluster.get('pods', QNS, 'db-0')).toBeUndefined();
  });

  it('with a LimitRange the defaults are applied, the pod is admitted, and the stalled rollout completes', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'defaults', namespace: QNS },
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: '500m', memory: '256Mi' },
            defaultRequest: { cpu: '100m', memory: '128Mi' },
          },
        ],
      },
    });
    expect((await kubectl('run', 'bare', '-n', QNS, '--image=nginx:1.27')).code).toBe(0);
    const pod = JSON.parse((await kubectl('get', 'pod', 'bare', '-n', QNS, '-o', 'json')).stdout) as Pod;
    expect(pod.spec.containers[0]?.['resources']).toEqual({
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '128Mi' },
    });
    expect(pod.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu, memory request for container bare; cpu, memory limit for container bare',
    );
    const rollout = await kubectl('rollout', 'status', 'deployment/web', '-n', QNS, KUBECTL_WAIT);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');
    await until('db-0 running', () => (running(QNS, 'app=db').length === 1 ? true : undefined));
    const rs = standin.cluster.list('replicasets', { namespace: QNS })[0] as KubeObject;
    expect((rs['status'] as { conditions?: object[] }).conditions).toBeUndefined();
  });

  it('LimitRange max is enforced with the LimitRanger message', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'ceiling', namespace: QNS },
      spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] },
    });
    const overrides = JSON.stringify({
      spec: { containers: [{ name: 'huge', image: 'nginx:1.27', resources: { limits: { cpu: '2', memory: '1Gi' } } }] },
    });
    const result = await kubectl('run', 'huge', '-n', QNS, '--image=nginx:1.27', `--overrides=${overrides}`);
    expect(result.stderr).toBe(
      'Error from server (Forbidden): pods "huge" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n',
    );
  });
});

describe('namespaces terminate', () => {
  /** Invalid (a container needs an image): validation would answer 422 Invalid. */
  const IMAGELESS_POD = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'imageless' },
    spec: { containers: [{ name: 'c' }] },
  };

  it('refuses an invalid object in a namespace that does not exist with 404 NotFound, before validating it', async () => {
    const reply = await http('POST', '/api/v1/namespaces/nowhere/pods', IMAGELESS_POD);
    expect(reply).toEqual({
      code: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'namespaces "nowhere" not found',
        reason: 'NotFound',
        details: { name: 'nowhere', kind: 'namespaces' },
        code: 404,
      },
    });
    const file = join(dir, 'nowhere.yaml');
    await writeFile(file, YAML.stringify({ ...IMAGELESS_POD, metadata: { name: 'imageless', namespace: 'nowhere' } }));
    expect((await kubectl('create', '-f', file)).stderr).toBe(
      'Error from server (NotFound): error when creating "' + file + '": namespaces "nowhere" not found\n',
    );
  });

  it('kubectl delete ns: Terminating while content is left (creation refused, a second delete a Conflict), then gone', async () => {
    const NS2 = 'leaving';
    expect((await kubectl('create', 'namespace', NS2)).code).toBe(0);
    expect((await kubectl('create', 'deployment', 'd', '-n', NS2, '--image=nginx:1.27', '--replicas=2')).code).toBe(0);
    // Content held by a finalizer holds the namespace (the classic stuck namespace) until it is released.
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: NS2, finalizers: ['example.com/hold'] },
    });
    await until('pods running', () => (running(NS2, 'app=d').length === 2 ? true : undefined));
    expect((await kubectl('delete', 'namespace', NS2, '--wait=false')).stdout).toBe(`namespace "${NS2}" deleted\n`);
    const ns = JSON.parse((await kubectl('get', 'namespace', NS2, '-o', 'json')).stdout) as KubeObject;
    expect(ns.metadata.deletionTimestamp).toBeDefined();
    expect(ns['spec']).toEqual({ finalizers: ['kubernetes'] });
    expect(ns['status']).toMatchObject({ phase: 'Terminating' });
    expect((await kubectl('get', 'namespace', NS2, '--no-headers')).stdout).toMatch(
      new RegExp(`^${NS2}\\s+Terminating\\s`),
    );
    const again = await kubectl('delete', 'namespace', NS2, '--wait=false');
    expect(again.stderr).toBe(
      `Error from server (Conflict): Operation cannot be fulfilled on namespaces "${NS2}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.\n`,
    );
    const refused = await kubectl('create', 'configmap', 'late', '-n', NS2);
    expect(refused.stderr).toBe(
      `error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in namespace ${NS2} because it is being terminated\n`,
    );
    // NamespaceLifecycle admission runs before validation: an invalid object is refused for the namespace, not its name.
    const invalid = await http('POST', `/api/v1/namespaces/${NS2}/pods`, IMAGELESS_POD);
    expect(invalid).toMatchObject({
      code: 403,
      body: {
        reason: 'Forbidden',
        message: `pods "imageless" is forbidden: unable to create new content in namespace ${NS2} because it is being terminated`,
      },
    });
    await until('pods gone', () => (pods(NS2).length === 0 ? true : undefined));
    expect(standin.cluster.get('configmaps', NS2, 'held')?.metadata.deletionTimestamp).toBeDefined();
    expect(standin.cluster.get('namespaces', undefined, NS2)).toBeDefined();

    expect(
      (await kubectl('patch', 'configmap', 'held', '-n', NS2, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'))
        .code,
    ).toBe(0);
    const gone = await kubectl('wait', '--for=delete', `namespace/${NS2}`, KUBECTL_WAIT);
    expect(gone.code).toBe(0);
    expect((await kubectl('get', 'namespace', NS2)).stderr).toBe(
      `Error from server (NotFound): namespaces "${NS2}" not found\n`,
    );
  });
});
