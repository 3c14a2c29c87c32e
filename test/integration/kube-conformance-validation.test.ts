// Conformance of the Kubernetes stand-in, validation part: what a real API server of kubectl's version
// (1.32) answers to schema and field validation, `kubectl explain`, discovery of every served resource,
// and the subresources the stand-in does not model. Each case runs the real kubectl, or sends the raw
// request a client sends when the answer's details matter.
import type { RequestOptions } from 'node:https';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { KubeObject, KubeStandin } from '../../src/devstack/kube/index.js';
import { loadScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { RESOURCES } from '../../src/devstack/kube/resources.js';
import { kubectlFor } from '../support/kubectl.js';

const MANIFESTS = new URL('../../manifests/', import.meta.url);
const NS = 'validation';

let dir: string;
let standin: KubeStandin;
let kubeconfig: string;
let kc: k8s.KubeConfig;

/** kubectl's exit code, stdout and stderr, whatever the exit code. */
/** kubectl's exit code, stdout and stderr, whatever the exit code. */
const kubectl = (...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).result(...args);

async function manifest(name: string, ...docs: object[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, docs.map((d) => YAML.stringify(d)).join('---\n'));
  return path;
}

/** A raw request as client-go sends it, with the admin kubeconfig's credentials. */
async function request(
  method: string,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: Record<string, unknown>; warnings: string[] }> {
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers = {
    ...(options.headers as Record<string, string> | undefined),
    'Content-Type': contentType,
    Accept: 'application/json',
  };
  const res = await standin.fetch(path, {
    method,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const warnings = res.headers.get('warning');
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown>,
    warnings: warnings ? warnings.split(/, (?=299 )/) : [],
  };
}

function deployment(name: string, extra: { spec?: object; container?: object } = {}): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27', ...extra.container }] },
      },
      ...extra.spec,
    },
  };
}

function networkPolicy(name: string, port: unknown, protocol = 'TCP'): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: NS },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port, protocol }] }],
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-validation-'));
  standin = await startKubeStandin({
    scenario: await loadScenario('254carbon'),
    cluster: { podReadyDelayMs: 40, podTerminationDelayMs: 20 },
  });
  kubeconfig = join(dir, 'kubeconfig');
  await standin.writeKubeconfig(kubeconfig);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  expect((await kubectl('create', 'namespace', NS)).code).toBe(0);
});

