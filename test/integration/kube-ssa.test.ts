// Server-side apply, dry runs, diffs and deletes on the Kubernetes stand-in, checked with a real kubectl
// (`apply --server-side`, `--dry-run=server`, `diff`, `delete`) and @kubernetes/client-node's
// KubernetesObjectApi; and the status the stand-in's controllers keep for the kinds of the phase
// manifests: ResourceQuota used/hard, PodDisruptionBudget health, cert-manager Certificates.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { KubeObject, KubeStandin, Pod } from '../../src/devstack/kube/index.js';
import { loadScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { kubectlFor } from '../support/kubectl.js';
import { statusOf } from '../support/kube-status.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';

/** kubectl's own wait for a condition the test expects. */
const KUBECTL_WAIT = `--timeout=${EVENT_WAIT_MS / 1000}s`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const NS = 'ssa-demo';
const PHASES = new URL('../../manifests/phases/', import.meta.url);

let dir: string;
let standin: KubeStandin;
let kubeconfig: string;
let kc: k8s.KubeConfig;
let objects: k8s.KubernetesObjectApi;

const kubectl = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).run(...args);
/** kubectl's exit code, stdout and stderr, whatever the exit code. */
const kubectlResult = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).result(...args);

async function manifest(name: string, ...docs: object[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, docs.map((d) => YAML.stringify(d)).join('---\n'));
  return path;
}

type Manifest = k8s.KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: object;
};

function deployment(
  replicas: number,
  extra: { labels?: Record<string, string>; image?: string; name?: string } = {},
): Manifest {
  const name = extra.name ?? 'web';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: extra.labels ?? { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'web',
              image: extra.image ?? 'nginx:1.27',
              ports: [{ containerPort: 80 }],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
            },
          ],
        },
      },
    },
  };
}

const get = <T extends KubeObject = KubeObject>(
  resource: string,
  name: string,
  namespace: string | undefined = NS,
): T | undefined => standin.cluster.get<T>(resource, namespace, name);
const managers = (o: KubeObject | undefined): Record<string, unknown> =>
  Object.fromEntries((o?.metadata.managedFields ?? []).map((m) => [`${m.manager}/${m.operation}`, m.fieldsV1]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-ssa-'));
  standin = await startKubeStandin({
    scenario: await loadScenario('254carbon'),
    cluster: { podReadyDelayMs: 30, podTerminationDelayMs: 20, issuerReadyDelayMs: 50, certificateIssueDelayMs: 100 },
  });
  kubeconfig = join(dir, 'kubeconfig');
  await standin.writeKubeconfig(kubeconfig);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  // A cluster-scoped object applied like any other.
  const ns = await manifest('ns.yaml', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS, labels: { team: 'platform' } },
  });
  expect(await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', ns)).toBe(
    `namespace/${NS} serverside-applied\n`,
  );
});

