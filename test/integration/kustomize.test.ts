// The example overlay of manifests/bot, installed the way its users install it: `kubectl apply --server-side -k`
// with a real kubectl, against the Kubernetes stand-in, whose API server validates every object strictly (schema,
// unknown fields, names, RBAC writes). test/unit/kustomize.test.ts checks the rendering itself.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments, stringify } from 'yaml';
import { loadScenario, startKubeStandin, type KubeStandin } from '../../src/devstack/kube/index.js';
import { kubectlFor, type Kubectl } from '../support/kubectl.js';

const exec = promisify(execFile);
const OVERLAY = 'manifests/bot/overlays/example';
const NAMESPACE = 'platform-bots'; // the overlay's

let dir: string;
let standin: KubeStandin;
let kubectl: Kubectl;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kustomize-'));
  standin = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  await standin.writeKubeconfig(join(dir, 'kubeconfig'));
  kubectl = kubectlFor(join(dir, 'kubeconfig'), join(dir, 'cache'));
});

afterAll(async () => {
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const json = async (...args: string[]) => JSON.parse(await kubectl.run(...args, '-o', 'json')) as unknown;

describe('the example overlay on the stand-in', () => {
  it('applies: every rendered object accepted, in the namespace and with the image the overlay names', async () => {
    // --force-conflicts: the stand-in already holds the base's ClusterRoleBindings (the bot's identity), bound to
    // carbon-ops; the overlay takes them over for its namespace, as it would on a cluster carbon-ops ran on.
    const out = await kubectl.run('apply', '--server-side', '--force-conflicts', '-k', OVERLAY);
    const { stdout } = await exec('kubectl', ['kustomize', OVERLAY], { maxBuffer: 16 * 1024 * 1024 });
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(out.trim().split('\n')).toHaveLength(objects.length);
    expect(out).toContain(`namespace/${NAMESPACE} serverside-applied`);

    const bot = (await json('-n', NAMESPACE, 'get', 'deployment', 'carbon-bot')) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[]; volumes: unknown[] } } };
    };
    expect(bot.spec.replicas).toBe(3);
    expect(bot.spec.template.spec.containers[0]!.image).toBe('registry.example.com/platform/carbon-ops:0.1.1');
    const policy = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('carbon-ops-policy-'))!;
    const live = (await json('-n', NAMESPACE, 'get', 'configmap', policy.metadata.name)) as {
      data: Record<string, string>;
    };
    expect(live.data['policy.yaml']).toContain('members:');
  });

  it("lets the ServiceAccount of the new namespace do the bot's work, and only that", async () => {
    const as = `--as=system:serviceaccount:${NAMESPACE}:carbon-ops`;
    expect((await kubectl.run('auth', 'can-i', as, 'list', 'pods', '-A')).trim()).toBe('yes');
    expect((await kubectl.run('auth', 'can-i', as, 'patch', 'deployments', '-n', 'data-platform')).trim()).toBe('yes');
    const refused = await kubectl.result('auth', 'can-i', as, 'patch', 'deployments', '-n', NAMESPACE);
    expect([refused.code, refused.stdout.trim()]).toEqual([1, 'no']);
  });

  it('refuses a rendered object the API server would refuse (the validation is real)', async () => {
    const { stdout } = await exec('kubectl', ['kustomize', OVERLAY], { maxBuffer: 16 * 1024 * 1024 });
    const worker = parseAllDocuments(stdout)
      .map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { replicas: unknown } })
      .find((o) => o.kind === 'Deployment' && o.metadata.name === 'carbon-worker')!;
    const file = join(dir, 'worker.yaml');
    await writeFile(file, stringify({ ...worker, spec: { ...worker.spec, replica: 4 } }));
    const stderr = await kubectl.fails('apply', '--server-side', '--dry-run=server', '-f', file);
    expect(stderr).toMatch(/\.spec\.replica: field not declared in schema/);
  });
});
