// logs, events and describe: the stand-in's pods/log against kubectl (the real client), and the three
// commands through `carbon run` on the demo cluster (a real process, real Redis and PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeStandin } from '../../src/devstack/kube/index.js';
import { loadScenario, startKubeStandin } from '../../src/devstack/kube/index.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { Kube, KubeApiError } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromFile } from '../../src/integrations/kubeconfig.js';
import { runCarbon } from '../support/carbon-process.js';
import { kubectlFor } from '../support/kubectl.js';
import { freshDatabase } from '../support/postgres.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

/** The credential the demo's kafka-connect logs in its connector config: it must never be shown. */
const CANARY = 'Kc0nnect-an4lytics-91';

let dir: string;
let standin: KubeStandin;
let admin: ReturnType<typeof kubectlFor>;
let bot: ReturnType<typeof kubectlFor>;
let stranger: ReturnType<typeof kubectlFor>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inspect-'));
  standin = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  await standin.writeKubeconfig(join(dir, 'admin'));
  await standin.writeBotKubeconfig(join(dir, 'bot'));
  admin = kubectlFor(join(dir, 'admin'), join(dir, 'cache'));
  // a reader of kafka's pods, not of their logs
  await admin.run('create', 'serviceaccount', 'reader', '-n', 'kafka');
  await admin.run('create', 'role', 'pod-reader', '-n', 'kafka', '--verb=get,list', '--resource=pods');
  await admin.run(
    'create',
    'rolebinding',
    'reader',
    '-n',
    'kafka',
    '--role=pod-reader',
    '--serviceaccount=kafka:reader',
  );
  await writeFile(join(dir, 'stranger'), standin.serviceAccountKubeconfigYaml('kafka', 'reader'), { mode: 0o600 });
  bot = kubectlFor(join(dir, 'bot'), join(dir, 'cache-bot'));
  stranger = kubectlFor(join(dir, 'stranger'), join(dir, 'cache-stranger'));
});

afterAll(async () => {
  await standin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const podOf = async (namespace: string, selector: string): Promise<string> =>
  (await admin.run('get', 'pods', '-n', namespace, '-l', selector, '-o', 'name')).split('\n')[0]!.replace('pod/', '');

describe('the stand-in serves pods/log as the API server does', () => {
  it("gives a crash-looping pod's last run, tailed, to kubectl logs and logs --previous", async () => {
    const pod = await podOf('kafka', 'app=kafka-connect');
    const last = await admin.run('logs', '-n', 'kafka', pod, '--tail', '2');
    expect(last.trimEnd().split('\n')).toEqual([
      '\tat org.apache.kafka.connect.runtime.WorkerConfig.lookupKafkaClusterId(WorkerConfig.java:427)',
      'Caused by: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: listNodes',
    ]);
    const previous = await admin.run('logs', '-n', 'kafka', pod, '--previous');
    expect(previous.trimEnd().split('\n')).toHaveLength(9);
    expect(previous).toContain('ERROR Stopping due to error');
  });

  it('refuses --previous of a container that never restarted, and a container still pulling its image', async () => {
    const ready = await podOf('kafka', 'app=schema-registry');
    expect(await admin.fails('logs', '-n', 'kafka', ready, '--previous')).toContain(
      `previous terminated container "schema-registry" in pod "${ready}" not found`,
    );
    const pulling = await podOf('monitoring', 'app=pushgateway');
    expect(await admin.fails('logs', '-n', 'monitoring', pulling)).toContain(
      `container "pushgateway" in pod "${pulling}" is waiting to start: trying and failing to pull image`,
    );
    expect(await admin.fails('logs', '-n', 'kafka', ready, '-c', 'sidecar')).toContain(
      `container sidecar is not valid for pod ${ready}`,
    );
  });

  it('needs the container of a pod of several, and names them as the API server does', async () => {
    const file = join(dir, 'two.yaml');
    await writeFile(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'two', namespace: 'kafka' },
        spec: {
          initContainers: [{ name: 'init', image: 'busybox:1.36' }],
          containers: [
            { name: 'app', image: 'busybox:1.36' },
            { name: 'sidecar', image: 'busybox:1.36' },
          ],
        },
      }),
    );
    await admin.run('apply', '-f', file);
    const kube = new Kube(kubeAccessFromFile(join(dir, 'admin')), {
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      pageSize: 500,
    });
    try {
      const refusal = await kube.readPodLog('kafka', 'two', {}).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(KubeApiError);
      expect((refusal as KubeApiError).code).toBe(400);
      expect((refusal as KubeApiError).status?.message).toBe(
        'a container name must be specified for pod two, choose one of: [app sidecar] or one of the init containers: [init]',
      );
    } finally {
      kube.close();
    }
  });

  it('keeps only the lines of the last --since', async () => {
    const ready = await podOf('kafka', 'app=schema-registry');
    expect((await admin.run('logs', '-n', 'kafka', ready)).trimEnd().split('\n')).toHaveLength(3);
    expect(await admin.run('logs', '-n', 'kafka', ready, '--since', '10s')).toBe('');
  });

  it("authorizes pods/log by RBAC: the bot's role grants it in the catalogue's namespaces only, a reader of pods without the pods/log rule is refused", async () => {
    const pod = await podOf('kafka', 'app=kafka-connect');
    expect(await bot.run('logs', '-n', 'kafka', pod, '--tail', '1')).toContain('Caused by');
    // the bot reads logs only in the catalogue's namespaces: a control plane's log is refused it
    const etcd = await podOf('kube-system', 'app=etcd');
    expect(await bot.fails('logs', '-n', 'kube-system', etcd)).toContain(
      'User "system:serviceaccount:carbon-ops:carbon-ops" cannot get resource "pods/log" in API group "" in the namespace "kube-system"',
    );
    expect(await stranger.fails('logs', '-n', 'kafka', pod)).toContain(
      'User "system:serviceaccount:kafka:reader" cannot get resource "pods/log" in API group "" in the namespace "kafka"',
    );
  });
});