afterAll(async () => {
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('server-side apply through kubectl', () => {
  it('creates the object, records the manager in managedFields, and re-applying changes nothing', async () => {
    const file = await manifest('web.yaml', deployment(2));
    expect(await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', file)).toBe(
      'deployment.apps/web serverside-applied\n',
    );
    const created = JSON.parse(
      await kubectl('get', 'deploy', 'web', '-n', NS, '-o', 'json', '--show-managed-fields'),
    ) as KubeObject;
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'carbon-ops',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                    'f:resources': { 'f:requests': { 'f:cpu': {}, 'f:memory': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
    // Defaults are filled in but owned by nobody.
    expect(created['spec']).toMatchObject({ progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate' } });
    await until(
      '2 ready pods',
      () =>
        (get('deployments', 'web')?.['status'] as { readyReplicas?: number } | undefined)?.readyReplicas === 2 ||
        undefined,
    );

    const rv = get('deployments', 'web')?.metadata.resourceVersion;
    expect(await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', file)).toBe(
      'deployment.apps/web serverside-applied\n',
    );
    expect(get('deployments', 'web')?.metadata.resourceVersion).toBe(rv);
  });

  it('answers an apply that changes a field another manager owns with 409 Conflict naming both, unless forced', async () => {
    const before = get('deployments', 'web');
    const file = await manifest('web-3.yaml', deployment(3));
    const refused = await kubectlResult('apply', '--server-side', '--field-manager', 'other-manager', '-f', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "carbon-ops": .spec.replicas');
    expect(refused.stderr).toContain('--force-conflicts');
    expect(get('deployments', 'web')?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);

    // The same through client-node: the Status carries the cause as the real server words it.
    const conflict = await statusOf(
      objects.patch(deployment(3), undefined, undefined, 'other-manager', false, k8s.PatchStrategy.ServerSideApply),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "carbon-ops": .spec.replicas',
      details: {
        causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "carbon-ops"', field: '.spec.replicas' }],
      },
    });

    // Applying the value the owner already has is no conflict: the field is then shared.
    await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'co-owner',
      '-f',
      await manifest('web-2.yaml', deployment(2)),
    );
    expect(Object.keys(managers(get('deployments', 'web')))).toEqual(['carbon-ops/Apply', 'co-owner/Apply']);

    // --force-conflicts: the value changes and ownership moves to the forcing manager.
    expect(
      await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager', 'other-manager', '-f', file),
    ).toBe('deployment.apps/web serverside-applied\n');
    const forced = get<KubeObject & { spec: { replicas: number } }>('deployments', 'web');
    expect(forced?.spec.replicas).toBe(3);
    const owners = managers(forced);
    expect(owners['other-manager/Apply']).toMatchObject({ 'f:spec': { 'f:replicas': {} } });
    expect((owners['carbon-ops/Apply'] as { 'f:spec': object })['f:spec']).not.toHaveProperty('f:replicas');
    expect((owners['co-owner/Apply'] as { 'f:spec': object })['f:spec']).not.toHaveProperty('f:replicas');
  });

  it('makes fields kubectl patch or edit changed (Update managers) conflict with an apply too', async () => {
    await kubectl(
      'patch',
      'deploy',
      'web',
      '-n',
      NS,
      '-p',
      JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } }),
    );
    expect(managers(get('deployments', 'web'))['kubectl-patch/Update']).toEqual({
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } },
    });
    const refused = await kubectlResult(
      'apply',
      '--server-side',
      '--field-manager',
      'carbon-ops',
      '-f',
      await manifest('web-3b.yaml', deployment(3)),
    );
    expect(refused.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.template.spec.containers[name="web"].image',
    );
    // Forcing a change takes the fields back from everyone: the image from kubectl-patch, replicas
    // (3 → 2) from other-manager, which shared nothing else that changed.
    await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'carbon-ops',
      '--force-conflicts',
      '-f',
      await manifest('web-2b.yaml', deployment(2)),
    );
    const owners = managers(get('deployments', 'web'));
    expect(owners).not.toHaveProperty('kubectl-patch/Update');
    expect((owners['other-manager/Apply'] as { 'f:spec': object })['f:spec']).not.toHaveProperty('f:replicas');
    expect(owners['carbon-ops/Apply']).toMatchObject({ 'f:spec': { 'f:replicas': {} } });
  });

  it('removes fields a manager stops applying, unless another manager still owns them', async () => {
    const labelled = (labels?: Record<string, string>): object => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS, ...(labels ? { labels } : {}) },
    });
    await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'labeller',
      '-f',
      await manifest('l1.yaml', labelled({ tier: 'front', team: 'data' })),
    );
    await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'team-tagger',
      '-f',
      await manifest('l2.yaml', labelled({ team: 'data' })),
    );
    expect(get('deployments', 'web')?.metadata.labels).toEqual({ app: 'web', tier: 'front', team: 'data' });
    await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'labeller',
      '-f',
      await manifest('l3.yaml', labelled({ tier: 'front' })),
    );
    expect(get('deployments', 'web')?.metadata.labels).toEqual({ app: 'web', tier: 'front', team: 'data' });
    expect(managers(get('deployments', 'web'))['labeller/Apply']).toEqual({
      'f:metadata': { 'f:labels': { 'f:tier': {} } },
    });
    // An apply of nothing gives up everything: the label only the labeller owned goes, and so does its entry.
    await kubectl('apply', '--server-side', '--field-manager', 'labeller', '-f', await manifest('l4.yaml', labelled()));
    expect(get('deployments', 'web')?.metadata.labels).toEqual({ app: 'web', team: 'data' });
    expect(managers(get('deployments', 'web'))).not.toHaveProperty('labeller/Apply');
  });

  it('stores nothing on --dry-run=server, and returns what would be stored', async () => {
    const before = get('deployments', 'web');
    const out = await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'carbon-ops',
      '--dry-run=server',
      '-o',
      'json',
      '-f',
      await manifest('web-7.yaml', deployment(7)),
    );
    const wouldBe = JSON.parse(out) as KubeObject & { spec: { replicas: number } };
    expect(wouldBe.spec.replicas).toBe(7);
    expect(wouldBe.metadata.generation).toBe((before?.metadata.generation ?? 0) + 1);
    expect(wouldBe.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(get('deployments', 'web')).toEqual(before);

    const fresh = await manifest('api.yaml', deployment(1, { name: 'api' }));
    expect(
      await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '--dry-run=server', '-f', fresh),
    ).toBe('deployment.apps/api serverside-applied (server dry run)\n');
    expect((await kubectlResult('get', 'deploy', 'api', '-n', NS)).stderr).toContain(
      'deployments.apps "api" not found',
    );
    expect(standin.cluster.list('pods', { namespace: NS, labelSelector: 'app=api' })).toEqual([]);

    // client-node: a dry-run create and a dry-run delete.
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { a: '1' } };
    const dryCreated: k8s.KubernetesObject = await objects.create(cm, undefined, 'All');
    expect(dryCreated.metadata?.uid).toBeTruthy();
    expect((await statusOf(objects.read(cm))).code).toBe(404);
    await objects.create(cm);
    await objects.delete(cm, undefined, 'All');
    expect((await objects.read(cm)).metadata?.name).toBe('settings');
  });

  it('answers a dry run of an unchanged configuration with the stored object, a Secret with stringData included', async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: NS },
      type: 'Opaque',
      stringData: { DB_HOST: 'postgres', DB_PASSWORD: '' },
    };
    const ssa = (dry?: string): Promise<k8s.KubernetesObject> =>
      objects.patch(secret, undefined, dry, 'carbon-ops', false, k8s.PatchStrategy.ServerSideApply);
    const stored = (await ssa()) as k8s.KubernetesObject & { data?: Record<string, string>; stringData?: unknown };
    expect(stored.data).toEqual({ DB_HOST: Buffer.from('postgres').toString('base64'), DB_PASSWORD: '' });
    expect(stored).not.toHaveProperty('stringData');
    await sleep(1_100); // a later second, so a rewritten managedFields time would show
    // Compared as client-node hands both out (it turns timestamps into Dates).
    expect(await ssa('All')).toEqual(await objects.read(secret));
    const web = deployment(2);
    expect(await objects.patch(web, undefined, 'All', 'carbon-ops', false, k8s.PatchStrategy.ServerSideApply)).toEqual(
      await objects.read(web),
    );
    expect(get('secrets', 'db')?.metadata.resourceVersion).toBe(stored.metadata?.resourceVersion);
  });

  it('shows a change with kubectl diff (client- and server-side), and nothing once it is applied', async () => {
    const file = await manifest('web-4.yaml', deployment(4));
    for (const mode of [[], ['--server-side', '--field-manager', 'carbon-ops']]) {
      const diff = await kubectlResult('diff', ...mode, '-f', file);
      expect(diff).toMatchObject({ code: 1, stderr: '' });
      expect(diff.stdout).toMatch(/^- {2}replicas: 2$/m);
      expect(diff.stdout).toMatch(/^\+ {2}replicas: 4$/m);
    }
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', file);
    for (const mode of [[], ['--server-side', '--field-manager', 'carbon-ops']])
      expect(await kubectlResult('diff', ...mode, '-f', file)).toMatchObject({ code: 0, stdout: '' });
  });

  it('deletes: kubectl delete -f takes the pods with it, --cascade=orphan leaves the ReplicaSet', async () => {
    const orphaned = await manifest('orphan.yaml', deployment(1, { name: 'orphan' }));
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', orphaned);
    const rs = await until(
      'the ReplicaSet',
      () => standin.cluster.list('replicasets', { namespace: NS, labelSelector: 'app=orphan' })[0],
    );
    expect(await kubectl('delete', 'deploy', 'orphan', '-n', NS, '--cascade=orphan')).toContain(
      'deployment.apps "orphan" deleted',
    );
    expect(get('replicasets', rs.metadata.name)?.metadata.ownerReferences).toBeUndefined();
    expect(standin.cluster.list('pods', { namespace: NS, labelSelector: 'app=orphan' })).toHaveLength(1);
    expect(await kubectl('delete', 'rs', rs.metadata.name, '-n', NS)).toContain('deleted');
    await until('the orphan pod to go', () =>
      standin.cluster.list('pods', { namespace: NS, labelSelector: 'app=orphan' }).length === 0 ? true : undefined,
    );

    const api = await manifest('api2.yaml', deployment(1, { name: 'api' }));
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', api);
    await until('an api pod', () => standin.cluster.list('pods', { namespace: NS, labelSelector: 'app=api' })[0]);
    expect(await kubectl('delete', '-f', api)).toContain('deployment.apps "api" deleted');
    expect(get('deployments', 'api')).toBeUndefined();
    await until('the api pods to go', () =>
      standin.cluster.list('pods', { namespace: NS, labelSelector: 'app=api' }).length === 0 ? true : undefined,
    );
  });

  it('takes YAML apply bodies and refuses what the real server refuses', async () => {
    const url = `/api/v1/namespaces/${NS}/configmaps/yaml-cm`;
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-cm\ndata:\n  key: value\n';
    const applyPatch = { 'Content-Type': 'application/apply-patch+yaml' };
    const created = await standin.fetch(`${url}?fieldManager=carbon-ops`, {
      method: 'PATCH',
      headers: applyPatch,
      body: yaml,
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { data: object }).data).toEqual({ key: 'value' });
    expect(
      (await standin.fetch(`${url}?fieldManager=carbon-ops`, { method: 'PATCH', headers: applyPatch, body: yaml }))
        .status,
    ).toBe(200);

    const noManager = await standin.fetch(url, { method: 'PATCH', headers: applyPatch, body: yaml });
    expect(noManager.status).toBe(422);
    expect(await noManager.json()).toMatchObject({
      reason: 'Invalid',
      message: expect.stringContaining('fieldManager: Required value: is required for apply patch'),
    });
    const forcedMerge = await standin.fetch(`${url}?force=true`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: '{"data":{"key":"x"}}',
    });
    expect(forcedMerge.status).toBe(422);
    const strategicCrd = await standin.fetch(`/apis/cert-manager.io/v1/clusterissuers/x`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: '{}',
    });
    expect(strategicCrd.status).toBe(415);
    const badDryRun = await standin.fetch(`${url}?fieldManager=carbon-ops&dryRun=Some`, {
      method: 'PATCH',
      headers: applyPatch,
      body: yaml,
    });
    expect(badDryRun.status).toBe(400);
  });
});

