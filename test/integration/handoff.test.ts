import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { buildBot, type BuiltBot } from '../../src/app/bot.js';
import { buildWorker, type BuiltWorker } from '../../src/app/worker.js';
import { loadCatalogue, type Catalogue } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import { startDemoCluster, type DemoCluster } from '../../src/devstack/demo.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { sendSlashCommand, startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import type { HealthReport } from '../../src/features/health/measure.js';
import { listCertificates } from '../../src/integrations/cert-manager.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import type { BenchResult } from '../../src/integrations/kafka-bench/producer-benchmark.js';
import { createPool } from '../../src/integrations/postgres.js';
import { slackChat } from '../../src/integrations/slack.js';
import { silentLogger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { Store } from '../../src/app/store.js';
import { expiryOf } from '../../src/features/status/sections/certificates.js';
import { signed } from '../../src/features/status/render-parts.js';
import { measureCoverage } from '../../src/features/vault/coverage.js';
import { freshDatabase, queryAs } from '../support/postgres.js';
import { services } from '../support/status-fixtures.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { EVENT_WAIT_MS, REQUEST_TIMEOUT_MS, untilReady } from '../support/until.js';

/**
 * `/carbon handoff` against history the test writes itself: health snapshots, benchmark runs and audit
 * rows at known times, some inside the period and some outside, so every figure of the summary is known.
 */
const HOUR = 3_600_000;
const CHANNEL = 'C0GENERAL';
const SECRET = 'test-signing-secret';
const log = silentLogger();
let demo: DemoCluster;
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;
let bot: BuiltBot;
let worker: BuiltWorker;
let catalogue: Catalogue;
let kube: Kube;
const ids: Record<string, string> = {};
const ago = (hours: number) => new Date(Date.now() - hours * HOUR);

function report(
  cluster: string,
  takenAt: Date,
  ready: number,
  counted: number,
  up: number,
  namespace?: string,
): HealthReport {
  return {
    cluster: { name: cluster, simulated: true },
    ...(namespace ? { namespace } : {}),
    takenAt,
    pods: { total: counted + 4, succeeded: 4, counted, ready },
    healthPct: Math.round((ready / counted) * 1000) / 10,
    services: services(up),
    problems: [],
    namespaces: [],
  };
}

function bench(recordsPerSec: number): BenchResult {
  return {
    records: 100_000,
    recordsPerSec,
    mbPerSec: (recordsPerSec * 1024) / 2 ** 20,
    avgLatencyMs: 2.4,
    maxLatencyMs: 31,
    p50: 2,
    p95: 3,
    p99: 7,
    p999: 20,
    histogram: [],
    topic: 't',
    partitions: 3,
    replicationFactor: 1,
    recordsInTopic: 100_000,
    topicDeleted: true,
  } as unknown as BenchResult;
}

async function auditAt(
  at: Date,
  row: {
    actor: string;
    action: string;
    target?: string;
    approver?: string;
    outcome: string;
    detail?: string;
    job?: string;
    request?: string;
  },
): Promise<string> {
  // A backdated row: the bot's role may not set `at`, the schema owner may.
  const { rows } = await queryAs<{ id: string }>(
    db.migrationUrl,
    `INSERT INTO audit_log (at, actor, channel, action, command, target, approver, outcome, detail, job_id, request_id, cluster)
     VALUES ($1, $2, 'C0INCIDENT', $3, $3 || ' ' || coalesce($4, ''), $4, $5, $6, $7, $8, $9, '254carbon-demo') RETURNING id`,
    [
      at,
      row.actor,
      row.action,
      row.target ?? null,
      row.approver ?? null,
      row.outcome,
      row.detail ?? null,
      row.job ?? null,
      row.request ?? null,
    ],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  demo = await startDemoCluster({});
  slack = await startSlackStandin({ botToken: 'xoxb-test' });
  const config = loadConfig({
    KUBE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    STATUS_TZ: 'UTC',
    QUEUE_NAME: `test-handoff-${randomBytes(4).toString('hex')}`,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
    PORT: '0',
  });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
  catalogue = await loadCatalogue('catalogue/services.yaml');
  const kubeConfig = kubeAccessFromYaml(demo.botKubeconfigYaml()); // the bot runs as its ServiceAccount
  kube = new Kube(kubeConfig, { requestTimeoutMs: config.KUBE_REQUEST_TIMEOUT_MS, pageSize: 100 });
  const chat = slackChat(new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } }));
  worker = await buildWorker(
    { config, log, kube, cluster: { name: demo.clusterName, simulated: true }, store, catalogue, chat },
    { concurrency: 2, progressIntervalMs: 100 },
  );
  bot = await buildBot({ config, log, policy: await loadPolicy('policy/policy.example.yaml'), catalogue, store });
  await untilReady(bot.eventsUrl);

  // History: outside the 2-day period, inside it, and snapshots that are not cluster-wide or of another cluster.
  const cluster = demo.clusterName;
  ids.before = await store.health.insert(report(cluster, ago(72), 100, 160, 10), 'health-before');
  ids.start = await store.health.insert(report(cluster, ago(40), 118, 154, 13), 'health-start');
  ids.middle = await store.health.insert(report(cluster, ago(20), 120, 150, 14), 'health-middle');
  ids.end = await store.health.insert(report(cluster, ago(1), 127, 140, 14), 'health-end');
  await store.health.insert(report(cluster, ago(0.5), 1, 10, 0, 'kafka'), 'health-namespace');
  await store.health.insert(report('other-cluster', ago(0.4), 1, 10, 0), 'health-other');
  const params = { records: 100_000, recordSize: 1024, throughput: -1, acks: -1 as const, partitions: 3 };
  const run = (at: Date, rps: number, job: string) =>
    store.benchmarks.insert({
      startedAt: at,
      finishedAt: new Date(at.getTime() + 20_000),
      cluster,
      kafkaCluster: 'default',
      brokers: ['127.0.0.1:9092'],
      params,
      result: bench(rps),
      jobId: job,
      requestedBy: 'U0OPERATOR',
    });
  ids.runBefore = await run(ago(80), 9000, 'bench-kafka-before');
  ids.runStart = await run(ago(30), 7153, 'bench-kafka-start');
  ids.runEnd = await run(ago(2), 7010.5, 'bench-kafka-end');
  ids.oldRestart = await auditAt(ago(70), {
    actor: 'U0OPERATOR',
    action: 'restart',
    target: 'data-platform/deployment/superset',
    outcome: 'succeeded',
  });
  await auditAt(ago(10.1), {
    actor: 'U0OPERATOR',
    action: 'restart',
    target: 'data-platform/deployment/trino-coordinator',
    outcome: 'requested',
    request: 'req1',
  });
  ids.restart = await auditAt(ago(10), {
    actor: 'U0OPERATOR',
    approver: 'U0APPROVER',
    action: 'restart',
    target: 'data-platform/deployment/trino-coordinator',
    outcome: 'succeeded',
    detail: '1 of 1 pods updated and ready in 2.0 s',
    job: 'restart-rollout-abc',
    request: 'req1',
  });
  ids.failed = await auditAt(ago(5), {
    actor: 'U0ADMIN',
    approver: 'U0APPROVER',
    action: 'restart',
    target: 'kafka/statefulset/kafka',
    outcome: 'failed',
    detail: 'ProgressDeadlineExceeded',
    job: 'restart-rollout-def',
    request: 'req2',
  });
  await auditAt(ago(1), { actor: 'U0VIEWER', action: 'restart', outcome: 'denied', detail: 'needs the operator role' });
  // Vault coverage measured 30 h ago (the period's start), and phase work done in the period.
  ids.coverage = await store.vaultCoverage.insert({ cluster, at: ago(30), inVault: 2, total: 20, jobId: 'status-old' });
  await store.phases.setState(cluster, 4, 'pod-disruption-budgets', {
    state: 'done',
    by: 'U0OPERATOR',
    jobId: 'phase-apply-xyz',
  });
  await store.phases.setState(cluster, 4, 'pdbs-cover-critical', {
    state: 'failed',
    by: 'U0OPERATOR',
    jobId: 'phase-verify-xyz',
    detail: 'trino has no PodDisruptionBudget',
  });
  await store.phases.recordObjects([
    ...Array.from({ length: 8 }, (_, i) => ({
      cluster,
      phase: 4,
      task: 'pod-disruption-budgets',
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      namespace: 'data-platform',
      name: `pdb-${i}`,
      action: 'created' as const,
      by: 'U0OPERATOR',
    })),
    {
      cluster,
      phase: 4,
      task: 'resource-quotas',
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      namespace: 'kafka',
      name: 'kafka-quota',
      action: 'changed' as const,
      by: 'U0OPERATOR',
    },
  ]);
});

