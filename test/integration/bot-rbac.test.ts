// The API server, not only the bot's policy, refuses the bot a write where its RBAC (manifests/bot/base/rbac.yaml)
// grants none: the exact requests a restart and a vault cutover send, from the bot's own Kube client and from a
// real kubectl with the bot's kubeconfig, against the Kubernetes stand-in as the carbon-ops ServiceAccount.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import {
  loadScenario,
  startKubeStandin,
  type Deployment,
  type KubeObject,
  type KubeStandin,
} from '../../src/devstack/kube/index.js';
import { Kube, KubeApiError } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { BOT_USER } from '../support/bot-rbac.js';
import { kubectlFor } from '../support/kubectl.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

let dir: string;
let standin: KubeStandin;
let kube: Kube;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bot-rbac-'));
  standin = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  // carbon-ops itself, deployed in its namespace as manifests/bot describes it.
  for (const file of ['configmap.yaml', 'bot.yaml'])
    for (const doc of parseAllDocuments(await readFile(`manifests/bot/base/${file}`, 'utf8')))
      standin.cluster.put(doc.toJS() as KubeObject);
  const config = kubeAccessFromYaml(standin.botKubeconfigYaml());
  kube = new Kube(config, { requestTimeoutMs: REQUEST_TIMEOUT_MS, pageSize: 500 });
});

afterAll(async () => {
  kube?.close();
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const annotations = (namespace: string, name: string) =>
  standin.cluster.get<Deployment>('deployments', namespace, name)?.spec.template.metadata?.annotations ?? {};

/** The error a call of the bot's client ends with; fails the test if it succeeds. */
async function refusal(call: Promise<unknown>): Promise<KubeApiError> {
  const error = await call.then(
    () => new Error('the API server allowed it'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KubeApiError);
  return error as KubeApiError;
}

const forbidden = (verb: string, resource: string, group: string, namespace: string, name: string) =>
  `${group ? `${resource}.${group}` : resource} "${name}" is forbidden: User "${BOT_USER}" cannot ${verb} resource ` +
  `"${resource}" in API group "${group}" in the namespace "${namespace}"`;

describe('the API server refuses the bot', () => {
  it("a restart's patch in kube-system and in carbon-ops, while the same patch goes through in data-platform", async () => {
    const now = new Date().toISOString();
    // The patch `restart` sends after an approval: the pod template's restartedAt annotation.
    for (const [namespace, name] of [
      ['kube-system', 'coredns'],
      ['carbon-ops', 'carbon-bot'],
    ] as const) {
      const before = annotations(namespace, name);
      const error = await refusal(kube.restartWorkload('deployment', namespace, name, now));
      expect(error.code).toBe(403);
      expect(error.status?.message).toBe(forbidden('patch', 'deployments', 'apps', namespace, name));
      expect(annotations(namespace, name)).toEqual(before); // nothing changed
      expect(standin.stats.refused).toContainEqual({ username: BOT_USER, message: error.status?.message });
    }
    // The same client, token and call where the catalogue names services: allowed.
    await kube.restartWorkload('deployment', 'data-platform', 'superset', now);
    expect(annotations('data-platform', 'superset')[RESTARTED_AT]).toBe(now);
  });

  it("a vault cutover's ConfigMap patch in carbon-ops", async () => {
    const before = standin.cluster.get<KubeObject>('configmaps', 'carbon-ops', 'carbon-ops');
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: before!.metadata.resourceVersion },
      { op: 'remove', path: '/data/REDIS_URL' },
    ];
    const error = await refusal(kube.patch('ConfigMap', 'carbon-ops', 'carbon-ops', 'json', body, 'remove 1 key(s)'));
    expect(error.code).toBe(403);
    expect(error.status?.message).toBe(forbidden('patch', 'configmaps', '', 'carbon-ops', 'carbon-ops'));
    expect(standin.cluster.get<KubeObject>('configmaps', 'carbon-ops', 'carbon-ops')).toEqual(before);
  });

  it('kubectl rollout restart with the bot kubeconfig, in kube-system', async () => {
    const botKubeconfig = join(dir, 'bot');
    await standin.writeBotKubeconfig(botKubeconfig);
    const kubectl = kubectlFor(botKubeconfig, join(dir, 'cache'));
    const stderr = await kubectl.fails('rollout', 'restart', 'deployment/coredns', '-n', 'kube-system');
    expect(stderr).toBe(
      `error: failed to patch: ${forbidden('patch', 'deployments', 'apps', 'kube-system', 'coredns')}\n`,
    );
    expect(annotations('kube-system', 'coredns')[RESTARTED_AT]).toBeUndefined();
  });
  it("the pod watch's watch of pods: where the catalogue names services, not in kube-system nor cluster-wide", async () => {
    const botKubeconfig = join(dir, 'bot-watch');
    await standin.writeBotKubeconfig(botKubeconfig);
    const kubectl = kubectlFor(botKubeconfig, join(dir, 'cache'));
    const canI = async (...args: string[]) =>
      (await kubectl.result('auth', 'can-i', 'watch', 'pods', ...args)).stdout.trim();
    expect(await canI('-n', 'data-platform')).toBe('yes');
    expect(await canI('-n', 'kafka')).toBe('yes');
    expect(await canI('-n', 'kube-system')).toBe('no');
    expect(await canI('-A')).toBe('no');
    const refused = await kubectl.fails('get', 'pods', '-n', 'kube-system', '--watch', '--request-timeout=5s');
    // kubectl lists first (the ClusterRole allows it), then its watch is refused; it prints a watch's 403 this way.
    expect(refused).toContain('Error from server (Forbidden)');
  });
});