afterAll(async () => {
  await standin?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('field validation (fieldValidation=Strict|Warn|Ignore)', () => {
  const withUnknown = (name: string): object => deployment(name, { spec: { foo: 1 }, container: { bar: 'x' } });

  it("refuses an unknown field under kubectl apply's default --validate=strict: 400 strict decoding error", async () => {
    const file = await manifest('strict.yaml', withUnknown('strict'));
    const { code, stderr } = await kubectl('apply', '-f', file);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].bar"`,
    );
    expect(standin.cluster.get('deployments', NS, 'strict')).toBeUndefined();
  });

  it('accepts it with a warning under --validate=warn, and does not store it', async () => {
    const { code, stderr } = await kubectl(
      'apply',
      '-f',
      await manifest('warn.yaml', withUnknown('warn')),
      '--validate=warn',
    );
    expect(code).toBe(0);
    expect(stderr).toContain('Warning: unknown field "spec.foo"');
    expect(stderr).toContain('Warning: unknown field "spec.template.spec.containers[0].bar"');
    const stored = standin.cluster.get('deployments', NS, 'warn') as KubeObject;
    expect(stored['spec']).not.toHaveProperty('foo');
  });

  it('drops it silently under --validate=ignore', async () => {
    const { code, stderr } = await kubectl(
      'apply',
      '-f',
      await manifest('ignore.yaml', withUnknown('ignore')),
      '--validate=ignore',
    );
    expect(code).toBe(0);
    expect(stderr).not.toContain('Warning');
    expect(standin.cluster.get<KubeObject>('deployments', NS, 'ignore')?.['spec']).not.toHaveProperty('foo');
  });

  it('answers Warn when the parameter is absent: one 299 Warning header per field', async () => {
    const { status, warnings } = await request(
      'POST',
      `/apis/apps/v1/namespaces/${NS}/deployments?dryRun=All`,
      withUnknown('absent'),
    );
    expect(status).toBe(201);
    // In the order the fields come in the body (spec.foo is after the template).
    expect(warnings).toEqual([
      '299 - "unknown field \\"spec.template.spec.containers[0].bar\\""',
      '299 - "unknown field \\"spec.foo\\""',
    ]);
  });

  it('refuses a fieldValidation value it does not know: 422 on CreateOptions', async () => {
    const { status, json } = await request(
      'POST',
      `/apis/apps/v1/namespaces/${NS}/deployments?fieldValidation=Loose`,
      deployment('loose'),
    );
    expect(status).toBe(422);
    expect(json['message']).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });

  it('fails a server-side apply with an undeclared field, as the real server does (500, no reason)', async () => {
    const { code, stderr } = await kubectl(
      'apply',
      '--server-side',
      '-f',
      await manifest('ssa.yaml', withUnknown('ssa')),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Error from server: failed to create typed patch object (${NS}/ssa; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema`,
    );
  });

  it('refuses a merge patch that adds an unknown field under Strict: 422 on the field "patch"', async () => {
    expect((await kubectl('apply', '-f', await manifest('patched.yaml', deployment('patched')))).code).toBe(0);
    const { status, json } = await request(
      'PATCH',
      `/apis/apps/v1/namespaces/${NS}/deployments/patched?fieldValidation=Strict`,
      { spec: { foo: 1 } },
      'application/merge-patch+json',
    );
    expect(status).toBe(422);
    expect(json['reason']).toBe('Invalid');
    expect(json['message']).toMatch(
      /^ "" is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "spec\.foo"$/,
    );
    expect(json['details']).toMatchObject({ causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] });
  });

  it('refuses kubectl apply of an unknown field to an existing object (strategic merge patch)', async () => {
    const file = await manifest('existing.yaml', withUnknown('patched'));
    const { code, stderr } = await kubectl('apply', '-f', file);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /The request is invalid: patch: Invalid value: "map\[.*\]": strict decoding error: unknown field "spec\.foo", unknown field "spec\.template\.spec\.containers\[0\]\.bar"/,
    );
    expect((await kubectl('apply', '-f', file, '--validate=warn')).stderr).toContain(
      'Warning: unknown field "spec.foo"',
    );
  });

  it('reports duplicate fields of a JSON body by path, in document order with the unknown ones', async () => {
    const body = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"dupes","namespace":"${NS}"},"spec":{"paused":true,"paused":false,"foo":1,"selector":{"matchLabels":{"app":"dupes"}},"template":{"metadata":{"labels":{"app":"dupes"}},"spec":{"containers":[{"name":"app","image":"nginx","imagePullPolicy":"Always","imagePullPolicy":"Never"}]}}}}`;
    const { status, json } = await request(
      'POST',
      `/apis/apps/v1/namespaces/${NS}/deployments?fieldValidation=Strict`,
      body,
    );
    expect(status).toBe(400);
    expect(json['message']).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "spec.paused", unknown field "spec.foo", duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    );
    const warned = await request('POST', `/apis/apps/v1/namespaces/${NS}/deployments?dryRun=All`, body);
    expect(warned.status).toBe(201);
    expect(warned.warnings).toHaveLength(3);
  });

  it('reports duplicate keys of a YAML body by line, as go-yaml does', async () => {
    const body = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: dupes',
      'data:',
      '  a: "1"',
      '  a: "2"',
      'foo: bar',
    ].join('\n');
    const { status, json } = await request(
      'POST',
      `/api/v1/namespaces/${NS}/configmaps?fieldValidation=Strict`,
      body,
      'application/yaml',
    );
    expect(status).toBe(400);
    expect(json['message']).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 7: key "a" already set in map, unknown field "foo"',
    );
  });
});

