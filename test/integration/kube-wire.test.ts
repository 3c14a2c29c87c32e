// What carbon-ops puts on the wire to the Kubernetes API is exactly the object it means to send: every
// object of manifests/, every body the bot builds (restarts, annotations, ConfigMap edits, deletes), and
// generated objects whose keys are the Kubernetes API's own field names (`from`, `default`, `continue`,
// `enum`, `$ref`…). A recording proxy between the bot's client and the stand-in captures the bodies as
// they arrived; they are compared with the intended objects, never with what the server answers.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import fc from 'fast-check';
import YAML from 'yaml';
import { loadScenario, startKubeStandin, type Deployment, type KubeStandin } from '../../src/devstack/kube/index.js';
import { FIELD_MANAGER, Kube, type ObjectRef } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { addConfigMapKeys, removeConfigMapKeys } from '../../src/features/vault/kube.js';
import {
  startRecordingProxy,
  throughProxy,
  type RecordedRequest,
  type RecordingProxy,
} from '../support/recording-proxy.js';

let standin: KubeStandin;
let proxy: RecordingProxy;
let kube: Kube;

beforeAll(async () => {
  standin = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  proxy = await startRecordingProxy(standin.url, standin.ca);
  // The bot's own identity and credentials, pointed at the proxy (plain HTTP to it, HTTPS beyond it).
  kube = new Kube(kubeAccessFromYaml(throughProxy(standin.botKubeconfigYaml(), proxy)), {
    requestTimeoutMs: 20_000,
    pageSize: 500,
  });
});

afterAll(async () => {
  kube?.close();
  await proxy?.close();
  await standin?.close();
});

async function manifestObjects(): Promise<{ file: string; object: ObjectRef }[]> {
  const out: { file: string; object: ObjectRef }[] = [];
  for (const folder of ['manifests/bot/base', 'manifests/phases']) {
    for (const file of (await readdir(folder))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort()) {
      const docs = YAML.parseAllDocuments(await readFile(join(folder, file), 'utf8')).map(
        (d) => d.toJS() as ObjectRef | null,
      );
      for (const object of docs) if (object !== null) out.push({ file: `${folder}/${file}`, object });
    }
  }
  return out;
}

/** The requests sent while `action` ran (whatever the server answered). */
async function sent(action: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const from = proxy.requests.length;
  await action().catch(() => undefined);
  return proxy.requests.slice(from);
}

const writes = (requests: RecordedRequest[]) => requests.filter((r) => r.method !== 'GET');
const bodyOf = (request: RecordedRequest | undefined): unknown => JSON.parse(request?.body ?? 'null');

