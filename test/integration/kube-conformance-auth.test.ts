// Authentication, RBAC authorization, impersonation, escalation prevention and the access reviews of the
// Kubernetes stand-in, checked with a real kubectl (and client-node) against what a real API server of
// kubectl's version answers. The admin kubeconfig is a member of system:masters; the bot's is the
// carbon-ops ServiceAccount under manifests/bot/base/rbac.yaml.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import type { KubeObject, KubeStandin } from '../../src/devstack/kube/index.js';
import { loadScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { statusOf } from '../support/kube-status.js';
import { kubectlFor } from '../support/kubectl.js';

const BOT = 'system:serviceaccount:carbon-ops:carbon-ops';

let dir: string;
let standin: KubeStandin;
let admin: string;
let bot: string;

/** kubectl with a kubeconfig: its exit code, stdout and stderr, whatever the outcome. */
/** kubectl as whoever `kubeconfig` names: its exit code, stdout and stderr, whatever the exit code. */
const kubectl = (kubeconfig: string, ...args: string[]) => kubectlFor(kubeconfig, join(dir, 'cache')).result(...args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-auth-'));
  standin = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  admin = join(dir, 'admin');
  bot = join(dir, 'bot');
  await standin.writeKubeconfig(admin);
  await standin.writeBotKubeconfig(bot);
});

