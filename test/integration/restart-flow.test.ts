import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment, KubeObject } from '../../src/devstack/kube/index.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { RESTARTED_AT } from '../../src/features/restart/plan.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { migrateAs } from '../../src/store/migrate.js';
import { queryAs } from '../support/postgres.js';
import { EVENT_WAIT_MS, until } from '../support/until.js';
import { RestartRig } from '../support/restart-rig.js';

/**
 * Restarts on real parts: signed Slack requests to the Bolt app, BullMQ on the real Redis, a worker,
 * the Kubernetes stand-in (rollouts simulated), PostgreSQL for requests and the audit trail.
 */
const rig = new RestartRig();
beforeAll(() => rig.start());
afterAll(() => rig.stop());

const deployment = (namespace: string, name: string) =>
  rig.kube.cluster.get<Deployment>('deployments', namespace, name)!;

/** Waits for a message in the request's thread that reads like `pattern`. */
const inThread = (request: RestartRequest, pattern: RegExp) =>
  rig.slack.waitFor(
    () => rig.slack.messages('C0INCIDENT').find((m) => m.thread_ts === request.threadTs && pattern.test(m.text)),
    EVENT_WAIT_MS,
  );

const messageAt = (ts: string | undefined) => rig.slack.messages('C0INCIDENT').find((m) => m.ts === ts);

/**
 * Everything but what a restart may change: the annotation, and what the API server and the deployment
 * controller maintain (generation, resourceVersion, managedFields, status, the revision annotation).
 */
function withoutRestart(object: KubeObject): unknown {
  const copy = structuredClone(object) as unknown as {
    metadata: Record<string, unknown> & { annotations?: Record<string, string> };
    spec: { template: { metadata?: { annotations?: Record<string, string> } } };
    status?: unknown;
  };
  delete copy.metadata.generation;
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  delete copy.metadata.annotations?.['deployment.kubernetes.io/revision'];
  delete copy.status;
  const annotations = copy.spec.template.metadata?.annotations;
  if (annotations) {
    delete annotations[RESTARTED_AT];
    if (Object.keys(annotations).length === 0) delete copy.spec.template.metadata!.annotations;
  }
  return copy;
}

