import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import {
  loadScenario,
  startKubeStandin,
  type Deployment,
  type KubeObject,
  type KubeStandin,
} from '../../src/devstack/kube/index.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { createPool } from '../../src/integrations/postgres.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { RESTARTED_AT } from '../../src/features/restart/plan.js';
import { Store } from '../../src/app/store.js';
import { CarbonProcess } from '../support/carbon-process.js';
import { freshDatabase } from '../support/postgres.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { startRecordingProxy, throughProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { EVENT_WAIT_MS, until, untilReady } from '../support/until.js';

/**
 * A worker process killed with SIGKILL in the middle of a rollout: another worker process takes the job
 * over once its lock lapses, sees that the patch it recorded is on the workload, and only watches it to
 * the end. The workload is restarted once; the audit trail has one `started` and one `succeeded`.
 */
const SECRET = 'test-signing-secret';
let kube: KubeStandin;
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let bot: BuiltBot;
let dir: string;
let env: NodeJS.ProcessEnv;
/** Every request the workers sent to the stand-in, as it went on the wire. */
let wire: RecordingProxy;
const workers: CarbonProcess[] = [];

beforeAll(async () => {
  // Pods take 1.2 s to become ready: a 3-replica rollout (one surge pod at a time) lasts several seconds.
  kube = await startKubeStandin({
    scenario: await loadScenario('254carbon'),
    cluster: { podReadyDelayMs: 1200, podTerminationDelayMs: 100 },
  });
  slack = await startSlackStandin({ botToken: 'xoxb-test', channels: { C0INCIDENT: { name: 'inc-demo' } } });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  dir = await mkdtemp(join(tmpdir(), 'carbon-kill-'));
  // carbon runs as its ServiceAccount, through a recording proxy
  wire = await startRecordingProxy(kube.url, kube.ca);
  await writeFile(join(dir, 'kubeconfig'), throughProxy(kube.botKubeconfigYaml(), wire), {
    mode: 0o600,
  });
  const queueName = `test-kill-${randomBytes(4).toString('hex')}`;
  env = {
    KUBECONFIG: join(dir, 'kubeconfig'),
    DATABASE_URL: db.url,
    QUEUE_NAME: queueName,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_API_URL: slack.url,
    PORT: '0',
    LOG_LEVEL: 'info',
    CARBON_DATA_DIR: dir,
    RESTART_POLL_MS: '200',
    // A dead worker's job is taken over once its lock expires: short for the test, yet long enough that the
    // live worker on a loaded machine always renews its lock in time (a missed renewal counts as a stall).
    WORKER_LOCK_DURATION_MS: '10000',
  };
  // The bot in this process, as `carbon bot` builds it; the workers are `carbon worker` processes.
  bot = await buildBot({
    config: loadConfig({
      QUEUE_NAME: queueName,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      PORT: '0',
    }),
    log: silentLogger(),
    policy: await loadPolicy('policy/policy.example.yaml'),
    catalogue: await loadCatalogue('catalogue/services.yaml'),
    store,
  });
  await untilReady(bot.eventsUrl);
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await bot?.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await bot?.close();
  await store?.close();
  await db?.drop();
  await slack?.close();
  await wire?.close();
  await kube?.close();
  assertBotNeverRefused(kube);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function startWorker(): Promise<CarbonProcess> {
  const worker = new CarbonProcess(['worker'], env);
  workers.push(worker);
  await worker.waitFor(/"msg":"worker started"/);
  return worker;
}

/** `/carbon TEXT` from `user` in #inc-demo, signed as Slack signs it. */
const slash = async (text: string, user: string) => {
  const response = await sendSlashCommand(bot.eventsUrl, SECRET, {
    text,
    user_id: user,
    channel_id: 'C0INCIDENT',
    channel_name: 'inc-demo',
  });
  expect(response.status).toBe(200);
};
const workload = () => kube.cluster.get<Deployment>('deployments', 'data-platform', 'superset-worker')!;

describe('a worker killed mid-rollout', () => {
  it('is replaced by another worker that resumes watching the rollout it started, and restarts once', async () => {
    const first = await startWorker();
    const before = workload();

    await slash('restart deployment/superset-worker -n data-platform --reason "kill test"', 'U0OPERATOR');
    const request = await until('the plan', async () => {
      const { rows } = await store.pool.query<{ id: string }>(
        `SELECT id FROM restart_requests WHERE plan_ts IS NOT NULL`,
      );
      return rows[0] && (await store.restarts.get(rows[0].id));
    });
    expect(request.state).toBe('pending');

    await slash(`approve ${request.id}`, 'U0APPROVER');

    // The first worker records the annotation value, patches, and starts watching; kill it mid-rollout.
    const running = await until('the patch', async () => {
      const now = await store.restarts.get(request.id);
      const value = workload().spec.template.metadata?.annotations?.[RESTARTED_AT];
      return now?.restartedAt !== undefined && value === now.restartedAt ? now : undefined;
    });
    await first.waitFor(/"msg":"restart patch sent"/);
    expect((workload().status as { updatedReplicas?: number } | undefined)?.updatedReplicas ?? 0).toBeLessThan(3);
    await first.stop('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await startWorker();
    const done = await until('the end of the rollout', async () => {
      const now = await store.restarts.get(request.id);
      return now?.state === 'succeeded' || now?.state === 'failed' ? now : undefined;
    });
    expect(done.state).toBe('succeeded');

    // The second worker resumed: it found the recorded value on the workload and sent no patch of its own.
    const secondLogs = second.logs();
    expect(secondLogs.some((l) => l.msg === 'resuming the watch of a rollout already started')).toBe(true);
    expect(secondLogs.some((l) => l.msg === 'restart patch sent')).toBe(false);
    expect(first.logs().filter((l) => l.msg === 'restart patch sent')).toHaveLength(1);
    const patches = wire.requests.filter(
      (r) => r.method === 'PATCH' && r.url.includes('/namespaces/data-platform/deployments/superset-worker'),
    );
    expect(patches).toHaveLength(1); // on the wire too: one patch in all

    // Restarted once: one new template generation, one new ReplicaSet, the value recorded before the patch.
    const after = workload();
    expect(after.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
    expect(after.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(running.restartedAt);
    const replicaSets = kube.cluster
      .list<KubeObject>('replicasets', { namespace: 'data-platform' })
      .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.name === 'superset-worker'));
    expect(replicaSets).toHaveLength(2);

    const rows = (await store.audit.list({ since: new Date(0) }, 100))
      .filter((r) => r.requestId === request.id)
      .reverse();
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'started', 'succeeded']);
    expect(rows[3]).toMatchObject({ jobId: `restart-rollout-${request.id}`, approver: 'U0APPROVER' });

    // The thread ends with one result, saying another worker finished it. The request is marked
    // succeeded before the message is posted, so wait for the message (then make sure it is alone).
    const isResult = (m: { text: string }) => /^✅ Restarted deployment\/superset-worker/.test(m.text);
    await slack.waitFor(() => slack.messages('C0INCIDENT').find(isResult), EVENT_WAIT_MS);
    // Once the job has completed nothing is left to post a second result.
    const job = await bot.queue.queue.getJob(`restart-rollout-${request.id}`);
    await until('the job completed', async () => ((await job?.getState()) === 'completed' ? true : undefined));
    const results = slack.messages('C0INCIDENT').filter(isResult);
    expect(results).toHaveLength(1);
    expect(JSON.stringify(results[0]!.blocks)).toContain('resumed by another worker');
  }, 120_000);
});