afterAll(async () => {
  await standin?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('answers a request without credentials with 401 Unauthorized', async () => {
    const response = await standin.fetch('/api/v1/pods', { token: null });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('refuses a token nobody issued: kubectl says to log in', async () => {
    const { code, stderr } = await kubectl(admin, '--token=bad', 'get', 'pods');
    expect(code).toBe(1);
    // kubectl ≥ 1.26 reads the 401 during discovery, and words it so (as against a real cluster).
    expect(stderr).toMatch(
      /^error: You must be logged in to the server \(the server has asked for the client to provide credentials\)$/m,
    );
    expect((await standin.fetch('/api/v1/pods', { token: 'bad' })).status).toBe(401);
  });

  it('lets anyone read health and version (system:public-info-viewer), nothing else', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version'])
      expect((await standin.fetch(path, { token: null })).status).toBe(200);
    for (const path of ['/api', '/apis', '/openapi/v3'])
      expect((await standin.fetch(path, { token: null })).status).toBe(401);
  });

  it('says who you are: kubectl auth whoami', async () => {
    expect((await kubectl(admin, 'auth', 'whoami')).stdout).toMatch(
      /^Username\s+kubernetes-admin\nGroups\s+\[system:masters system:authenticated\]$/m,
    );
    const me = await kubectl(bot, 'auth', 'whoami', '-o', 'json');
    expect(JSON.parse(me.stdout)).toMatchObject({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: {
        userInfo: {
          username: BOT,
          uid: standin.cluster.get('serviceaccounts', 'carbon-ops', 'carbon-ops')?.metadata.uid,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:carbon-ops', 'system:authenticated'],
        },
      },
    });
  });

  it("stops accepting a ServiceAccount's token once the account is deleted", async () => {
    await kubectl(admin, 'create', 'serviceaccount', 'short-lived', '-n', 'kafka');
    const kubeconfig = join(dir, 'short-lived');
    await writeFile(kubeconfig, standin.serviceAccountKubeconfigYaml('kafka', 'short-lived'));
    expect((await kubectl(kubeconfig, 'auth', 'whoami')).code).toBe(0);
    await kubectl(admin, 'delete', 'serviceaccount', 'short-lived', '-n', 'kafka');
    const { code, stderr } = await kubectl(kubeconfig, 'auth', 'whoami');
    expect(code).toBe(1);
    expect(stderr).toContain('Unauthorized');
  });
});

describe('authorization', () => {
  it('refuses the bot a patch its role does not grant, with the real 403', async () => {
    const { code, stderr } = await kubectl(
      bot,
      'patch',
      'daemonset',
      'kube-proxy',
      '-n',
      'kube-system',
      '--type=merge',
      '-p',
      '{"metadata":{"labels":{"x":"y"}}}',
    );
    expect(code).toBe(1);
    // kubectl reads the object first: the get is what is refused.
    expect(stderr).toBe(
      `Error from server (Forbidden): daemonsets.apps "kube-proxy" is forbidden: User "${BOT}" cannot get resource "daemonsets" in API group "apps" in the namespace "kube-system"\n`,
    );
    const kc = new k8s.KubeConfig();
    kc.loadFromString(standin.botKubeconfigYaml());
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const refused = await statusOf(
      apps.patchNamespacedDaemonSet({
        name: 'kube-proxy',
        namespace: 'kube-system',
        body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }],
      }),
    );
    expect(refused.code).toBe(403);
    expect(refused.status).toMatchObject({
      reason: 'Forbidden',
      message: `daemonsets.apps "kube-proxy" is forbidden: User "${BOT}" cannot patch resource "daemonsets" in API group "apps" in the namespace "kube-system"`,
      details: { name: 'kube-proxy', group: 'apps', kind: 'daemonsets' },
    });
    // The refusal is recorded, and the rigs' check fails a test that saw one.
    expect(standin.stats.refused).toContainEqual({ username: BOT, message: refused.status['message'] });
    expect(() => assertBotNeverRefused(standin)).toThrow(
      /refused the bot \d+ request\(s\)[^]*daemonsets\.apps "kube-proxy" is forbidden/,
    );
  });

  it('words cluster-scope lists and subresources as the real server does', async () => {
    expect((await kubectl(bot, 'get', 'secrets', '-A')).stderr).toBe(
      `Error from server (Forbidden): secrets is forbidden: User "${BOT}" cannot list resource "secrets" in API group "" at the cluster scope\n`,
    );
    const scale = await kubectl(bot, 'scale', 'deployment', 'superset', '-n', 'data-platform', '--replicas=3');
    expect(scale.stderr).toContain(
      `deployments.apps "superset" is forbidden: User "${BOT}" cannot patch resource "deployments/scale" in API group "apps" in the namespace "data-platform"`,
    );
  });

  it('authorizes a dry run like the real request: the same verb is needed', async () => {
    const { stderr } = await kubectl(
      bot,
      'delete',
      'configmap',
      'trino-catalog',
      '-n',
      'data-platform',
      '--dry-run=server',
    );
    expect(stderr).toBe(
      `Error from server (Forbidden): configmaps "trino-catalog" is forbidden: User "${BOT}" cannot delete resource "configmaps" in API group "" in the namespace "data-platform"\n`,
    );
  });

  it('answers kubectl auth can-i yes or no for both kubeconfigs', async () => {
    const canI = async (kubeconfig: string, ...args: string[]): Promise<string> => {
      const { code, stdout } = await kubectl(kubeconfig, 'auth', 'can-i', ...args);
      expect(code).toBe(stdout.trim() === 'yes' ? 0 : 1);
      return stdout.trim();
    };
    expect(await canI(admin, 'patch', 'deployments', '-n', 'kafka')).toBe('yes');
    expect(await canI(admin, '*', '*')).toBe('yes');
    expect(await canI(bot, 'patch', 'deployments', '-n', 'kafka')).toBe('yes');
    expect(await canI(bot, 'delete', 'deployments', '-n', 'kafka')).toBe('no');
    // Writes only in the namespaces the catalogue and the runbooks name: never kube-system or its own.
    expect(await canI(bot, 'patch', 'deployments', '-n', 'kube-system')).toBe('no');
    expect(await canI(bot, 'patch', 'deployments', '-n', 'carbon-ops')).toBe('no');
    expect(await canI(bot, 'patch', 'deployments', '-n', 'velero')).toBe('no');
    expect(await canI(bot, 'list', 'cronjobs', '-A')).toBe('yes'); // vault migrate: the readers of a ConfigMap
    expect(await canI(bot, 'get', 'secrets', '-n', 'data-platform')).toBe('no');
    expect(await canI(bot, 'create', 'secrets', '-n', 'data-platform')).toBe('yes'); // phase 4's secret templates
    expect(await canI(bot, 'create', 'secrets', '-n', 'kafka')).toBe('no');
    expect(await canI(bot, 'get', '/healthz')).toBe('yes');
    expect(await canI(bot, 'create', 'roles', '-n', 'kafka')).toBe('no');
  });

  it('lists what the bot may do: kubectl auth can-i --list', async () => {
    const { code, stdout } = await kubectl(bot, 'auth', 'can-i', '--list', '-n', 'data-platform');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(stdout).toMatch(/^secrets\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(stdout).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[get list patch\]$/m);
    expect(stdout).toMatch(/^clusterissuers\.cert-manager\.io\s+\[\]\s+\[letsencrypt-prod\]\s+\[get create patch\]$/m);
    expect(stdout).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(stdout).toMatch(/^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/m);
    // Elsewhere the data-platform Role does not apply; in kube-system only the reads do.
    expect((await kubectl(bot, 'auth', 'can-i', '--list', '-n', 'kafka')).stdout).not.toMatch(/^secrets\s/m);
    const kubeSystem = (await kubectl(bot, 'auth', 'can-i', '--list', '-n', 'kube-system')).stdout;
    expect(kubeSystem).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(kubeSystem).toMatch(/^configmaps\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(kubeSystem).not.toMatch(
      /^(pods|secrets|statefulsets\.apps|networkpolicies\.[\w.]+)\s.*\b(patch|create|delete)\b/m,
    );
  });
});