describe('status kept by the controllers', () => {
  it('ResourceQuota: status.hard is spec.hard and status.used follows the pods of the namespace', async () => {
    const quota = await manifest(
      'quota.yaml',
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults', namespace: NS },
        spec: {
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '256Mi' },
              defaultRequest: { cpu: '100m', memory: '64Mi' },
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute', namespace: NS },
        spec: {
          hard: {
            pods: '10',
            'requests.cpu': '2',
            'requests.memory': '1Gi',
            'limits.cpu': '4',
            'count/deployments.apps': '5',
            configmaps: 20,
          },
        },
      },
    );
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', quota);
    type Quota = KubeObject & { status?: { hard: Record<string, string>; used: Record<string, string> } };
    const used = (): Record<string, string> | undefined => get<Quota>('resourcequotas', 'compute')?.status?.used;
    const webPods = standin.cluster.list<Pod>('pods', { namespace: NS }).length;
    expect(webPods).toBe(4);
    await until('quota status', () => used());
    expect(get<Quota>('resourcequotas', 'compute')?.status).toEqual({
      hard: {
        pods: '10',
        'requests.cpu': '2',
        'requests.memory': '1Gi',
        'limits.cpu': '4',
        'count/deployments.apps': '5',
        configmaps: '20',
      },
      used: {
        pods: '4',
        'requests.cpu': '400m',
        'requests.memory': '256Mi',
        'limits.cpu': '0',
        'count/deployments.apps': '1',
        configmaps: '2',
      },
    });

    // A new pod: the LimitRange gives it limits, the quota counts it; deleting it gives the room back.
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pod = await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'batch' },
        spec: { containers: [{ name: 'batch', image: 'busybox:1.36', resources: { requests: { cpu: '250m' } } }] },
      },
    });
    expect(pod.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '250m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    expect(pod.metadata?.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: memory request for container batch; cpu, memory limit for container batch',
    );
    await until('the pod counted', () => (used()?.['pods'] === '5' ? true : undefined));
    expect(used()).toMatchObject({ 'requests.cpu': '650m', 'requests.memory': '320Mi', 'limits.cpu': '500m' });
    expect(await kubectl('get', 'quota', 'compute', '-n', NS)).toMatch(
      /^compute\s+\d+s\s+configmaps: 2\/20, count\/deployments\.apps: 1\/5, pods: 5\/10, requests\.cpu: 650m\/2, requests\.memory: 320Mi\/1Gi\s+limits\.cpu: 500m\/4$/m,
    );
    await core.deleteNamespacedPod({ name: 'batch', namespace: NS, gracePeriodSeconds: 0 });
    await until('the pod uncounted', () => (used()?.['pods'] === '4' ? true : undefined));
    expect(used()?.['requests.cpu']).toBe('400m');
  });

  it('PodDisruptionBudget: a PDB created later counts the pods it selects, and follows a pod becoming unready', async () => {
    const pdb = await manifest('pdb.yaml', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: NS },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', pdb);
    type Pdb = KubeObject & {
      status?: { currentHealthy: number; desiredHealthy: number; disruptionsAllowed: number; expectedPods: number };
    };
    const status = (): Pdb['status'] => get<Pdb>('poddisruptionbudgets', 'web')?.status;
    await until('PDB status', () => status());
    expect(status()).toMatchObject({ currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1, expectedPods: 4 });
    const [victim] = standin.cluster.list<Pod>('pods', { namespace: NS, labelSelector: 'app=web' });
    standin.cluster.setPodReady(NS, victim?.metadata.name as string, false);
    await until('one fewer healthy', () => (status()?.currentHealthy === 3 ? true : undefined));
    expect(status()).toMatchObject({ desiredHealthy: 3, disruptionsAllowed: 0 });
    expect(await kubectl('get', 'pdb', 'web', '-n', NS)).toMatch(/^web\s+N\/A\s+1\s+0\s+\d+s$/m);
    standin.cluster.setPodReady(NS, victim?.metadata.name as string, true);
    await until('healthy again', () => (status()?.disruptionsAllowed === 1 ? true : undefined));
  });

  it('cert-manager: a Certificate waits for its ClusterIssuer, then becomes Ready with notAfter 90 days ahead', async () => {
    const cert = await manifest('cert.yaml', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'web', namespace: NS },
      spec: {
        secretName: 'web-tls',
        dnsNames: ['web.254carbon.com'],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'test-ca' },
      },
    });
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', cert);
    type Cert = KubeObject & {
      status?: {
        conditions?: { type: string; status: string; reason: string; message: string }[];
        notAfter?: string;
        notBefore?: string;
      };
    };
    const ready = (): NonNullable<NonNullable<Cert['status']>['conditions']>[number] | undefined =>
      get<Cert>('certificates', 'web')?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(await until('a Ready condition', () => ready())).toMatchObject({
      status: 'False',
      reason: 'IssuerNotFound',
      message: 'Referenced "ClusterIssuer" not found: clusterissuer.cert-manager.io "test-ca" not found',
    });
    await sleep(150);
    expect(ready()?.status).toBe('False');

    const issuer = await manifest('issuer.yaml', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'test-ca' },
      spec: { selfSigned: {} },
    });
    const issuerAppliedAt = Date.now();
    await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', issuer);
    expect(await kubectl('wait', '--for=condition=Ready', 'clusterissuer/test-ca', KUBECTL_WAIT)).toContain(
      'condition met',
    );
    expect(await kubectl('wait', '--for=condition=Ready', 'certificate/web', '-n', NS, KUBECTL_WAIT)).toContain(
      'condition met',
    );
    const status = get<Cert>('certificates', 'web')?.status;
    expect(ready()).toMatchObject({
      status: 'True',
      reason: 'Ready',
      message: 'Certificate is up to date and has not expired',
    });
    expect(Date.parse(status?.notAfter ?? '') - Date.parse(status?.notBefore ?? '')).toBe(90 * 86_400_000);
    // Issued once the issuer existed, and before now (condition times have whole seconds).
    expect(Date.parse(status?.notBefore ?? '')).toBeGreaterThanOrEqual(Math.floor(issuerAppliedAt / 1000) * 1000);
    expect(Date.parse(status?.notBefore ?? '')).toBeLessThanOrEqual(Date.now());
    expect(get('secrets', 'web-tls')).toMatchObject({
      type: 'kubernetes.io/tls',
      metadata: { annotations: { 'cert-manager.io/certificate-name': 'web' } },
    });
    expect(await kubectl('get', 'certificate', '-n', NS)).toMatch(
      /^NAME\s+READY\s+SECRET\s+AGE\nweb\s+True\s+web-tls\s+\d+s\n$/,
    );
    // Status is applied through its subresource, and its conditions merge by type as the CRD declares.
    const statusApply = await standin.fetch(
      `/apis/cert-manager.io/v1/namespaces/${NS}/certificates/web/status?fieldManager=readiness&force=true`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: 'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\nstatus:\n  conditions: [{type: Ready, status: "True", reason: Ready}]\n',
      },
    );
    expect(statusApply.status).toBe(200);
    expect(get('certificates', 'web')?.metadata.managedFields?.find((m) => m.manager === 'readiness')).toMatchObject({
      subresource: 'status',
      fieldsV1: {
        'f:status': {
          'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } },
        },
      },
    });
    expect(ready()).toMatchObject({ status: 'True', message: 'Certificate is up to date and has not expired' });
    // Read back through client-node's dynamic client too.
    const read = (await objects.read({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'web', namespace: NS },
    })) as unknown as Cert;
    expect(read.status?.conditions?.[0]?.status).toBe('True');
  });
});