afterAll(async () => {
  await worker?.close();
  await bot?.queue.queue.obliterate({ force: true }).catch(() => undefined);
  await bot?.close();
  await store?.close();
  await db?.drop();
  await slack?.close();
  await demo?.close();
  assertBotNeverRefused(demo?.kube);
});

/** `/carbon TEXT` from U0VIEWER in #general, signed as Slack signs it. */
const slash = async (text: string) => {
  const response = await sendSlashCommand(bot.eventsUrl, SECRET, {
    text,
    user_id: 'U0VIEWER',
    channel_id: CHANNEL,
    channel_name: 'general',
  });
  expect(response.status).toBe(200);
};
const finalMessage = (predicate: (text: string) => boolean) =>
  slack.waitFor(() => slack.messages(CHANNEL).find((m) => predicate(m.text)), EVENT_WAIT_MS);

describe('/carbon handoff', () => {
  it('computes the key metrics, actions, performance and risks of the period from the stored history', async () => {
    await slash('handoff --since 2d');
    const message = await finalMessage((t) => t.startsWith('Handoff · 254carbon-demo') && t.includes('--since 2d'));
    expect(message.text).toContain('platform health 76.6% → 90.7%');
    expect(checkMessage({ text: message.text, blocks: message.blocks })).toBeUndefined();

    const file = await slack.waitFor(
      () => slack.files().find((f) => f.channel === CHANNEL && f.thread_ts === message.ts && f.name.endsWith('.md')),
      EVENT_WAIT_MS,
    );
    expect(file.name).toMatch(/^handoff-254carbon-demo-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.md$/);
    const md = file.bytes!.toString('utf8');
    const coverage = await measureCoverage({
      kube,
      store,
      cluster: { name: demo.clusterName, simulated: true },
      config: loadConfig({}),
    });
    expect(coverage.total).toBeGreaterThan(0); // the demo's ConfigMaps hold platform credentials
    const vaultPct = Math.round((coverage.inVault / coverage.total) * 1000) / 10;
    // Start = the first cluster-wide snapshot (run) at or after the period start; end = the latest.
    expect(md).toContain(
      [
        '| Metric | Start | End | Change |',
        '|---|---:|---:|---:|',
        '| Platform health | 76.6% | 90.7% | +14.1 points |',
        '| Ready pods | 118 | 127 | +9 |',
        '| Pods (all − Succeeded) | 154 | 140 | −14 |',
        '| Critical services up | 13/14 | 14/14 | +1 |',
        `| Vault coverage | 10.0% (2/20) | ${vaultPct.toFixed(1)}% (${coverage.inVault}/${coverage.total}) | ${signed(vaultPct - 10)} points |`,
        '| Kafka throughput | 7,153/s | 7,011/s | −2.0% |',
      ].join('\n'),
    );
    expect(md).toMatch(
      new RegExp(
        `start = snapshot #${ids.start} \\(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC, job health-start\\), end = snapshot #${ids.end} \\([^)]*, job health-end\\)`,
      ),
    );
    expect(md).toMatch(
      new RegExp(
        `Kafka throughput: start = run #${ids.runStart} \\([^)]*, job bench-kafka-start\\), end = run #${ids.runEnd} \\([^)]*, job bench-kafka-end\\)`,
      ),
    );
    expect(md).toMatch(
      new RegExp(
        `- Vault coverage: start = coverage snapshot #${ids.coverage} \\([^)]*, job status-old\\), end = coverage snapshot #\\d+ \\([^)]*, measured for this handoff\\)\\.`,
      ),
    );
    expect(md).toContain('## Deliverables: 1 task completed in the period');
    expect(md).toMatch(
      /- ✅ Phase 4 · PodDisruptionBudgets for the critical services with more than one replica \([^)]* UTC, by U0OPERATOR, job phase-apply-xyz\)/,
    );
    expect(md).toContain('- Objects applied by kind: 8 PodDisruptionBudget (8 created), 1 ResourceQuota (1 changed)');
    for (const outside of [
      `= snapshot #${ids.before} (`,
      `(snapshot #${ids.before},`,
      `run #${ids.runBefore} `,
      `audit #${ids.oldRestart})`,
      'health-namespace',
      'health-other',
    ])
      expect(md).not.toContain(outside);

    expect(md).toContain('## Actions: 2 finished in the period (audit log: who, what, when, result)');
    expect(md).toMatch(
      new RegExp(
        `- ✅ [^\\n]* UTC \\*\\*restart\\*\\* \`data-platform/deployment/trino-coordinator\` by U0OPERATOR, approved by U0APPROVER: succeeded: 1 of 1 pods updated and ready in 2\\.0 s \\(audit #${ids.restart}, job restart-rollout-abc, request req1\\)`,
      ),
    );
    expect(md).toMatch(
      new RegExp(
        `- ❌ [^\\n]* UTC \\*\\*restart\\*\\* \`kafka/statefulset/kafka\` by U0ADMIN, approved by U0APPROVER: failed: ProgressDeadlineExceeded \\(audit #${ids.failed}, job restart-rollout-def, request req2\\)`,
      ),
    );
    expect(md.indexOf(`audit #${ids.restart}`)).toBeLessThan(md.indexOf(`audit #${ids.failed}`)); // oldest first
    expect(md).toContain('Also in the audit log: 1 requested, 1 denied.');

    expect(md).toContain('## Performance: 2 Kafka benchmark runs in the period');
    expect(md).toContain(`run #${ids.runEnd} `);
    expect(md).toMatch(/\*\*7,011 records\/s\*\* \(6\.85 MB\/s\), avg 2\.4 ms, p95 3 ms; 98% of the baseline 7,153\/s/);

    // Readiness: the latest snapshot's checks and the latest run, exactly; certificates as the cluster serves them.
    const certificates = await listCertificates(kube);
    const certificateCheck =
      !certificates.served || certificates.items.length === 0
        ? 'not measured'
        : expiryOf(certificates.items, new Date(), 14).expiring.length === 0
          ? 'pass'
          : 'fail';
    // Measured: health, services up, replicas, crash loops, Kafka, Vault, the failed phase check (+ certificates when the cluster has any).
    const [passing, measured] = ({ 'not measured': [2, 7], pass: [3, 8], fail: [2, 8] } as const)[certificateCheck];
    expect(md).toContain(
      `## Production readiness score: ${Math.round((passing / measured) * 100)}% = ${passing} of ${measured} measured readiness checks passing`,
    );
    expect(md).toContain('Formula: checks passing ÷ checks measured;');
    expect(md).toMatch(new RegExp(`- ❌ Platform health ≥ 95%: 90\\.7% \\(snapshot #${ids.end}, `));
    expect(md).toContain('- ✅ Every critical service fully up: 14 of 14 up');
    expect(md).toContain('- ❌ Every critical service runs 2 or more replicas: single replica: svc-04, svc-05');
    expect(md).toContain('- ✅ No pod in CrashLoopBackOff: 0 pods in CrashLoopBackOff');
    expect(md).toMatch(
      new RegExp(
        `- ❌ Kafka throughput ≥ the baseline 7,153 records/s: 7,011 records/s \\(run #${ids.runEnd}, [^)]*, job bench-kafka-end; 1 KiB records, acks=all, unthrottled, against 127\\.0\\.0\\.1:9092\\)`,
      ),
    );
    expect(md).toMatch(
      new RegExp(
        `- ❌ Every secret in Vault: ${coverage.inVault} of ${coverage.total} secret-looking ConfigMap keys \\(coverage snapshot #\\d+\\)`,
      ),
    );
    expect(md).toContain(
      '- ❌ Phase 4 check: Every critical service with more than one replica has a PodDisruptionBudget: trino has no PodDisruptionBudget; verified',
    );
    expect(md).toContain(
      '- ❔ Phase 1 check: Harbor registry running (8 of 8 components): not measured: not verified yet (`/carbon phase verify N`)',
    );

    expect(md).toContain('## Risks');
    expect(md).toContain(`- ⚠️ Single-replica critical services (10): svc-04 (deployment/svc-4 1/1)`);
    expect(md).toMatch(/- (Certificates expiring within 14 days: |⚠️ Certificates expiring)/);
    expect(md).toMatch(new RegExp(`- ⚠️ Unmigrated secrets \\(${coverage.total - coverage.inVault}\\): \``));
    const tasks = await store.phases.tasks(demo.clusterName); // the runbooks, as the handoff loaded them
    expect(md).toContain(
      `## Next steps: ${tasks.length - 1} pending tasks, in phase order\n\n1. Phase 1 · Harbor registry running (8 of 8 components)\n`,
    );
    expect(md).toContain(
      '. Phase 4 · Every critical service with more than one replica has a PodDisruptionBudget (failed: trino has no PodDisruptionBudget)',
    );

    // The channel message carries the same figures.
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toMatch(/Platform health +76\.6% +90\.7% +\+14\.1 points/);
    expect(blocks).toMatch(/Kafka throughput +7,153\/s +7,011\/s +−2\.0%/);
    expect(blocks).toContain(`snapshot #${ids.start}`);
  });

  it('says what is missing instead of guessing when the period has no data', async () => {
    await slash('handoff --since 20m');
    const message = await finalMessage((t) => t.startsWith('Handoff · 254carbon-demo') && t.includes('--since 20m'));
    expect(message.text).toContain('platform health not measured in the period');
    const file = await slack.waitFor(
      () => slack.files().find((f) => f.thread_ts === message.ts && f.name.endsWith('.md')),
      EVENT_WAIT_MS,
    );
    const md = file.bytes!.toString('utf8');
    expect(md).toContain('| Platform health | not measured | not measured | — |');
    expect(md).toMatch(
      /- Platform health: not measured: no cluster-wide health snapshot since \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC/,
    );
    expect(md).toContain('- Kafka throughput: not measured: no Kafka benchmark run since');
    expect(md).toContain('## Actions: 0 finished in the period');
    expect(md).not.toContain('Also in the audit log');
    expect(md).toContain('## Performance\n\n- Not measured: no Kafka benchmark run in the period');
  });

  it('refuses a bad --since with a clear message, and a period starting in the future', async () => {
    await slash('handoff --since yesterday');
    const whisper = await slack.waitFor(
      () => slack.ephemerals(CHANNEL).find((e) => e.text.includes('`yesterday` is not a period start')),
      EVENT_WAIT_MS,
    );
    expect(whisper.user).toBe('U0VIEWER');
    expect(whisper.text).toContain(
      '`yesterday` is not a period start: give a duration like 24h, 7d or 2w, or a date like 2025-10-24 or 2025-10-24T09:00 (read in the status time zone unless it ends in Z or +HH:MM).',
    );

    await slash('handoff --since 2099-01-01');
    const refused = await finalMessage((t) => t.startsWith('❌') && t.includes('2099'));
    expect(refused.text).toBe(
      '❌ The period would start 2099-01-01 00:00 UTC, which is not in the past. Give a duration like 24h or an earlier date.',
    );
  });
});