describe('a Role and its RoleBinding', () => {
  const APPLIER = 'system:serviceaccount:monitoring:applier';
  let applier: string;

  /** `kubectl create -f` of one object written as JSON. */
  async function create(name: string, object: object): Promise<void> {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(object));
    expect(await kubectl(admin, 'create', '-f', file)).toMatchObject({ code: 0 });
  }

  /** `kubectl apply --server-side` of a ConfigMap in monitoring, as the applier. */
  async function applyConfigMap(name: string, value: string) {
    const file = join(dir, `${name}-${value}.json`);
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'monitoring' },
      data: { value },
    };
    await writeFile(file, JSON.stringify(configMap));
    return kubectl(applier, 'apply', '--server-side', '--field-manager', 'applier', '-f', file);
  }

  beforeAll(async () => {
    // In monitoring only: read and patch any ConfigMap, create the one named `dashboards` (by apply).
    await kubectl(admin, 'create', 'serviceaccount', 'applier', '-n', 'monitoring');
    const rules = [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'], resourceNames: ['dashboards'] },
    ];
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', rules };
    await create('applier-role', { ...role, metadata: { name: 'configmap-applier', namespace: 'monitoring' } });
    const binding = (namespace: string) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'applier', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-applier' },
      subjects: [{ kind: 'ServiceAccount', name: 'applier', namespace: 'monitoring' }],
    });
    await create('applier-binding', binding('monitoring'));
    // A binding in kafka to a Role of that name: the name is looked up in kafka, where there is none.
    await create('applier-binding-kafka', binding('kafka'));
    applier = join(dir, 'applier');
    await writeFile(applier, standin.serviceAccountKubeconfigYaml('monitoring', 'applier'));
  });

  it('grants in its own namespace only, and never at the cluster scope', async () => {
    expect((await kubectl(applier, 'get', 'configmaps', '-n', 'monitoring')).code).toBe(0);
    expect((await kubectl(applier, 'get', 'configmaps', '-n', 'kafka')).stderr).toBe(
      `Error from server (Forbidden): configmaps is forbidden: User "${APPLIER}" cannot list resource "configmaps" in API group "" in the namespace "kafka"\n`,
    );
    expect((await kubectl(applier, 'get', 'configmaps', '-A')).stderr).toBe(
      `Error from server (Forbidden): configmaps is forbidden: User "${APPLIER}" cannot list resource "configmaps" in API group "" at the cluster scope\n`,
    );
  });

  it('lets a server-side apply create an object only with create on its name: patch alone never makes one', async () => {
    const refused = await applyConfigMap('alerts', 'a');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('Error from server (Forbidden): configmaps "alerts" is forbidden: \n');
    expect(standin.cluster.get('configmaps', 'monitoring', 'alerts')).toBeUndefined();
    expect(standin.stats.refused).toContainEqual({ username: APPLIER, message: 'configmaps "alerts" is forbidden: ' });

    expect(await applyConfigMap('dashboards', 'a')).toMatchObject({
      code: 0,
      stdout: 'configmap/dashboards serverside-applied\n',
    });
    // The object exists now: changing it is a patch, which the Role grants for any name.
    expect(await applyConfigMap('dashboards', 'b')).toMatchObject({ code: 0 });
    expect(standin.cluster.get<{ data?: object } & KubeObject>('configmaps', 'monitoring', 'dashboards')?.data).toEqual(
      { value: 'b' },
    );
  });
});