describe('schema validation', () => {
  it('refuses `cpu: lots` as the decoder does: 400, the quantity regular expression', async () => {
    const file = await manifest(
      'cpu.yaml',
      deployment('cpu', { container: { resources: { limits: { cpu: 'lots' } } } }),
    );
    const { code, stderr } = await kubectl('apply', '-f', file);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  });

  it("refuses a string where the type is an integer, with Go's unmarshal message", async () => {
    const { status, json } = await request(
      'POST',
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      deployment('replicas', { spec: { replicas: 'three' } }),
    );
    expect(status).toBe(400);
    expect(json['message']).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('refuses Secret data that is not base64 without echoing it', async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: NS },
      data: { password: 'hun$er22' },
    };
    const { status, json } = await request('POST', `/api/v1/namespaces/${NS}/secrets`, secret);
    expect(status).toBe(400);
    expect(json['message']).toBe(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
  });

  it('refuses port 99999 in a NetworkPolicy: 422 Invalid, must be between 1 and 65535', async () => {
    const { code, stderr } = await kubectl('apply', '-f', await manifest('port.yaml', networkPolicy('port', 99999)));
    expect(code).toBe(1);
    expect(stderr).toContain(
      'The NetworkPolicy "port" is invalid: spec.ingress[0].ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive',
    );
    const { status, json } = await request(
      'POST',
      `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`,
      networkPolicy('port', 99999),
    );
    expect(status).toBe(422);
    expect(json).toMatchObject({
      reason: 'Invalid',
      message:
        'NetworkPolicy.networking.k8s.io "port" is invalid: spec.ingress[0].ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive',
      details: {
        name: 'port',
        group: 'networking.k8s.io',
        kind: 'NetworkPolicy',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 99999: must be between 1 and 65535, inclusive',
            field: 'spec.ingress[0].ports[0].port',
          },
        ],
      },
    });
  });

  it('refuses a value outside an enum: FieldValueNotSupported, also on a dry run', async () => {
    const { status, json } = await request(
      'POST',
      `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies?dryRun=All`,
      networkPolicy('enum', 80, 'XTP'),
    );
    expect(status).toBe(422);
    expect(json['details']).toMatchObject({
      causes: [
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "XTP": supported values: "SCTP", "TCP", "UDP"',
          field: 'spec.ingress[0].ports[0].protocol',
        },
      ],
    });
  });

  it('accepts a NetworkPolicy without podSelector: `required` in a built-in schema is not enforced', async () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'all', namespace: NS },
      spec: { policyTypes: ['Ingress'] },
    };
    const { status } = await request(
      'POST',
      `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies?dryRun=All&fieldValidation=Strict`,
      policy,
    );
    expect(status).toBe(201);
  });

  it('refuses a container without an image, as Go validation does', async () => {
    const { code, stderr } = await kubectl(
      'apply',
      '-f',
      await manifest('noimage.yaml', deployment('noimage', { container: { image: '' } })),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'The Deployment "noimage" is invalid: spec.template.spec.containers[0].image: Required value',
    );
  });

  it('refuses a missing required field of a cert-manager kind', async () => {
    const certificate = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'cert', namespace: NS },
      spec: { secretName: 'cert-tls' },
    };
    const { status, json } = await request(
      'POST',
      `/apis/cert-manager.io/v1/namespaces/${NS}/certificates`,
      certificate,
    );
    expect(status).toBe(422);
    expect(json['details']).toMatchObject({
      causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.issuerRef' }],
    });
  });

  it('accepts every object of manifests/ (create, dry run, Strict)', async () => {
    const files: string[] = [];
    // manifests/monitoring is left out: its PrometheusRule needs the Prometheus Operator's CRD, which the
    // stand-in does not serve; promtool checks its rules (monitoring-rules.test.ts).
    for (const entry of await readdir(MANIFESTS, { recursive: true, withFileTypes: true }))
      if (entry.isFile() && entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml')
        if (!entry.parentPath.includes('/manifests/monitoring')) files.push(join(entry.parentPath, entry.name));
    const objects = (
      await Promise.all(
        files.map(async (f) =>
          YAML.parseAllDocuments(await readFile(f, 'utf8')).map((d) => d.toJS() as KubeObject | null),
        ),
      )
    )
      .flat()
      .filter((o): o is KubeObject => o !== null && typeof o.kind === 'string');
    expect(objects.length).toBeGreaterThanOrEqual(140);
    for (const ns of new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n)))
      if (!standin.cluster.get('namespaces', undefined, ns))
        expect((await kubectl('create', 'namespace', ns)).code).toBe(0);
    await expectAllCreatable(objects);
  });

  it("accepts every object of the demo scenario, controllers' objects included (create, dry run, Strict)", async () => {
    const objects = RESOURCES.flatMap((r) => standin.cluster.list(r.plural));
    expect(objects.length).toBeGreaterThan(400);
    await expectAllCreatable(objects);
  });
});

/** `kubectl create --dry-run=server` (fieldValidation=Strict) of each object under a generated name, so
 * the ones that exist do not collide. The file is a stream of JSON objects, not YAML: kubectl reads YAML
 * 1.1, where an unquoted `no` written by a YAML 1.2 library is a boolean. */
async function expectAllCreatable(objects: KubeObject[]): Promise<void> {
  const copies = objects.map((o) => {
    const { name, namespace, labels, annotations } = o.metadata;
    return {
      ...o,
      metadata: {
        generateName: `${name.slice(0, 50)}-`,
        ...(namespace ? { namespace } : {}),
        ...(labels ? { labels } : {}),
        ...(annotations ? { annotations } : {}),
      },
    };
  });
  const file = join(dir, `all-${copies.length}.json`);
  await writeFile(file, copies.map((c) => JSON.stringify(c)).join('\n'));
  const { code, stdout, stderr } = await kubectl('create', '--dry-run=server', '-o', 'name', '-f', file);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout.trim().split('\n')).toHaveLength(copies.length);
}