describe('the phase manifests', () => {
  const present = existsSync(PHASES);
  (present ? it : it.skip)(
    'apply server-side as carbon-ops, then dry runs and diffs find nothing to change',
    async () => {
      const files = (await readdir(PHASES)).filter((f) => f.endsWith('.yaml'));
      const docs = (
        await Promise.all(files.map(async (f) => YAML.parseAllDocuments(await readFile(new URL(f, PHASES), 'utf8'))))
      )
        .flat()
        .map((d) => d.toJS() as KubeObject | null)
        .filter((d): d is KubeObject => d !== null);
      const dirPath = PHASES.pathname;
      const applied = (await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', dirPath))
        .trimEnd()
        .split('\n');
      expect(applied).toHaveLength(docs.length);
      expect(applied.every((l) => l.endsWith(' serverside-applied'))).toBe(true);

      const versions = async (): Promise<string[]> =>
        ((JSON.parse(await kubectl('get', '-f', dirPath, '-o', 'json')) as { items: KubeObject[] }).items ?? []).map(
          (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion}`,
        );
      const before = await versions();
      expect(before).toHaveLength(docs.length);
      expect(
        (await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '--dry-run=server', '-f', dirPath))
          .trimEnd()
          .split('\n'),
      ).toHaveLength(docs.length);
      expect(
        await kubectlResult('diff', '--server-side', '--field-manager', 'carbon-ops', '-f', dirPath),
      ).toMatchObject({ code: 0, stdout: '' });
      expect(await kubectl('apply', '--server-side', '--field-manager', 'carbon-ops', '-f', dirPath)).toContain(
        'serverside-applied',
      );
      // Certificates move from Pending to Ready on their own; nothing else may have changed.
      const stable = (list: string[]): string[] =>
        list.filter(
          (v) =>
            !v.startsWith('Certificate/') &&
            !v.startsWith('ClusterIssuer/') &&
            !v.startsWith('ResourceQuota/') &&
            !v.startsWith('PodDisruptionBudget/'),
        );
      expect(stable(await versions())).toEqual(stable(before));

      const certificates = docs.filter((d) => d.kind === 'Certificate');
      await until('every certificate Ready', () =>
        certificates.every(
          (c) =>
            (
              get('certificates', c.metadata.name, c.metadata.namespace)?.['status'] as
                { conditions?: { status: string }[] } | undefined
            )?.conditions?.[0]?.status === 'True',
        )
          ? true
          : undefined,
      );
      for (const secret of docs.filter((d) => d.kind === 'Secret'))
        expect(get('secrets', secret.metadata.name, secret.metadata.namespace)).not.toHaveProperty('stringData');
    },
  );
});