describe('a restart from Slack', () => {
  it('runs the whole flow: signed slash command → plan in the thread → Approve by another approver → rollout → done', async () => {
    const before = deployment('data-platform', 'superset-worker');
    const response = await rig.slash(
      'restart deployment/superset-worker -n data-platform --reason "workers wedged on a stale broker connection"',
      'U0OPERATOR',
    );
    expect(response.status).toBe(200); // acked (how fast: bench/slack-ack.ts measures it, a test does not)

    const request = await rig.waitForPlanned('superset-worker');
    expect(request).toMatchObject({
      namespace: 'data-platform',
      kind: 'deployment',
      requestedBy: 'U0OPERATOR',
      channel: 'C0INCIDENT',
      approvalsRequired: 1,
      reason: 'workers wedged on a stale broker connection',
    });
    expect(request.expiresAt.getTime() - request.createdAt.getTime()).toBeGreaterThanOrEqual(14.9 * 60_000);
    const plan = messageAt(request.planTs)!;
    expect(plan.thread_ts).toBe(request.threadTs); // posted in the thread of the "queued" message
    expect(checkMessage({ text: plan.text, blocks: plan.blocks })).toBeUndefined();
    const planJson = JSON.stringify(plan.blocks);
    expect(planJson).toContain('restart-approve');
    expect(planJson).toContain('3/3 ready');
    expect(planJson).toContain(`request: ${request.id}`);
    // The status message is edited after the plan is posted (progress updates are coalesced): wait for it.
    await until('the status message to name the request', () =>
      messageAt(request.statusTs)?.text.includes(`request: ${request.id}`) ? true : undefined,
    );
    // Nothing has changed in the cluster yet.
    expect(deployment('data-platform', 'superset-worker').metadata.generation).toBe(before.metadata.generation);

    expect((await rig.click('approve', request, 'U0APPROVER')).status).toBe(200);
    const done = await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    const result = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0INCIDENT')
          .find((m) => m.thread_ts === request.threadTs && /Restarted deployment\/superset-worker/.test(m.text)),
      EVENT_WAIT_MS,
    );
    expect(result.text).toMatch(/3 of 3 pods updated and ready in \d+\.\d s/);
    // Progress was shown in the thread while it rolled.
    const progress = rig.slack.calls
      .filter((c) => c.method === 'chat.update' && c.payload['ts'] === result.ts)
      .map((c) => String(c.payload['text']));
    expect(progress.some((t) => /\d of 3 pods updated/.test(t))).toBe(true);
    // The plan lost its buttons and says who approved; the status line says it is done.
    expect(JSON.stringify(messageAt(request.planTs)?.blocks)).not.toContain('restart-approve');
    expect(messageAt(request.planTs)?.text).toMatch(/approved/);
    expect(messageAt(request.statusTs)?.text).toMatch(/restarted/);

    // Exactly `kubectl rollout restart`: only the annotation changed, as carbon-ops, and the rollout happened once.
    const after = deployment('data-platform', 'superset-worker');
    expect(after.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(done.restartedAt);
    expect(done.restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(withoutRestart(after)).toEqual(withoutRestart(before));
    expect(after.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
    // carbon-ops owns exactly one field: the annotation (its managedFields entry lists what the patch set).
    const mine = after.metadata.managedFields?.filter((f) => f.manager === 'carbon-ops');
    expect(mine).toEqual([
      expect.objectContaining({
        operation: 'Update',
        fieldsV1: { 'f:spec': { 'f:template': { 'f:metadata': { 'f:annotations': { [`f:${RESTARTED_AT}`]: {} } } } } },
      }),
    ]);

    // The audit trail: one row per step, each with who, where, what, why, the approver, the job and the thread.
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'started', 'succeeded']);
    for (const row of rows) {
      expect(row).toMatchObject({
        action: 'restart',
        target: 'data-platform/deployment/superset-worker',
        reason: 'workers wedged on a stale broker connection',
        cluster: '254carbon-demo',
      });
      expect(row.threadLink).toBe(`https://slack.com/archives/C0INCIDENT/p${request.threadTs.replace('.', '')}`);
    }
    expect(rows[0]).toMatchObject({ actor: 'U0OPERATOR', channel: 'C0INCIDENT' });
    expect(rows[1]).toMatchObject({ actor: 'U0APPROVER', approver: 'U0APPROVER', command: `approve ${request.id}` });
    expect(rows[2]).toMatchObject({
      approver: 'U0APPROVER',
      jobId: `restart-rollout-${request.id}`,
      detail: `${RESTARTED_AT}=${done.restartedAt}`,
    });
    expect(rows[3]).toMatchObject({ approver: 'U0APPROVER', jobId: `restart-rollout-${request.id}` });
  });

  it('puts PodDisruptionBudget headroom and the recent restarts of the workload in the plan', async () => {
    // trino-worker: 7 replicas, of which 6 ready; maxUnavailable 25% → 1. A budget of 6 leaves no disruption.
    rig.kube.cluster.put({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'trino-worker-pdb', namespace: 'data-platform' },
      spec: { minAvailable: 6, selector: { matchLabels: { app: 'trino', component: 'worker' } } },
    } as unknown as KubeObject); // the API server fills in uid, resourceVersion and the timestamps
    // The disruption controller fills in the status: wait for it to count the pods, however long that takes.
    await until(
      'the PodDisruptionBudget status',
      () =>
        rig.kube.cluster.get<KubeObject & { status?: { expectedPods?: number } }>(
          'poddisruptionbudgets',
          'data-platform',
          'trino-worker-pdb',
        )?.status?.expectedPods,
    );
    await rig.slash('restart deployment/trino-worker -n data-platform --reason "workers leak memory"', 'U0OPERATOR');
    const request = await rig.waitForPlanned('trino-worker');
    expect(request.plan.pdbs).toEqual([
      expect.objectContaining({ name: 'trino-worker-pdb', disruptionsAllowed: 0, breach: true }),
    ]);
    const text = JSON.stringify(messageAt(request.planTs)?.blocks);
    expect(text).toContain('more than the budget allows');
    expect(text).toContain('6/7 ready');
    await rig.click('deny', request, 'U0APPROVER');
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'rejected');

    // superset-worker was restarted by the first test: a new request for it shows that restart.
    await rig.slash('restart deployment/superset-worker -n data-platform --reason "again"', 'U0OPERATOR');
    const again = await rig.waitForPlanned('superset-worker');
    expect(again.plan.recent).toEqual([expect.objectContaining({ actor: 'U0OPERATOR', outcome: 'succeeded' })]);
    expect(again.plan.lastRestartedAt).toMatch(/^\d{4}-/);
    expect(JSON.stringify(messageAt(again.planTs)?.blocks)).toMatch(/Recent restarts\* \(last 7 days\)/);
    await rig.click('deny', again, 'U0OPERATOR');
    await rig.waitForRequest((r) => r.id === again.id && r.state === 'rejected');
  });

  it('takes a mention in an incident channel, answers in its thread, and lets the requester cancel with Deny', async () => {
    const ts = `${Math.floor(Date.now() / 1000)}.000777`;
    expect((await rig.mention("restart trino, it's stuck on queued queries", 'U0OPERATOR', ts)).status).toBe(200);
    const request = await rig.waitForPlanned('trino-coordinator');
    expect(request).toMatchObject({
      service: 'trino',
      namespace: 'data-platform',
      reason: "it's stuck on queued queries",
      threadTs: ts,
    });
    expect(messageAt(request.planTs)?.thread_ts).toBe(ts);

    await rig.click('deny', request, 'U0OPERATOR');
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'rejected');
    await rig.slack.waitFor(
      () =>
        rig.slack.messages('C0INCIDENT').find((m) => m.thread_ts === ts && /Cancelled by <@U0OPERATOR>/.test(m.text)),
      EVENT_WAIT_MS,
    );
    expect(JSON.stringify(messageAt(request.planTs)?.blocks)).not.toContain('restart-approve');
    expect(
      deployment('data-platform', 'trino-coordinator').spec.template.metadata?.annotations?.[RESTARTED_AT],
    ).toBeUndefined();
    expect((await rig.audit({ requestId: request.id })).map((r) => [r.outcome, r.actor])).toEqual([
      ['requested', 'U0OPERATOR'],
      ['rejected', 'U0OPERATOR'],
    ]);
  });

  it('restarts a StatefulSet one pod at a time to the new revision', async () => {
    await rig.slash('restart kafka --reason "broker 2 lost its ISR"', 'U0OPERATOR');
    const request = await rig.waitForPlanned('kafka');
    expect(JSON.stringify(messageAt(request.planTs)?.blocks)).toContain(
      'one at a time from the highest ordinal down (kafka-2, kafka-1, kafka-0)',
    );
    await rig.click('approve', request, 'U0ADMIN');
    const done = await rig.waitForRequest(
      (r) => r.id === request.id && r.state !== 'running' && r.state !== 'approved' && r.state !== 'pending',
    );
    expect(done.state).toBe('succeeded');
    const sts = rig.kube.cluster.get<
      KubeObject & { spec: { template: { metadata?: { annotations?: Record<string, string> } } } }
    >('statefulsets', 'kafka', 'kafka')!;
    expect(sts.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(done.restartedAt);
  });

  it('ends a rollout that never becomes ready with ProgressDeadlineExceeded, the failing pods and recent events', async () => {
    await rig.slash('restart datahub --reason "GMS not answering"', 'U0OPERATOR');
    const request = await rig.waitForPlanned('datahub-gms');
    await rig.click('approve', request, 'U0APPROVER');
    const failed = await rig.waitForRequest((r) => r.id === request.id && r.state === 'failed');
    expect(failed.result).toMatch(/exceeded its progress deadline.*ImagePullBackOff/);
    const report = await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0INCIDENT')
          .find((m) => m.thread_ts === request.threadTs && m.text.startsWith('❌ Restart of deployment/datahub-gms')),
      EVENT_WAIT_MS,
    );
    expect(checkMessage({ text: report.text, blocks: report.blocks })).toBeUndefined();
    const json = JSON.stringify(report.blocks);
    expect(json).toContain('Failing pods');
    expect(json).toContain('ImagePullBackOff');
    expect(json).toContain('Recent events');
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual([
      'requested',
      'approved',
      'started',
      'failed',
    ]);
  });
});