describe('kubectl explain from /openapi/v3', () => {
  it('explains deployment.spec.strategy', async () => {
    const { code, stdout } = await kubectl('explain', 'deployment.spec.strategy');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    expect(stdout).toContain('FIELD: strategy <DeploymentStrategy>');
    expect(stdout).toContain('DeploymentStrategy describes how to replace existing pods with new ones.');
    expect(stdout).toMatch(/^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
    expect(stdout).toMatch(/^ {2}type\t<string>\n {4}Type of deployment\. Can be "Recreate" or "RollingUpdate"/m);
  });

  it('explains networkpolicy.spec.ingress.from', async () => {
    const { code, stdout } = await kubectl('explain', 'networkpolicy.spec.ingress.from');
    expect(code).toBe(0);
    expect(stdout).toContain('FIELD: from <[]NetworkPolicyPeer>');
    for (const field of ['ipBlock\t<IPBlock>', 'namespaceSelector\t<LabelSelector>', 'podSelector\t<LabelSelector>'])
      expect(stdout).toContain(field);
  });

  it('says a field does not exist as kubectl does', async () => {
    const { code, stderr } = await kubectl('explain', 'deployment.spec.foo');
    expect(code).toBe(1);
    expect(stderr).toContain('field "foo" does not exist');
  });
});

describe('discovery', () => {
  it('lists the added resources with their short names and versions in kubectl api-resources', async () => {
    const { stdout } = await kubectl('api-resources');
    const rows: [string, string, string, string, string][] = [
      ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
      ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
      ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
      ['controllerrevisions', '', 'apps/v1', 'true', 'ControllerRevision'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
      ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
    ];
    for (const [name, short, version, namespaced, kind] of rows)
      expect(stdout).toMatch(
        new RegExp(
          `^${name}\\s+${short ? `${short}\\s+` : ''}${version.replace(/\./g, '\\.')}\\s+${namespaced}\\s+${kind}$`,
          'm',
        ),
      );
  });

  it('lists the connect subresources with the verbs a real server gives them', async () => {
    const { stdout } = await kubectl('get', '--raw', '/api/v1');
    const resources = (JSON.parse(stdout) as { resources: { name: string; kind: string; verbs: string[] }[] })
      .resources;
    expect(
      resources.filter((r) => ['pods/log', 'pods/exec', 'pods/portforward', 'services/proxy'].includes(r.name)),
    ).toEqual([
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
      {
        name: 'pods/portforward',
        singularName: '',
        namespaced: true,
        kind: 'PodPortForwardOptions',
        verbs: ['create', 'get'],
      },
      {
        name: 'services/proxy',
        singularName: '',
        namespaced: true,
        kind: 'ServiceProxyOptions',
        verbs: ['create', 'delete', 'get', 'patch', 'update'],
      },
    ]);
  });

  it("lists cert-manager's kinds as CRDs in kubectl get crd", async () => {
    const { code, stdout } = await kubectl('get', 'crd');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CREATED AT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'certificates.cert-manager.io',
      'clusterissuers.cert-manager.io',
      'issuers.cert-manager.io',
    ]);
  });

  it('stores and lists an HPA at autoscaling/v2 and a PVC', async () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: NS },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 3,
      },
    };
    const pvc = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    expect((await kubectl('apply', '-f', await manifest('hpa.yaml', hpa, pvc))).code).toBe(0);
    expect((await kubectl('get', 'hpa,pvc', '-n', NS, '-o', 'name')).stdout.trim().split('\n')).toEqual([
      'horizontalpodautoscaler.autoscaling/web',
      'persistentvolumeclaim/data',
    ]);
  });
});

describe('subresources the stand-in does not model', () => {
  const pod = (): string =>
    standin.cluster.list('pods', { namespace: 'kube-system', labelSelector: 'app=etcd' })[0]?.metadata.name ?? 'etcd';

  it('kubectl logs is modelled (pods/log, test/integration/inspect.test.ts): lines made from the pod', async () => {
    const { code, stdout } = await kubectl('logs', '-n', 'kube-system', pod());
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\S+ INFO starting etcd \(/);
  });

  it('kubectl exec: 501 NotImplemented naming running commands', async () => {
    const { code, stderr } = await kubectl('exec', '-n', 'kube-system', pod(), '--', 'true');
    expect(code).toBe(1);
    expect(stderr).toContain(
      'Error from server (NotImplemented): pods/exec is not modelled by the carbon-ops Kubernetes stand-in',
    );
  });

  it('kubectl port-forward and services/proxy: the same', async () => {
    const forward = await kubectl('port-forward', '-n', 'kube-system', `pod/${pod()}`, '0:2379');
    expect(forward.code).toBe(1);
    expect(forward.stderr).toContain('pods/portforward is not modelled by the carbon-ops Kubernetes stand-in');
    const proxy = await kubectl('get', '--raw', '/api/v1/namespaces/default/services/kubernetes/proxy/healthz');
    expect(proxy.stderr).toContain(
      'Error from server (NotImplemented): services/proxy is not modelled by the carbon-ops Kubernetes stand-in',
    );
  });
});