describe('bodies on the wire are the objects as written', () => {
  it('every object of manifests/bot and manifests/phases, by server-side apply and by create', async () => {
    const objects = await manifestObjects();
    expect(objects.length).toBeGreaterThan(100);
    const lost: string[] = [];
    for (const { file, object } of objects) {
      const [apply] = writes(await sent(() => kube.apply(object, { dryRun: true, force: false })));
      const [create] = writes(await sent(() => kube.createIfMissing(object, { dryRun: true })));
      expect(apply?.contentType).toBe('application/apply-patch+yaml');
      expect(apply?.url).toContain(`fieldManager=${FIELD_MANAGER}`);
      expect(apply?.url).toContain('dryRun=All');
      expect(create?.method).toBe('POST');
      for (const request of [apply, create])
        if (!sameJson(bodyOf(request), object)) lost.push(`${file}: ${object.kind} ${object.metadata.name}`);
    }
    expect(lost).toEqual([]);
  });

  it('the NetworkPolicies keep `from` and the LimitRanges keep `default`', async () => {
    const objects = (await manifestObjects()).map((o) => o.object as ObjectRef & { spec?: Record<string, unknown> });
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && JSON.stringify(o.spec).includes('"from"'));
    const limitRanges = objects.filter((o) => o.kind === 'LimitRange');
    expect(policies.length).toBeGreaterThan(60);
    expect(limitRanges.length).toBeGreaterThan(0);
    for (const object of [...policies, ...limitRanges]) {
      const [apply] = writes(await sent(() => kube.apply(object, { dryRun: true, force: false })));
      expect(bodyOf(apply)).toEqual(object);
    }
  });

  it('the bodies the bot builds: a rollout restart, template annotations, ConfigMap edits, a pod delete', async () => {
    const restart = writes(
      await sent(() =>
        kube.restartWorkload('deployment', 'data-platform', 'trino-coordinator', '2026-12-07T06:00:00Z'),
      ),
    );
    expect(restart).toHaveLength(1);
    expect(restart[0]).toMatchObject({ method: 'PATCH', contentType: 'application/strategic-merge-patch+json' });
    expect(restart[0]!.url).toBe(
      `/apis/apps/v1/namespaces/data-platform/deployments/trino-coordinator?fieldManager=${FIELD_MANAGER}`,
    );
    expect(bodyOf(restart[0])).toEqual({
      spec: {
        template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-12-07T06:00:00Z' } } },
      },
    });
    // It went through: authenticated as the bot's ServiceAccount, allowed by its RBAC, stored.
    const live = standin.cluster.get<Deployment>('deployments', 'data-platform', 'trino-coordinator');
    expect(live?.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(
      '2026-12-07T06:00:00Z',
    );

    const annotate = writes(
      await sent(() =>
        kube.patchTemplateAnnotations(
          'statefulset',
          'kafka',
          'kafka',
          { 'vault.hashicorp.com/agent-inject': null },
          'annotate',
        ),
      ),
    );
    expect(bodyOf(annotate[0])).toEqual({
      spec: { template: { metadata: { annotations: { 'vault.hashicorp.com/agent-inject': null } } } },
    });

    const configMap = {
      metadata: { namespace: 'data-platform', name: 'etl-config', resourceVersion: '42' },
      data: { 'a/b': '1' },
    };
    const removed = writes(await sent(() => removeConfigMapKeys(kube, configMap, ['a/b', 'x~y'])));
    expect(removed[0]).toMatchObject({ method: 'PATCH', contentType: 'application/json-patch+json' });
    expect(bodyOf(removed[0])).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'remove', path: '/data/a~1b' },
      { op: 'remove', path: '/data/x~0y' },
    ]);
    const added = writes(
      await sent(() => addConfigMapKeys(kube, { metadata: configMap.metadata }, { from: 'v', default: 'w' })),
    );
    expect(bodyOf(added[0])).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'add', path: '/data', value: {} },
      { op: 'add', path: '/data/from', value: 'v' },
      { op: 'add', path: '/data/default', value: 'w' },
    ]);

    const deleted = writes(await sent(() => kube.deletePod('default', 'net-debug', 'uid-1')));
    expect(deleted[0]).toMatchObject({ method: 'DELETE', url: '/api/v1/namespaces/default/pods/net-debug' });
    expect(bodyOf(deleted[0])).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'uid-1' } });
  });
});

/** Every field name of the Kubernetes API as it is on the wire, from client-node's generated models. */
function apiFieldNames(): string[] {
  const names = new Set<string>();
  for (const value of Object.values(k8s)) {
    const map = (value as { attributeTypeMap?: { baseName: string }[] } | undefined)?.attributeTypeMap;
    if (Array.isArray(map)) for (const attribute of map) names.add(attribute.baseName);
  }
  return [...names].sort();
}

describe('generated objects keyed by the API’s own field names', () => {
  it('arrive as generated, whatever the keys (property test)', async () => {
    const names = apiFieldNames();
    expect(names).toEqual(
      expect.arrayContaining(['from', 'default', 'continue', 'enum', '$ref', 'x-kubernetes-list-type']),
    );
    const key = fc.constantFrom(...names);
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { maxLength: 3 }),
        fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
      ),
    }));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }), async (fields) => {
        const object = {
          ...fields,
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `wire-${run++}`, namespace: 'default' },
        };
        const [apply] = writes(await sent(() => kube.apply(object, { dryRun: true, force: false })));
        expect(bodyOf(apply)).toEqual(object);
      }),
      { numRuns: 60 },
    );
  });
});

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}