describe('refusals, each with a message to the person and an audit row', () => {
  it('refuses by policy (role, channel) before anything is queued', async () => {
    // Jobs of the earlier tests may still change state (active → failed), so the queue's jobs are counted in all.
    const allJobs = async () => Object.values(await rig.queue.queue.getJobCounts()).reduce((a, b) => a + b, 0);
    const jobsBefore = await allJobs();
    await rig.slash('restart trino --reason "just curious"', 'U0VIEWER');
    await rig.whisper('U0VIEWER', /`restart` needs the operator role; your role is viewer/);
    await rig.slash('restart trino --reason "wrong room"', 'U0OPERATOR', 'C0GENERAL');
    await rig.whisper('U0OPERATOR', /may only run in incident channels/, 'C0GENERAL');
    await rig.slash('restart trino --reason "who am i"', 'U0STRANGER');
    await rig.whisper('U0STRANGER', /you have no carbon-ops role/);
    expect(await allJobs()).toBe(jobsBefore);
    const denied = (await rig.audit()).filter((r) => r.outcome === 'denied' && r.action === 'restart');
    expect(denied.map((r) => [r.actor, r.channel, r.command, r.reason])).toEqual(
      expect.arrayContaining([
        ['U0VIEWER', 'C0INCIDENT', 'restart trino', 'just curious'],
        ['U0OPERATOR', 'C0GENERAL', 'restart trino', 'wrong room'],
        ['U0STRANGER', 'C0INCIDENT', 'restart trino', 'who am i'],
      ]),
    );
  });

  it('refuses unknown services, bad names and hostile text with the usage, before any call to the cluster', async () => {
    const requestsBefore = rig.kube.stats.requests;
    await rig.slash('restart trinoo --reason "typo"', 'U0OPERATOR');
    await rig.whisper('U0OPERATOR', /Unknown service `trinoo`. Did you mean `trino`/);
    await rig.slash('restart "deployment/$(curl evil)" -n data-platform --reason x123', 'U0OPERATOR');
    await rig.whisper('U0OPERATOR', /not a valid Kubernetes name/);
    await rig.slash('restart trino', 'U0OPERATOR');
    await rig.whisper('U0OPERATOR', /A reason is required/);
    await rig.slash('restart trino -n "kube-system; rm" --reason abcd', 'U0OPERATOR');
    await rig.whisper('U0OPERATOR', /Namespace .* is not a valid Kubernetes name/);
    expect(rig.kube.stats.requests).toBe(requestsBefore);
    expect((await rig.audit()).some((r) => r.outcome === 'refused' && r.target === 'trinoo')).toBe(true);
  });

  it('refuses a paused deployment, a missing namespace and a second request for a workload already asked for', async () => {
    await rig.slash('restart deployment/seatunnel -n data-platform --reason "images mirrored now"', 'U0OPERATOR');
    await rig.slack.waitFor(
      () => rig.slack.messages('C0INCIDENT').find((m) => /seatunnel is paused/.test(m.text)),
      EVENT_WAIT_MS,
    );
    await rig.slash('restart deployment/x -n no-such-ns --reason abcd', 'U0OPERATOR');
    await rig.slack.waitFor(
      () => rig.slack.messages('C0INCIDENT').find((m) => /Namespace `no-such-ns` does not exist/.test(m.text)),
      EVENT_WAIT_MS,
    );

    await rig.slash('restart grafana --reason "dashboards blank"', 'U0OPERATOR');
    const first = await rig.waitForPlanned('grafana');
    await rig.slash('restart grafana --reason "me too"', 'U0ADMIN');
    await rig.slack.waitFor(
      () =>
        rig.slack
          .messages('C0INCIDENT')
          .find((m) => m.text.includes(`already awaiting approval: request ${first.id} by U0OPERATOR`)),
      EVENT_WAIT_MS,
    );
    const refused = (await rig.audit()).filter((r) => r.outcome === 'refused');
    expect(refused.map((r) => r.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/seatunnel is paused/),
        expect.stringMatching(/no-such-ns/),
        expect.stringMatching(/already awaiting approval/),
      ]),
    );
    expect(
      deployment('data-platform', 'seatunnel').spec.template.metadata?.annotations?.[RESTARTED_AT],
    ).toBeUndefined();
    await rig.click('deny', first, 'U0APPROVER'); // an approver denies someone else's request
    await rig.waitForRequest((r) => r.id === first.id && r.state === 'rejected');
  });

  it('refuses self-approval, non-approvers, a second click and an expired request', async () => {
    await rig.slash('restart superset --reason "login page 502"', 'U0ADMIN');
    const request = await rig.waitForPlanned('superset');
    await rig.click('approve', request, 'U0ADMIN'); // an admin is an approver, but not of their own request
    await rig.whisper('U0ADMIN', /approval must come from someone else \(two-person rule\)/);
    await rig.click('approve', request, 'U0OPERATOR');
    await rig.whisper('U0OPERATOR', /`approve` needs the approver role; your role is operator/);
    await rig.click('deny', request, 'U0VIEWER');
    await rig.whisper('U0VIEWER', /`deny` needs the operator role/);
    expect((await rig.store.restarts.get(request.id))?.state).toBe('pending');

    await rig.click('approve', request, 'U0APPROVER');
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'succeeded');
    await rig.click('approve', request, 'U0APPROVER');
    await rig.whisper(
      'U0APPROVER',
      new RegExp(`Request ${request.id} was already approved and the restart of deployment/superset has finished`),
    );

    await rig.slash('restart portal --reason "stale cache"', 'U0OPERATOR');
    const late = await rig.waitForPlanned('portal');
    await rig.store.pool.query(`UPDATE restart_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      late.id,
    ]);
    await rig.click('approve', late, 'U0APPROVER');
    await rig.whisper('U0APPROVER', new RegExp(`Request ${late.id} expired at .* without approval`));
    expect((await rig.store.restarts.get(late.id))?.state).toBe('expired');
    expect(JSON.stringify(messageAt(late.planTs)?.blocks)).toMatch(/Expired at/);
    expect(deployment('data-platform', 'portal').spec.template.metadata?.annotations?.[RESTARTED_AT]).toBeUndefined();

    const rows = (await rig.audit()).filter((r) => r.requestId === request.id || r.requestId === late.id);
    expect(rows.map((r) => [r.requestId === late.id ? 'late' : 'first', r.outcome, r.actor])).toEqual([
      ['first', 'requested', 'U0ADMIN'],
      ['first', 'refused', 'U0ADMIN'],
      ['first', 'approved', 'U0APPROVER'],
      ['first', 'started', 'U0ADMIN'],
      ['first', 'succeeded', 'U0ADMIN'],
      ['first', 'refused', 'U0APPROVER'],
      ['late', 'requested', 'U0OPERATOR'],
      ['late', 'expired', 'U0OPERATOR'],
      ['late', 'refused', 'U0APPROVER'],
    ]);
    const denials = (await rig.audit()).filter(
      (r) => r.outcome === 'denied' && (r.action === 'approve' || r.action === 'deny'),
    );
    expect(denials.map((r) => [r.actor, r.command])).toEqual(
      expect.arrayContaining([
        ['U0OPERATOR', `approve ${request.id}`],
        ['U0VIEWER', `deny ${request.id}`],
      ]),
    );
  });

  it('acts once on a double click', async () => {
    await rig.slash('restart lakefs --reason "metadata store reconnect"', 'U0OPERATOR');
    const request = await rig.waitForPlanned('lakefs');
    const clicks = await Promise.all([
      rig.click('approve', request, 'U0APPROVER'),
      rig.click('approve', request, 'U0APPROVER'),
      rig.click('approve', request, 'U0ADMIN'),
    ]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200, 200]);
    await rig.waitForRequest((r) => r.id === request.id && r.state !== 'pending' && r.state !== 'approved');
    // The clicks are acknowledged before their handlers finish: wait for both refusals' rows, then count.
    const rows = await until('two refusals audited', async () => {
      const all = await rig.audit({ requestId: request.id });
      return all.filter((r) => r.outcome === 'refused').length >= 2 ? all : undefined;
    });
    expect(rows.filter((r) => r.outcome === 'approved')).toHaveLength(1);
    expect(rows.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(rows.filter((r) => r.outcome === 'refused')).toHaveLength(2);
    await rig.slack.waitFor(
      () =>
        rig.slack
          .ephemerals('C0INCIDENT')
          .filter((e) => e.text.includes(`Request ${request.id}`) && /already approved/.test(e.text)).length === 2 ||
        undefined,
      EVENT_WAIT_MS,
    );
  });
});

describe('the audit trail', () => {
  it('stops a restart whose `started` row cannot be written: nothing is patched, it ends with its `failed` row', async () => {
    await rig.slash('restart deployment/superset-beat -n data-platform --reason "beat schedule stuck"', 'U0OPERATOR');
    const request = await rig.waitForPlanned('superset-beat');
    const before = deployment('data-platform', 'superset-beat');
    // The audit refuses the `started` row (think: disk full, or a revoked INSERT): the patch must not be sent.
    await queryAs(
      rig.db.migrationUrl,
      `
      CREATE FUNCTION refuse_started() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.outcome = 'started' THEN RAISE EXCEPTION 'could not extend file: No space left on device'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_started BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_started();`,
    );
    try {
      await rig.click('approve', request, 'U0APPROVER');
      const failed = await rig.waitForRequest((r) => r.id === request.id && r.state === 'failed');
      expect(failed.restartedAt).toBeUndefined();
      await inThread(request, /audit trail cannot be written, so the restart .* was NOT started/);
    } finally {
      await queryAs(rig.db.migrationUrl, 'DROP TRIGGER refuse_started ON audit_log; DROP FUNCTION refuse_started();');
    }
    const after = deployment('data-platform', 'superset-beat');
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBeUndefined();
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'failed']);
    expect(rows.at(-1)).toMatchObject({
      actor: 'U0OPERATOR',
      approver: 'U0APPROVER',
      detail: 'the audit trail could not be written, so nothing was done',
      jobId: `restart-rollout-${request.id}`,
    });
  });

  it('ends a restart as failed when the audit refuses every write, says so, and writes the `failed` row once it can', async () => {
    await rig.slash('restart deployment/pgadmin -n data-platform --reason "sessions hang"', 'U0OPERATOR');
    const request = await rig.waitForPlanned('pgadmin');
    const before = deployment('data-platform', 'pgadmin');
    // No worker takes the rollout until the bot's role has lost INSERT on audit_log (a real REVOKE).
    await rig.worker!.close();
    await rig.click('approve', request, 'U0APPROVER');
    await rig.waitForRequest((r) => r.id === request.id && r.state === 'approved');
    await queryAs(rig.db.migrationUrl, `REVOKE INSERT ON audit_log FROM ${rig.db.runtimeRole}`);
    await rig.startWorker();
    const failed = await rig.waitForRequest((r) => r.id === request.id && r.state === 'failed');
    expect(failed.result).toBe('the audit trail could not be written, so nothing was done');
    await inThread(
      request,
      /the restart .* was NOT started .*will record this failure as soon as it takes writes again/,
    );
    expect(deployment('data-platform', 'pgadmin').metadata.generation).toBe(before.metadata.generation);
    expect((await rig.audit({ requestId: request.id })).map((r) => r.outcome)).toEqual(['requested', 'approved']);

    // `carbon migrate` grants the bot its privileges again; the next request for the workload (its planning
    // job) writes the missing row, and is accepted: the failed request no longer holds the workload.
    await migrateAs(rig.db.migrationUrl, rig.db.runtimeRole);
    await rig.slash('restart deployment/pgadmin -n data-platform --reason "sessions still hang"', 'U0OPERATOR');
    const next = await rig.waitForPlanned('pgadmin');
    expect(next.id).not.toBe(request.id);
    const rows = await rig.audit({ requestId: request.id });
    expect(rows.map((r) => r.outcome)).toEqual(['requested', 'approved', 'failed']);
    expect(rows.at(-1)).toMatchObject({ actor: 'U0OPERATOR', approver: 'U0APPROVER' });
    expect(rows.at(-1)?.detail).toMatch(
      /^the audit trail could not be written, so nothing was done \(recorded late: it failed at \d{4}-\d\d-\d\dT.*Z, when the audit trail could not be written\)$/,
    );
  });

  it('cannot be changed or deleted, not even by the schema owner (the bot: database-roles.test.ts)', async () => {
    const [row] = await rig.audit();
    const asOwner = (sql: string, params: unknown[] = []) => queryAs(rig.db.migrationUrl, sql, params);
    await expect(asOwner(`UPDATE audit_log SET outcome = 'succeeded' WHERE id = $1`, [row!.id])).rejects.toThrow(
      /append-only: UPDATE/,
    );
    await expect(asOwner('DELETE FROM audit_log WHERE id = $1', [row!.id])).rejects.toThrow(/append-only: DELETE/);
    await expect(asOwner('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  it('is shown by /carbon audit, to the asker only, filtered by user and action', async () => {
    await rig.slash('audit --since 1h --action restart --user U0APPROVER --limit 50', 'U0VIEWER');
    const whisper = await rig.whisper('U0VIEWER', /Audit trail/);
    const json = JSON.stringify(whisper.blocks);
    expect(json).toContain('U0APPROVER');
    expect(json).toContain('approved');
    expect(json).not.toMatch(/U0STRANGER/);
    expect(checkMessage({ text: whisper.text, blocks: whisper.blocks })).toBeUndefined();
    await rig.slash('audit', 'U0STRANGER');
    await rig.whisper('U0STRANGER', /`audit` needs the viewer role/);
  });
});