let db: Awaited<ReturnType<typeof freshDatabase>>;
let env: NodeJS.ProcessEnv;

/** `carbon …` as a newcomer runs it, to its end. */
const carbon = (args: string[]) => runCarbon(args, env);

describe('carbon run logs, events and describe on the demo cluster', () => {
  beforeAll(async () => {
    db = await freshDatabase();
    const { KUBECONFIG: _k, DATABASE_URL: _d, DATABASE_MIGRATION_URL: _m, ...rest } = process.env;
    env = { ...rest, DATABASE_URL: db.url, LOG_LEVEL: 'debug' };
  });

  afterAll(async () => {
    await db?.drop();
  });

  it("shows kafka-connect's crash, its credential masked, within Slack's limits", async () => {
    const { code, stdout, stderr } = await carbon(['run', 'logs kafka-connect --tail 20']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Logs: log of kafka-connect-[a-z0-9]+-[a-z0-9]+\/kafka-connect/);
    expect(stdout).toContain('Caused by: org.apache.kafka.common.errors.TimeoutException');
    expect(stdout).toContain('connection.password = [masked]');
    expect(stdout).toContain('1 credential-looking value masked');
    expect(stdout + stderr).not.toContain(CANARY);

    const json = await carbon(['run', '--json', 'logs kafka-connect --previous --tail 5']);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(CANARY);
    const calls = JSON.parse(json.stdout) as { method: string; payload: { text: string; blocks?: unknown[] } }[];
    for (const call of calls) expect(checkMessage(call.payload as Parameters<typeof checkMessage>[0])).toBeUndefined();
    expect(calls.at(-1)!.payload.text).toMatch(/^Logs: previous log of kafka-connect-.* \(5 lines\)$/);
  });

  it("describes dolphinscheduler: replicas, image, the OOMKilled pod's exit code, its events", async () => {
    const { code, stdout } = await carbon(['run', 'describe dolphinscheduler']);
    expect(code).toBe(0);
    expect(stdout).toContain('Replicas 6 desired · 5 ready');
    expect(stdout).toContain('harbor.254carbon.com/library/dolphinscheduler-worker:3.2.2');
    expect(stdout).toMatch(/dolphinscheduler-worker-\S+\s+OOMKilled\s+27\s+OOMKilled \(exit 137\)/);
    expect(stdout).toMatch(/Warning\s+BackOff\s+pod\/dolphinscheduler-worker-/);
  });

  it('lists the events of trino and of a crash-looping service', async () => {
    const trino = await carbon(['run', 'events trino']);
    expect(trino.code).toBe(0);
    expect(trino.stdout).toContain('Events: deployment/trino-coordinator');
    const connect = await carbon(['run', 'events kafka-connect']);
    expect(connect.code).toBe(0);
    expect(connect.stdout).toMatch(/Warning\s+BackOff\s+pod\/kafka-connect-/);
  });

  it('answers an unknown service, a wrong namespace and a pod without one with what to type', async () => {
    const unknown = await carbon(['run', 'logs nosuch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('Unknown service `nosuch`');
    const wrong = await carbon(['run', 'events kafka-connect -n data-platform']);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('runs in namespace `kafka`, not `data-platform`');
    const pod = await carbon(['run', 'describe pod/kafka-connect-x']);
    expect(pod.code).toBe(2);
    expect(pod.stdout).toContain('Which namespace is pod/kafka-connect-x in?');
    const missing = await carbon(['run', 'logs pod/nosuch -n nowhere']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('Namespace `nowhere` does not exist');
  });
});