describe('a grant of watch alone', () => {
  const WATCHER = 'system:serviceaccount:kafka:watcher';
  let watcher: string;
  let token: string;

  beforeAll(async () => {
    await kubectl(admin, 'create', 'serviceaccount', 'watcher', '-n', 'kafka');
    await kubectl(admin, 'create', 'role', 'configmap-watcher', '-n', 'kafka', '--verb=watch', '--resource=configmaps');
    const file = join(dir, 'watcher-binding.json');
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-watcher' };
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'watcher', namespace: 'kafka' },
        roleRef,
        subjects: [{ kind: 'ServiceAccount', name: 'watcher', namespace: 'kafka' }],
      }),
    );
    expect((await kubectl(admin, 'create', '-f', file)).code).toBe(0);
    const yaml = standin.serviceAccountKubeconfigYaml('kafka', 'watcher');
    watcher = join(dir, 'watcher');
    await writeFile(watcher, yaml);
    token = /token: (\S+)/.exec(yaml)![1]!;
  });

  it('refuses a list', async () => {
    const { code, stderr } = await kubectl(watcher, 'get', 'configmaps', '-n', 'kafka');
    expect(code).toBe(1);
    expect(stderr).toBe(
      `Error from server (Forbidden): configmaps is forbidden: User "${WATCHER}" cannot list resource "configmaps" in API group "" in the namespace "kafka"\n`,
    );
    // The query codec reads false and 0 (any case) as false: a list, refused.
    for (const value of ['false', 'FALSE', '0'])
      expect((await standin.fetch(`/api/v1/namespaces/kafka/configmaps?watch=${value}`, { token })).status).toBe(403);
  });

  it('streams a watch for any true spelling of watch=, never a list', async () => {
    for (const value of ['True', 't', '1', 'yes']) {
      const response = await standin.fetch(`/api/v1/namespaces/kafka/configmaps?watch=${value}&timeoutSeconds=1`, {
        token,
      });
      expect(response.status).toBe(200);
      const events = (await response.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type?: string; object?: { kind?: string } });
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) expect(event).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap' } });
    }
  });
});

describe('impersonation', () => {
  it('refuses --as to the bot, with the real 403', async () => {
    const { code, stderr } = await kubectl(bot, '--as=jane', 'get', 'pods');
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Error from server (Forbidden): users "jane" is forbidden: User "${BOT}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
  });

  it('lets the admin act as the bot, and the bot is then refused what it may not do', async () => {
    expect(
      (await kubectl(admin, `--as=${BOT}`, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).stdout,
    ).toBe(BOT);
    expect((await kubectl(admin, `--as=${BOT}`, 'auth', 'can-i', 'get', 'secrets', '-n', 'kafka')).stdout.trim()).toBe(
      'no',
    );
    const { stderr } = await kubectl(admin, `--as=${BOT}`, 'get', 'secrets', '-n', 'kafka');
    expect(stderr).toBe(
      `Error from server (Forbidden): secrets is forbidden: User "${BOT}" cannot list resource "secrets" in API group "" in the namespace "kafka"\n`,
    );
    expect(
      (
        await kubectl(admin, '--as=jane', '--as-group=system:masters', 'auth', 'can-i', 'delete', 'nodes')
      ).stdout.trim(),
    ).toBe('yes');
  });
});

describe('access reviews for someone else', () => {
  it('answers a SubjectAccessReview for the admin and refuses it to the bot', async () => {
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: BOT,
        groups: ['system:serviceaccounts', 'system:authenticated'],
        resourceAttributes: { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'kafka' },
      },
    };
    const body = JSON.stringify(review);
    const asked = await standin.fetch('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    expect(asked.status).toBe(201);
    expect(await asked.json()).toMatchObject({
      status: {
        allowed: true,
        reason: `RBAC: allowed by RoleBinding "carbon-ops/kafka" of Role "carbon-ops" to ServiceAccount "carbon-ops/carbon-ops"`,
      },
    });
    const botToken = /token: (\S+)/.exec(standin.botKubeconfigYaml())![1]!;
    const refused = await standin.fetch('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      token: botToken,
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toBe(
      `subjectaccessreviews.authorization.k8s.io is forbidden: User "${BOT}" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope`,
    );
  });

  it('lists the review APIs in discovery', async () => {
    const { stdout } = await kubectl(admin, 'api-resources', '--api-group=authorization.k8s.io', '-o', 'name');
    expect(stdout.trim().split('\n').sort()).toEqual([
      'localsubjectaccessreviews.authorization.k8s.io',
      'selfsubjectaccessreviews.authorization.k8s.io',
      'selfsubjectrulesreviews.authorization.k8s.io',
      'subjectaccessreviews.authorization.k8s.io',
    ]);
  });
});

describe('RBAC escalation prevention', () => {
  let deputy: string;

  /** `kubectl create -f`: the typed `kubectl create rolebinding` sends protobuf, which the stand-in does not read. */
  async function createBinding(
    kubeconfig: string,
    name: string,
    roleRef: { kind: string; name: string },
    subject: object,
  ): Promise<{ code: number; stderr: string }> {
    const file = join(dir, `${name}.yaml`);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: 'kafka' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
      subjects: [subject],
    };
    await writeFile(file, JSON.stringify(binding));
    return kubectl(kubeconfig, 'create', '-f', file);
  }

  beforeAll(async () => {
    // A namespace admin of kafka: may write Roles and RoleBindings there (the bootstrap `admin` role), no more.
    await kubectl(admin, 'create', 'serviceaccount', 'deputy', '-n', 'kafka');
    await createBinding(
      admin,
      'deputy-admin',
      { kind: 'ClusterRole', name: 'admin' },
      { kind: 'ServiceAccount', name: 'deputy', namespace: 'kafka' },
    );
    deputy = join(dir, 'deputy');
    await writeFile(deputy, standin.serviceAccountKubeconfigYaml('kafka', 'deputy'));
  });

  it('lets a writer grant what it holds', async () => {
    const role = await kubectl(
      deputy,
      'create',
      'role',
      'pod-reader',
      '-n',
      'kafka',
      '--verb=get,list',
      '--resource=pods',
    );
    expect(role).toMatchObject({ code: 0, stderr: '' });
    expect(
      await createBinding(deputy, 'pod-reader', { kind: 'Role', name: 'pod-reader' }, { kind: 'User', name: 'jane' }),
    ).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a Role with rules the writer does not hold', async () => {
    const { code, stderr } = await kubectl(
      deputy,
      'create',
      'role',
      'node-reader',
      '-n',
      'kafka',
      '--verb=get,delete',
      '--resource=nodes,limitranges',
    );
    expect(code).toBe(1);
    // admin may read LimitRanges but not delete them, and has nothing on nodes.
    expect(stderr).toBe(
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "system:serviceaccount:kafka:deputy" ' +
        '(groups=["system:serviceaccounts" "system:serviceaccounts:kafka" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["limitranges"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "delete"]}\n',
    );
    // Escalation refusals are recorded like authorization's, with the user refused.
    expect(standin.stats.refused).toContainEqual({
      username: 'system:serviceaccount:kafka:deputy',
      message: stderr.slice('Error from server (Forbidden): '.length, -1),
    });
  });

  it('refuses a binding to a role the writer does not hold, unless it may bind it', async () => {
    const jane = { kind: 'User', name: 'jane' };
    const refused = await createBinding(deputy, 'jane-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, jane);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'rolebindings.rbac.authorization.k8s.io "jane-admin" is forbidden: user "system:serviceaccount:kafka:deputy"',
    );
    expect(refused.stderr).toContain(
      '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    await kubectl(
      admin,
      'create',
      'clusterrole',
      'bind-cluster-admin',
      '--verb=bind',
      '--resource=clusterroles',
      '--resource-name=cluster-admin',
    );
    await createBinding(
      admin,
      'deputy-binds',
      { kind: 'ClusterRole', name: 'bind-cluster-admin' },
      { kind: 'ServiceAccount', name: 'deputy', namespace: 'kafka' },
    );
    expect(
      await createBinding(deputy, 'jane-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, jane),
    ).toMatchObject({ code: 0 });
  });

  it('refuses the bot any RBAC write: it may only read roles', async () => {
    const { stderr } = await kubectl(bot, 'create', 'role', 'x', '-n', 'kafka', '--verb=get', '--resource=pods');
    expect(stderr).toContain(
      `roles.rbac.authorization.k8s.io is forbidden: User "${BOT}" cannot create resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "kafka"`,
    );
  });

  it("fails the rigs' check when escalation prevention refuses the bot (its message says `user`)", async () => {
    await kubectl(admin, 'create', 'namespace', 'sandbox');
    await kubectl(admin, 'create', 'role', 'role-writer', '-n', 'sandbox', '--verb=create', '--resource=roles');
    const file = join(dir, 'bot-role-writer.json');
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role-writer' };
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'bot-role-writer', namespace: 'sandbox' },
        roleRef,
        subjects: [{ kind: 'ServiceAccount', name: 'carbon-ops', namespace: 'carbon-ops' }],
      }),
    );
    expect((await kubectl(admin, 'create', '-f', file)).code).toBe(0);
    const { code, stderr } = await kubectl(
      bot,
      'create',
      'role',
      'greedy',
      '-n',
      'sandbox',
      '--verb=deletecollection',
      '--resource=secrets',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`roles.rbac.authorization.k8s.io "greedy" is forbidden: user "${BOT}" (groups=`);
    expect(() => assertBotNeverRefused(standin)).toThrow(
      /roles\.rbac\.authorization\.k8s\.io "greedy" is forbidden: user "system:serviceaccount:carbon-ops:carbon-ops"/,
    );
  });
});
